/*
 * One 01xx/02xx/04xx message as a typed value: amounts are long minor units,
 * codes are strings of the wire's digits, optional elements are null.
 * The PAN lives here only in memory and only until it is tokenized;
 * toString() masks it, so a CardMessage can be printed or logged safely.
 */
package org.accrue.iso8583;

import java.util.Objects;

public record CardMessage(
        Mti mti,
        String pan,                  // DE2, digits only; never printed in clear
        String processingCode,       // DE3, 6 digits
        long amountMinor,            // DE4, minor units of currency
        String currency,             // DE49, ISO 4217 numeric, 3 digits
        Long billingAmountMinor,     // DE6, null when absent
        String billingCurrency,      // DE51, null when absent
        String transmissionDateTime, // DE7, MMDDhhmmss UTC as sent
        String stan,                 // DE11, 6 digits
        String localTime,            // DE12 hhmmss, null when absent
        String localDate,            // DE13 MMDD, null when absent
        String mcc,                  // DE18, null when absent
        String posEntryMode,         // DE22, null when absent
        String acquirerId,           // DE32
        String retrievalReference,   // DE37, null when absent
        String authorizationId,      // DE38, null when absent
        String terminalId,           // DE41
        String merchantId,           // DE42, trimmed, null when absent
        CardAcceptor cardAcceptor,   // DE43, null when absent
        long tipMinor,               // DE54 amount type 44 in currency, 0 when absent
        OriginalData original,       // DE90, null when absent
        Long replacementAmountMinor  // DE95 actual amount, null when absent (partial reversal)
) {

    public CardMessage {
        Objects.requireNonNull(mti, "mti");
        Objects.requireNonNull(pan, "pan");
    }

    /**
     * The message key of the spec: (MTI class, DE32, DE7, DE11, DE41). Repeats
     * (xxx1) share the key of their original.
     */
    public String messageKey() {
        return mti.messageClass() + "|" + acquirerId + "|" + transmissionDateTime + "|" + stan + "|" + terminalId;
    }

    public String panLast4() {
        return pan.substring(pan.length() - 4);
    }

    public String maskedPan() {
        return Pans.mask(pan);
    }

    public boolean isRefund() {
        return kind() == TransactionKind.REFUND;
    }

    public boolean isPurchase() {
        return kind() == TransactionKind.PURCHASE;
    }

    public TransactionKind kind() {
        return TransactionKind.of(processingCode);
    }

    /** Card-not-present: DE22 starting with 81 is e-commerce. */
    public boolean isOnline() {
        return channel() == PurchaseChannel.ONLINE;
    }

    public PurchaseChannel channel() {
        return PurchaseChannel.of(posEntryMode);
    }

    @Override
    public String toString() {
        return "CardMessage[mti=" + mti + ", pan=" + maskedPan() + ", key=" + messageKey()
                + ", processingCode=" + processingCode + ", amountMinor=" + amountMinor
                + ", currency=" + currency + ", rrn=" + retrievalReference + ", authId=" + authorizationId
                + ", mid=" + merchantId + "]";
    }

    /** DE43 split into its fixed positions: name 1-25, city 26-38, country 39-40. */
    public record CardAcceptor(String name, String city, String country) {
    }

    /** DE90: original MTI 4, STAN 6, DE7 10, acquirer 11, forwarding 11. STAN/DE7 may be zero-filled. */
    public record OriginalData(String mti, String stan, String transmissionDateTime, String acquirerId,
                               String forwardingId) {
        public boolean hasZeroFilledKey() {
            return stan.chars().allMatch(c -> c == '0') || transmissionDateTime.chars().allMatch(c -> c == '0');
        }
    }
}
