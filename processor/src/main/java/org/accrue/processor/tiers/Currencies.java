package org.accrue.processor.tiers;

import java.util.Currency;

/** ISO 4217 alpha to numeric (card_message keeps DE49/DE51 numeric; programs name their currency by alpha code). */
final class Currencies {
    private Currencies() {
    }

    /** The numeric code ("840") of an alpha code ("USD"); throws for a code ISO 4217 does not have. */
    static String numericOf(String alpha) {
        return Currency.getInstance(alpha).getNumericCodeAsString();
    }

    /** True for an ISO 4217 alpha code with a numeric code. */
    static boolean known(String alpha) {
        try {
            return alpha != null && alpha.matches("[A-Z]{3}") && Currency.getInstance(alpha).getNumericCode() > 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
