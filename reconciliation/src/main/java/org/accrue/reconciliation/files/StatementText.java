package org.accrue.reconciliation.files;

import java.text.Normalizer;
import java.util.Locale;

/**
 * What a cardholder reads on the statement: at most 22 characters, upper-case ASCII, no field separator or
 * line break (issuer-files.md: descriptions are cleaned before writing).
 */
public final class StatementText {
    public static final int CHARS_MAX = 22;

    private StatementText() {
    }

    public static String clean(String text) {
        String t = Normalizer.normalize(text == null ? "" : text, Normalizer.Form.NFD).replaceAll("\\p{M}", "")
                .toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9 .,&'*/+#@-]", " ").replaceAll(" +", " ").strip();
        return t.length() > CHARS_MAX ? t.substring(0, CHARS_MAX).strip() : t;
    }
}
