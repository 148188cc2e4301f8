/*
 * A tier program: the measure a card's tier is earned by, the window it is counted over, the tiers with their
 * thresholds (lowest first), and the grace period before a card that fell below its tier loses it.
 *
 * Windows. TRAILING_12_MONTHS: the last 365 days to now; the tier is the highest the measure reaches. CALENDAR_YEAR
 * (UTC years, as airline programs count): a tier reached by a year's measure holds for the rest of that year and all
 * of the next, so the tier earned on a day of year Y is the higher of what Y-1 and Y (to date) reached; progress is
 * Y's measure. Falling below the earned tier starts the grace period (graceDays); upgrades take effect at once.
 */
package org.accrue.processor.tiers;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;

public record TierProgram(String issuerId, String name, Measure measure, String currency, Window window, int graceDays,
                          List<Level> levels) {
    /** Names the default program (the configuration's) in events and answers; issuers' programs are named by them. */
    public static final String DEFAULT_NAME = "default";
    public static final int LEVELS_MAX = 10;
    public static final int GRACE_DAYS_MAX = 730;

    /** What a card's tier is earned by. */
    public enum Measure {
        /** Cleared purchases in the program's currency, minor units; refunds and reversals subtract. */
        SPEND,
        /** Bank points earned on cleared purchases, as they stand after refunds and reversals. */
        POINTS,
        /** Cleared purchases; a refunded or fully reversed purchase no longer counts. */
        COUNT
    }

    /** Over what time the measure is counted. */
    public enum Window { TRAILING_12_MONTHS, CALENDAR_YEAR }

    /** A tier and the measure it takes. */
    public record Level(String tier, long threshold) {
    }

    public TierProgram {
        levels = levels.stream().sorted(Comparator.comparingLong(Level::threshold)).toList();
        if (measure == Measure.SPEND && currency == null) {
            throw new IllegalArgumentException("a SPEND tier program needs a currency");
        }
    }

    /** The highest tier {@code value} reaches, or null. */
    public String tierOf(long value) {
        String tier = null;
        for (Level l : levels) {
            if (value >= l.threshold()) {
                tier = l.tier();
            }
        }
        return tier;
    }

    /** The tier's place (0 lowest), or -1 for no tier (null) and a tier the program does not have. */
    public int rank(String tier) {
        for (int i = 0; i < levels.size(); i++) {
            if (levels.get(i).tier().equals(tier)) {
                return i;
            }
        }
        return -1;
    }

    /** The tier above {@code tier} (the lowest for none), or null at the top. */
    public Level next(String tier) {
        int r = rank(tier);
        return r + 1 < levels.size() ? levels.get(r + 1) : null;
    }

    /** The higher of two tiers (either may be null). */
    public String higher(String a, String b) {
        return rank(a) >= rank(b) ? a : b;
    }

    /** The first day of the window that counts progress at {@code at}. */
    public LocalDate periodStart(Instant at) {
        LocalDate d = LocalDate.ofInstant(at, ZoneOffset.UTC);
        return window == Window.CALENDAR_YEAR ? LocalDate.of(d.getYear(), 1, 1) : d.minusDays(365);
    }
}
