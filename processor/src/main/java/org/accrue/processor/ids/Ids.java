/*
 * The one maker of the ids and secrets the system hands out: a short prefix
 * naming the kind ("rw", "imp", "run") and random lowercase letters from
 * SecureRandom. Letters only, never digits: a hex or decimal id can hold a run
 * of 13 to 19 digits that passes the Luhn check, and such a run reads as a card
 * number to every scanner of logs and files the issuers run (security rule: no
 * id the system makes may contain one). 20 letters carry 94 bits, 32 carry 150.
 */
package org.accrue.processor.ids;

import java.security.SecureRandom;
import java.util.regex.Pattern;

public final class Ids {
    /** Letters of an id: 26^20 is about 2^94, no collision in any life of the system. */
    public static final int ID_LETTERS = 20;
    /** Letters of a secret (API keys, console session tokens): 26^32 is about 2^150. */
    public static final int SECRET_LETTERS = 32;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z_]{0,15}");
    private static final Pattern DIGIT_RUN = Pattern.compile("\\d{13,}");

    private Ids() {
    }

    /** "{prefix}_" and 20 random letters, e.g. {@code rw_qzkfmbcaolwpxhrtyeus}. */
    public static String next(String prefix) {
        return prefixed(prefix, ID_LETTERS);
    }

    /** "{prefix}_" and 32 random letters: an API key, a session token. */
    public static String secret(String prefix) {
        return prefixed(prefix, SECRET_LETTERS);
    }

    /** {@code n} random lowercase letters. */
    public static String letters(int n) {
        if (n < 1 || n > 64) {
            throw new IllegalArgumentException("letters must be 1..64, was " + n);
        }
        // One draw of random bytes per id (posting makes a million ledger transaction ids a run; a SecureRandom call
        // per letter was 20 synchronized calls each). A byte below 234 = 9 * 26 maps to a letter without bias;
        // the rest are drawn again.
        char[] out = new char[n];
        byte[] bytes = new byte[n + 8];
        int filled = 0;
        while (filled < n) {
            RANDOM.nextBytes(bytes);
            for (int i = 0; i < bytes.length && filled < n; i++) {
                int b = bytes[i] & 0xff;
                if (b < 234) {
                    out[filled++] = (char) ('a' + b % 26);
                }
            }
        }
        return new String(out);
    }

    /** True when {@code s} holds a run of 13 or more digits: what no id, file name or log line of ours may hold. */
    public static boolean holdsCardNumberLikeRun(String s) {
        return DIGIT_RUN.matcher(s).find();
    }

    private static String prefixed(String prefix, int n) {
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("an id prefix is 1..16 lowercase letters or '_', was " + prefix);
        }
        return prefix + "_" + letters(n);
    }
}
