package org.accrue.iso8583;

/** PAN helpers that never return more of a PAN than may be shown: the last four digits. */
public final class Pans {
    private Pans() {
    }

    /** 4111111111111111 -> ************1111; anything too short to mask is fully starred. */
    public static String mask(String pan) {
        if (pan == null) {
            return null;
        }
        if (pan.length() < 12) {
            return "*".repeat(pan.length());
        }
        return "*".repeat(pan.length() - 4) + pan.substring(pan.length() - 4);
    }

    /** Luhn mod-10 check over a string of digits. */
    public static boolean luhnValid(String digits) {
        int sum = 0;
        boolean doubleIt = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            int d = c - '0';
            if (doubleIt) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }

    /** Appends the Luhn check digit to a string of digits (for test and demo PANs). */
    public static String withCheckDigit(String body) {
        for (int d = 0; d <= 9; d++) {
            String candidate = body + d;
            if (luhnValid(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("unreachable");
    }
}
