package org.accrue.rewards.matching;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;

import org.accrue.rewards.offers.Offer;

/** Keys of per-card limit periods, from the merchant's local date: "DAY:2026-11-22", "WEEK:2026-11-16", "OFFER". */
public final class Periods {
    private Periods() {
    }

    public static String key(Offer.Period period, LocalDate localDate) {
        return switch (period) {
            case OFFER -> "OFFER";
            case DAY -> "DAY:" + localDate;
            case WEEK -> "WEEK:" + localDate.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> "MONTH:" + localDate.withDayOfMonth(1);
            case YEAR -> "YEAR:" + localDate.withDayOfYear(1);
        };
    }
}
