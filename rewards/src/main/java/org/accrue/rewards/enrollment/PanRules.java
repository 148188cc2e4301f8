package org.accrue.rewards.enrollment;

/** What a PAN must look like to be enrolled. Error texts never contain the PAN. */
public final class PanRules {
    public static final int PAN_DIGITS_MIN = 12;
    public static final int PAN_DIGITS_MAX = 19;

    private PanRules() {
    }

    /** Null when acceptable, else the broken rule's name. */
    public static String violation(String pan) {
        if (pan == null || pan.isEmpty()) {
            return "PAN_MISSING";
        }
        if (!pan.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return "PAN_NOT_NUMERIC";
        }
        if (pan.length() < PAN_DIGITS_MIN || pan.length() > PAN_DIGITS_MAX) {
            return "PAN_LENGTH";
        }
        if (!luhnValid(pan)) {
            return "PAN_CHECK_DIGIT";
        }
        return null;
    }

    static boolean luhnValid(String digits) {
        int sum = 0;
        boolean doubleIt = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (doubleIt) {
                d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }
}
