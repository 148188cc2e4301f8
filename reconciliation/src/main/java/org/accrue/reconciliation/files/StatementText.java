/*
 * What a cardholder reads on the statement (issuer-files.md: at most 22
 * characters; descriptions are cleaned before writing). Method: NFKD splits
 * accented letters and compatibility forms (ligatures, full-width letters)
 * into ASCII plus combining marks; the marks are dropped, a few letters with
 * no decomposition are spelled out (ß -> SS, Æ -> AE, Ø -> O), and every other
 * character (the field separator |, CR, LF, other control characters,
 * symbols, non-Latin scripts) becomes a space so words never run together.
 * Runs of spaces collapse to one, and the result is cut at 22 characters.
 */
package org.accrue.reconciliation.files;

import java.text.Normalizer;

public final class StatementText {
    /** Longest statement text, in characters (issuer-files.md). */
    public static final int CHARS_MAX = 22;

    private StatementText() {
    }

    /** Upper-case ASCII, at most {@link #CHARS_MAX} characters, no separator or line break; null gives "". */
    public static String clean(String text) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        String d = Normalizer.normalize(text, Normalizer.Form.NFKD);
        StringBuilder b = new StringBuilder(CHARS_MAX + 4);
        boolean spacePending = false;
        for (int i = 0; i < d.length() && b.length() < CHARS_MAX; ) {
            int cp = d.codePointAt(i);
            i += Character.charCount(cp);
            int type = Character.getType(cp);
            if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
                    || type == Character.COMBINING_SPACING_MARK) {
                continue; // the accent of a letter NFKD split off
            }
            String folded = fold(cp);
            for (int k = 0; k < folded.length(); k++) {
                char c = folded.charAt(k);
                if (allowed(c)) {
                    if (spacePending && !b.isEmpty()) {
                        b.append(' ');
                    }
                    spacePending = false;
                    b.append(c);
                } else {
                    spacePending = true;
                }
            }
        }
        int n = Math.min(b.length(), CHARS_MAX);
        while (n > 0 && b.charAt(n - 1) == ' ') {
            n--;
        }
        return b.substring(0, n);
    }

    /** A character as upper-case ASCII, spelled out where NFKD leaves no ASCII base letter. */
    private static String fold(int cp) {
        if (cp < 0x80) {
            return String.valueOf((char) Character.toUpperCase(cp));
        }
        return switch (cp) {
            case 'ß', 'ẞ' -> "SS";
            case 'æ', 'Æ' -> "AE";
            case 'œ', 'Œ' -> "OE";
            case 'ø', 'Ø' -> "O";
            case 'ł', 'Ł' -> "L";
            case 'đ', 'Đ', 'ð', 'Ð' -> "D";
            case 'þ', 'Þ' -> "TH";
            case 'ı' -> "I";
            default -> " ";
        };
    }

    /** Letters, digits and the punctuation issuers print on statements; never '|' (spaces are handled apart). */
    private static boolean allowed(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || ".,&'*/+#@-".indexOf(c) >= 0;
    }
}
