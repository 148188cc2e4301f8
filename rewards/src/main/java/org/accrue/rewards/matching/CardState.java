package org.accrue.rewards.matching;

import java.time.Instant;

/**
 * What matching needs to know about the card and its history; the processor
 * answers from the store, tests from maps. All lookups are "as of" the
 * purchase being matched.
 */
public interface CardState {

    /** The cardholder's tier (GOLD...), or null. */
    String tier();

    /** When the card activated the offer, or null. */
    Instant activatedAt(String offerId);

    /** The latest purchase at the merchant strictly before {@code before}, or null. */
    Instant lastPurchaseAt(String merchantId, Instant before);

    /** Reward already earned from the offer in the period (its key from Periods), in the reward's unit. */
    long rewardInPeriod(String offerId, String periodKey);

    /** Purchases already rewarded by the offer in the period. */
    int redemptionsInPeriod(String offerId, String periodKey);

    /** Qualifying purchases counted so far for a punch card offer. */
    int punches(String offerId);
}
