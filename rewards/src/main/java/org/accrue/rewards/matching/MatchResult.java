package org.accrue.rewards.matching;

import java.util.List;

/**
 * The outcome of matching one purchase: the merchant found (and how), the
 * rewards earned (at most one exclusive, plus stackables), why every other
 * offer declined, and a MID suggestion for ops when the purchase looked like
 * a known merchant but matched none. {@code counted}: every bonus offer (RewardRule.Bonus: punch card, welcome,
 * spend threshold) the purchase qualified for, paid or not, with its base: the punch or spend the store records.
 */
public record MatchResult(String merchantId, Resolution resolution, List<Earned> earned, List<Declined> declined,
                          MidSuggestion suggestion, List<Earned> counted) {

    /** Without bonus offers counted. */
    public MatchResult(String merchantId, Resolution resolution, List<Earned> earned, List<Declined> declined,
                       MidSuggestion suggestion) {
        this(merchantId, resolution, earned, declined, suggestion, List.of());
    }

    public enum Resolution { MID, DESCRIPTOR, CATEGORY, NONE }

    public record Declined(String offerId, Reason reason) {
    }

    /** A purchase whose DE43 name resembles a merchant's descriptor but whose MID is unknown. */
    public record MidSuggestion(String merchantId, String acquirerId, String mid, String descriptor) {
    }

    public MatchResult {
        // Views, not copies: the engine hands over lists it no longer touches (matching is a hot path); its own
        // list types are immutable already.
        earned = earned instanceof ResultLists.Earneds ? earned : java.util.Collections.unmodifiableList(earned);
        declined = declined instanceof ResultLists.Declines ? declined : java.util.Collections.unmodifiableList(declined);
        counted = List.copyOf(counted);
    }
}
