package org.accrue.reconciliation.files;

import java.time.LocalDate;

/**
 * One D line of a statement credit file: amount in minor units of the currency (ISO 4217 alpha-3), negative
 * for a debit; the account ref is the issuer's own, never a card number.
 */
public record StatementCredit(String creditId, String accountRef, String last4, long amount, String currency,
                              String statementText, String offerId, LocalDate purchaseDate) {
    public StatementCredit {
        field("creditId", creditId, 40);
        field("accountRef", accountRef, 64);
        field("offerId", offerId, 64);
        if (last4 == null || !last4.matches("[0-9]{4}")) {
            throw new IllegalArgumentException("credit " + creditId + ": last4 must be 4 digits");
        }
        if (currency == null || !currency.matches("[A-Z]{3}")) {
            throw new IllegalArgumentException("credit " + creditId + ": currency must be ISO 4217 alpha-3");
        }
        if (statementText == null || statementText.length() > StatementText.CHARS_MAX || !clean(statementText)) {
            throw new IllegalArgumentException("credit " + creditId + ": statement text must be at most "
                    + StatementText.CHARS_MAX + " clean characters (StatementText.clean)");
        }
        if (purchaseDate == null) {
            throw new IllegalArgumentException("credit " + creditId + ": purchase date is required");
        }
    }

    private static void field(String name, String v, int max) {
        if (v == null || v.isEmpty() || v.length() > max || !clean(v)) {
            throw new IllegalArgumentException(name + " must be 1-" + max + " characters without | or line breaks");
        }
    }

    private static boolean clean(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '|' || Character.isISOControl(c)) {
                return false;
            }
        }
        return true;
    }
}
