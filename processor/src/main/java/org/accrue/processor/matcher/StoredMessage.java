package org.accrue.processor.matcher;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/** A card_message row as the matcher reads it (token, never a PAN). */
record StoredMessage(long id, String mti, long cardId, String issuerId, String panToken, String processingCode,
                     long amountMinor, String currency, Long billingAmountMinor, String billingCurrency,
                     String transmitted, String stan, String localTime, String localDate, String mcc,
                     String posEntryMode, String acquirerId, String rrn, String authId, String merchantId,
                     String acceptorName, long tipMinor, String origMti, String origStan, String origTransmitted,
                     String origAcquirerId, Long replacementAmountMinor, Instant receivedAt) {

    /** card_message's columns as read(rs) takes them; the issuer (4th) is the card's, filled in by withIssuer. */
    static final String COLUMNS = "m.id, m.mti, m.card_id, null, m.pan_token, m.processing_code, m.amount_minor, "
            + "m.currency, m.billing_amount_minor, m.billing_currency, m.transmitted, m.stan, m.local_time, m.local_date, "
            + "m.mcc, m.pos_entry_mode, m.acquirer_id, m.rrn, m.auth_id, m.merchant_id, m.acceptor_name, m.tip_minor, "
            + "m.orig_mti, m.orig_stan, m.orig_transmitted, m.orig_acquirer_id, m.replacement_amount_minor, m.received_at";

    static StoredMessage read(ResultSet rs) throws SQLException {
        return new StoredMessage(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getLong(7), rs.getString(8), (Long) rs.getObject(9, Long.class), rs.getString(10),
                rs.getString(11), rs.getString(12), rs.getString(13), rs.getString(14), rs.getString(15),
                rs.getString(16), rs.getString(17), rs.getString(18), rs.getString(19), rs.getString(20),
                rs.getString(21), rs.getLong(22), rs.getString(23), rs.getString(24), rs.getString(25),
                rs.getString(26), (Long) rs.getObject(27, Long.class),
                rs.getObject(28, LocalDateTime.class).toInstant(ZoneOffset.UTC));
    }

    /** This message with its card's issuer. */
    StoredMessage withIssuer(String issuer) {
        return new StoredMessage(id, mti, cardId, issuer, panToken, processingCode, amountMinor, currency, billingAmountMinor,
                billingCurrency, transmitted, stan, localTime, localDate, mcc, posEntryMode, acquirerId, rrn, authId,
                merchantId, acceptorName, tipMinor, origMti, origStan, origTransmitted, origAcquirerId,
                replacementAmountMinor, receivedAt);
    }

    String messageClass() {
        return mti.substring(0, 2);
    }

    boolean isPurchase() {
        return processingCode.startsWith("00") || processingCode.startsWith("09");
    }

    boolean isRefund() {
        return processingCode.startsWith("20");
    }

    /** Auth, clearings and reversals of one purchase share (token, DE37, DE38). */
    String lifecycleKey() {
        return panToken + "|" + nz(rrn) + "|" + nz(authId);
    }

    /** Refunds find their purchase by (token, DE37). */
    String rrnKey() {
        return rrn == null ? null : panToken + "|" + rrn;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
