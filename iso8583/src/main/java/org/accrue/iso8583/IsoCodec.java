/*
 * The typed edge: ISOMsg in, Decoded out; Acknowledgement in, response ISOMsg
 * out. Elements are checked in ascending DE order and the first bad one is
 * named, so an issuer fixing a message sees one clear reason at a time.
 * Nothing produced here (records, reasons, exceptions) carries a PAN.
 * What is accepted here is what the matcher can read: currencies (DE49,
 * DE51) must be ISO 4217 numeric codes of a currency with a minor unit, the
 * same set the rewards module's Money turns into alpha codes (both read it
 * from java.util.Currency; a processor test checks all 1,000 codes agree).
 */
package org.accrue.iso8583;

import java.util.Currency;
import java.util.HashSet;
import java.util.Set;

import org.jpos.iso.ISOException;
import org.jpos.iso.ISOMsg;

public final class IsoCodec {
    /** The requests of iso8583-interface.md's message table that carry card activity. */
    private static final Set<String> CARD_MTIS = Set.of(
            "0100", "0101", "0120", "0121", "0200", "0201", "0220", "0221", "0400", "0401", "0420", "0421");
    private static final Set<String> NETWORK_CODES = Set.of("001", "002", "301");
    /** Elements echoed in every response when the request had them (never DE2). */
    private static final int[] ECHOED = {3, 4, 7, 11, 32, 37, 41};
    private static final int ADDITIONAL_AMOUNT_BLOCK = 20;
    private static final String AMOUNT_TYPE_GRATUITY = "44";
    /**
     * ISO 4217 numeric codes of the currencies that have a minor unit (USD 840, JPY 392, BHD 048), as
     * java.util.Currency knows them: not metals, funds or testing codes (XAU, XDR, XTS have no minor unit).
     */
    private static final Set<String> CURRENCIES = currencies();

    private IsoCodec() {
    }

    private static Set<String> currencies() {
        Set<String> codes = new HashSet<>();
        for (Currency c : Currency.getAvailableCurrencies()) {
            if (c.getDefaultFractionDigits() >= 0 && c.getNumericCode() > 0) {
                codes.add(String.format("%03d", c.getNumericCode()));
            }
        }
        return Set.copyOf(codes);
    }

    public static Decoded decode(ISOMsg m) {
        String mti;
        try {
            mti = m.getMTI();
        } catch (ISOException e) {
            return new Decoded.FormatError(0, "MTI missing");
        }
        if (mti == null || mti.length() != 4 || !digits(mti)) {
            return new Decoded.FormatError(0, "MTI must be 4 digits");
        }
        if (mti.equals("0800")) {
            String code = m.getString(70);
            return code != null && NETWORK_CODES.contains(code)
                    ? new Decoded.Network(code)
                    : new Decoded.FormatError(70, "DE70 must be 001, 002 or 301");
        }
        if (!CARD_MTIS.contains(mti)) {
            return new Decoded.Unsupported(mti);
        }
        try {
            return new Decoded.Card(card(Mti.of(mti), m));
        } catch (BadField e) {
            return new Decoded.FormatError(e.field, e.getMessage());
        }
    }

    /** Thrown inside decoding only; carries the field number and a content-free reason. */
    private static final class BadField extends Exception {
        final int field;

        BadField(int field, String reason) {
            super(reason, null, false, false);
            this.field = field;
        }
    }

    private static CardMessage card(Mti mti, ISOMsg m) throws BadField {
        String pan = required(m, 2, 12, 19, true);
        String processingCode = required(m, 3, 6, 6, true);
        long amount = Long.parseLong(required(m, 4, 12, 12, true));
        String billingAmount = optional(m, 6, 12, 12, true);
        String transmitted = required(m, 7, 10, 10, true);
        if (!validMonthDay(transmitted.substring(0, 4)) || !validTime(transmitted.substring(4))) {
            throw new BadField(7, "DE7 must be a valid MMDDhhmmss");
        }
        String stan = required(m, 11, 6, 6, true);
        String localTime = optional(m, 12, 6, 6, true);
        if (localTime != null && !validTime(localTime)) {
            throw new BadField(12, "DE12 must be a valid hhmmss");
        }
        String localDate = optional(m, 13, 4, 4, true);
        if (localDate != null && !validMonthDay(localDate)) {
            throw new BadField(13, "DE13 must be a valid MMDD");
        }
        String mcc = optional(m, 18, 4, 4, true);
        String posEntry = optional(m, 22, 3, 3, true);
        String acquirer = required(m, 32, 1, 11, true);
        String rrn = trimmedOptional(m, 37, 12);
        String authId = trimmedOptional(m, 38, 6);
        String terminal = m.getString(41);
        if (terminal == null || terminal.isBlank() || terminal.length() > 8) {
            throw new BadField(41, "DE41 is required, 1-8 characters");
        }
        String merchant = trimmedOptional(m, 42, 15);
        CardMessage.CardAcceptor acceptor = acceptor(m.getString(43));
        String currency = currency(49, required(m, 49, 3, 3, true));
        String billingCurrency = optional(m, 51, 3, 3, true);
        if (billingCurrency != null) {
            currency(51, billingCurrency);
        }
        if ((billingAmount == null) != (billingCurrency == null)) {
            throw new BadField(billingAmount == null ? 6 : 51, "DE6 and DE51 come together");
        }
        long tip = tip(m.getString(54), currency);
        CardMessage.OriginalData original = original(m.getString(90), mti.isReversal());
        Long replacement = replacement(m.getString(95));
        return new CardMessage(mti, pan, processingCode, amount, currency,
                billingAmount == null ? null : Long.parseLong(billingAmount), billingCurrency, transmitted, stan,
                localTime, localDate, mcc, posEntry, acquirer, rrn, authId, terminal.strip(), merchant, acceptor, tip,
                original, replacement);
    }

    private static String required(ISOMsg m, int field, int min, int max, boolean numeric) throws BadField {
        String v = m.getString(field);
        if (v == null || v.isEmpty()) {
            throw new BadField(field, "DE" + field + " is required");
        }
        return check(field, v, min, max, numeric);
    }

    private static String optional(ISOMsg m, int field, int min, int max, boolean numeric) throws BadField {
        String v = m.getString(field);
        return v == null || v.isEmpty() ? null : check(field, v, min, max, numeric);
    }

    private static String check(int field, String v, int min, int max, boolean numeric) throws BadField {
        if (v.length() < min || v.length() > max) {
            throw new BadField(field, "DE" + field + " must be " + (min == max ? min : min + "-" + max) + " long");
        }
        if (numeric && !digits(v)) {
            throw new BadField(field, "DE" + field + " must be digits");
        }
        return v;
    }

    /** An ISO 4217 numeric code the matcher can read; a stored code it cannot read would stop matching. */
    private static String currency(int field, String numeric) throws BadField {
        if (!CURRENCIES.contains(numeric)) {
            throw new BadField(field, "DE" + field + " must be an ISO 4217 numeric currency code");
        }
        return numeric;
    }

    private static String trimmedOptional(ISOMsg m, int field, int max) throws BadField {
        String v = m.getString(field);
        if (v == null) {
            return null;
        }
        if (v.length() > max) {
            throw new BadField(field, "DE" + field + " must be at most " + max + " long");
        }
        v = v.strip();
        return v.isEmpty() ? null : v;
    }

    private static CardMessage.CardAcceptor acceptor(String de43) throws BadField {
        if (de43 == null || de43.isBlank()) {
            return null;
        }
        if (de43.length() > 40) {
            throw new BadField(43, "DE43 must be at most 40 long");
        }
        String padded = String.format("%-40s", de43);
        return new CardMessage.CardAcceptor(padded.substring(0, 25).strip(), padded.substring(25, 38).strip(),
                padded.substring(38, 40).strip());
    }

    /** DE54: repeated 20-character blocks; the gratuity (type 44) in the transaction currency is the tip. */
    private static long tip(String de54, String currency) throws BadField {
        if (de54 == null || de54.isEmpty()) {
            return 0;
        }
        if (de54.length() % ADDITIONAL_AMOUNT_BLOCK != 0 || de54.length() > 120) {
            throw new BadField(54, "DE54 must be 20-character amount blocks, at most 6");
        }
        long tip = 0;
        for (int i = 0; i < de54.length(); i += ADDITIONAL_AMOUNT_BLOCK) {
            String block = de54.substring(i, i + ADDITIONAL_AMOUNT_BLOCK);
            String amountType = block.substring(2, 4);
            String blockCurrency = block.substring(4, 7);
            char sign = block.charAt(7);
            String amount = block.substring(8);
            if (!digits(blockCurrency) || (sign != 'C' && sign != 'D') || !digits(amount)) {
                throw new BadField(54, "DE54 block " + (i / ADDITIONAL_AMOUNT_BLOCK + 1) + " is malformed");
            }
            if (AMOUNT_TYPE_GRATUITY.equals(amountType) && blockCurrency.equals(currency)) {
                tip = Math.addExact(tip, Long.parseLong(amount));
            }
        }
        return tip;
    }

    private static CardMessage.OriginalData original(String de90, boolean required) throws BadField {
        if (de90 == null || de90.isEmpty()) {
            if (required) {
                throw new BadField(90, "DE90 is required on reversals");
            }
            return null;
        }
        if (de90.length() != 42 || !digits(de90)) {
            throw new BadField(90, "DE90 must be 42 digits");
        }
        return new CardMessage.OriginalData(de90.substring(0, 4), de90.substring(4, 10), de90.substring(10, 20),
                de90.substring(20, 31), de90.substring(31, 42));
    }

    private static Long replacement(String de95) throws BadField {
        if (de95 == null || de95.isEmpty()) {
            return null;
        }
        if (de95.length() < 12 || de95.length() > 42 || !digits(de95.substring(0, 12))) {
            throw new BadField(95, "DE95 must start with a 12-digit actual amount");
        }
        return Long.parseLong(de95.substring(0, 12));
    }

    private static boolean validMonthDay(String mmdd) {
        int month = Integer.parseInt(mmdd.substring(0, 2));
        int day = Integer.parseInt(mmdd.substring(2, 4));
        return month >= 1 && month <= 12 && day >= 1 && day <= java.time.Month.of(month).maxLength();
    }

    private static boolean validTime(String hhmmss) {
        return Integer.parseInt(hhmmss.substring(0, 2)) < 24 && Integer.parseInt(hhmmss.substring(2, 4)) < 60
                && Integer.parseInt(hhmmss.substring(4, 6)) < 60;
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return !s.isEmpty();
    }

    /**
     * The response MTI: the spec's table for card and network messages; for any
     * other request or advice (function digit 0, 2, 4...) the matching response
     * (0300 -> 0310); for anything that is not a request (a response, garbage) 0810.
     */
    public static String responseMti(String requestMti) {
        if (requestMti == null || requestMti.length() != 4 || !digits(requestMti)) {
            return "0810";
        }
        int function = requestMti.charAt(2) - '0';
        if (function % 2 != 0) {
            return "0810";
        }
        return requestMti.substring(0, 2) + (function + 1) + "0";
    }

    /** The answer to {@code request}: echoed elements, DE39, DE44 on a format error, DE70 on 0810. Never DE2. */
    public static ISOMsg response(ISOMsg request, Acknowledgement ack) {
        ISOMsg r = new ISOMsg();
        try {
            String mti;
            try {
                mti = request.getMTI();
            } catch (ISOException e) {
                mti = null;
            }
            String responseMti = responseMti(mti);
            r.setMTI(responseMti);
            for (int f : ECHOED) {
                String v = request.getString(f);
                if (v != null) {
                    r.set(f, v);
                }
            }
            r.set(39, ack.code().wire());
            if (ack.code() == ResponseCode.FORMAT_ERROR && ack.badField() > 0) {
                r.set(44, Integer.toString(ack.badField()));
            }
            if (responseMti.equals("0810") && request.hasField(70)) {
                r.set(70, request.getString(70));
            }
        } catch (ISOException e) {
            throw new IllegalStateException("cannot build a response", e); // only on a programming error
        }
        return r;
    }
}
