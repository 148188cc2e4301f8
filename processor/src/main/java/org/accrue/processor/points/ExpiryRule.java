/*
 * When a lot of points expires, from the day it was earned (UTC). Points earned on day D are gone from the start
 * of expiresOn(D); the expiry job, on day T, takes every lot earned before cutoff(T), which is the first earning day
 * whose points are still alive on T. Both follow from one rule, so the cardholder's "expires on" and the job agree
 * (ExpiryRuleTest checks it day by day).
 *
 *   ROLLING_MONTHS n   earned D, gone on the first day E with E - n months after D (the rule of the
 *                      accrue.points.<P>.validity-months configuration)
 *   END_OF_YEAR n      valid to the end of the n-th calendar year after the one of earning (0: the same year)
 *   END_OF_QUARTER n   valid to the end of the n-th quarter after the one of earning (0: the same quarter)
 */
package org.accrue.processor.points;

import java.time.LocalDate;

public record ExpiryRule(Kind kind, int count) {
    public enum Kind { ROLLING_MONTHS, END_OF_YEAR, END_OF_QUARTER }

    public static final int COUNT_MAX = 240;

    public ExpiryRule {
        java.util.Objects.requireNonNull(kind, "kind");
        int min = kind == Kind.ROLLING_MONTHS ? 1 : 0;
        if (count < min || count > COUNT_MAX) {
            throw new IllegalArgumentException("expiry count of " + kind + " must be " + min + ".." + COUNT_MAX);
        }
    }

    /** The day points earned on {@code earned} are gone (the expiry job takes them that day). */
    public LocalDate expiresOn(LocalDate earned) {
        return switch (kind) {
            case ROLLING_MONTHS -> {
                LocalDate on = earned.plusMonths(count);
                while (!on.minusMonths(count).isAfter(earned)) {
                    on = on.plusDays(1); // month ends: 31 March + 1 month is 30 April, whose minus is 30 March
                }
                yield on;
            }
            case END_OF_YEAR -> LocalDate.of(earned.getYear() + count + 1, 1, 1);
            case END_OF_QUARTER -> quarterStart(earned).plusMonths(3L * (count + 1));
        };
    }

    /** On {@code today}, points earned before this day are expired. */
    public LocalDate cutoff(LocalDate today) {
        return switch (kind) {
            case ROLLING_MONTHS -> today.minusMonths(count);
            case END_OF_YEAR -> LocalDate.of(today.getYear() - count, 1, 1);
            case END_OF_QUARTER -> quarterStart(today).minusMonths(3L * count);
        };
    }

    private static LocalDate quarterStart(LocalDate d) {
        return LocalDate.of(d.getYear(), ((d.getMonthValue() - 1) / 3) * 3 + 1, 1);
    }
}
