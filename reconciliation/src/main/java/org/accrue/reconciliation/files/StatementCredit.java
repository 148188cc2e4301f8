/*
 * One D line of a statement credit file (issuer-files.md). A credit cannot be
 * built invalid, so the writer never writes a line that breaks the format:
 * no field holds the separator '|' or a line break, the currency is a known
 * ISO 4217 alpha-3 code, last4 is four digits. Checks are plain loops, not
 * regular expressions: a file holds up to millions of credits.
 */
package org.accrue.reconciliation.files;

import java.time.LocalDate;

import org.accrue.rewards.money.Money;

/**
 * A credit (positive amount) or debit (negative: a clawback) of {@code amount} minor units of {@code currency}
 * to the issuer's {@code accountRef}; the file never holds a card number, only its last four digits.
 */
public record StatementCredit(String creditId, String accountRef, String last4, long amount, String currency,
                              String statementText, String offerId, LocalDate purchaseDate) {
    /** Longest credit id, in characters: the processor's ids are far shorter, issuers store them. */
    public static final int CREDIT_ID_CHARS_MAX = 40;
    /** Longest account ref or offer id, in characters. */
    public static final int REF_CHARS_MAX = 64;

    public StatementCredit {
        if (!fits(creditId, CREDIT_ID_CHARS_MAX)) {
            // The id itself is not echoed: it may hold the very line break that makes it invalid.
            throw new IllegalArgumentException("creditId must be 1-" + CREDIT_ID_CHARS_MAX
                    + " characters without | or control characters");
        }
        if (!fits(accountRef, REF_CHARS_MAX)) {
            throw invalid(creditId, "accountRef", "must be 1-" + REF_CHARS_MAX + " characters without | or control characters");
        }
        if (!fits(offerId, REF_CHARS_MAX)) {
            throw invalid(creditId, "offerId", "must be 1-" + REF_CHARS_MAX + " characters without | or control characters");
        }
        if (!fourDigits(last4)) {
            throw invalid(creditId, "last4", "must be 4 digits");
        }
        if (!alpha3(currency)) {
            throw invalid(creditId, "currency", "must be an ISO 4217 alpha-3 code such as USD");
        }
        try {
            Money.exponent(currency);
        } catch (IllegalArgumentException e) {
            throw invalid(creditId, "currency", "is not an ISO 4217 currency with a minor unit");
        }
        if (statementText == null || statementText.length() > StatementText.CHARS_MAX || !clean(statementText)) {
            throw invalid(creditId, "statementText", "must be at most " + StatementText.CHARS_MAX
                    + " characters without | or control characters (see StatementText.clean)");
        }
        if (purchaseDate == null) {
            throw invalid(creditId, "purchaseDate", "is required");
        }
    }

    private static IllegalArgumentException invalid(String creditId, String field, String rule) {
        return new IllegalArgumentException("credit " + creditId + ": " + field + " " + rule);
    }

    static boolean fits(String v, int charsMax) {
        return v != null && !v.isEmpty() && v.length() <= charsMax && clean(v);
    }

    /**
     * No separator, no control character (CR, LF, NEL...), no Unicode line or paragraph separator, no lone
     * surrogate (it would be written as '?').
     */
    static boolean clean(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '|' || Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= v.length() || !Character.isLowSurrogate(v.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean fourDigits(String v) {
        if (v == null || v.length() != 4) {
            return false;
        }
        for (int i = 0; i < 4; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    static boolean alpha3(String v) {
        if (v == null || v.length() != 3) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            char c = v.charAt(i);
            if (c < 'A' || c > 'Z') {
                return false;
            }
        }
        return true;
    }
}
