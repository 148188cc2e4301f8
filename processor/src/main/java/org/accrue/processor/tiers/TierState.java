package org.accrue.processor.tiers;

import java.time.Instant;
import java.time.LocalDate;

/**
 * A card's tier state as stored (card_tier): its tier now (null: none) and since when, its progress in the program's
 * measure since periodStart, the next tier and the gap to it (null at the top), and a pending downgrade: the card
 * keeps its tier until downgradePendingUntil, then drops to downgradeTo (null: no tier) unless it qualifies again.
 */
public record TierState(long cardId, String program, String tier, Instant since, long progress, LocalDate periodStart,
                        String nextTier, Long gap, Instant downgradePendingUntil, String downgradeTo, Instant computedAt) {
}
