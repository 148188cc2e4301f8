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

    /**
     * Reward already earned from the offer in the period that contains {@code localDate} (see Periods), in the
     * reward's unit. The engine passes the period and date rather than a key so a card with no history costs nothing.
     */
    long rewardInPeriod(String offerId, org.accrue.rewards.offers.Offer.Period period, java.time.LocalDate localDate);

    /** Purchases already rewarded by the offer in the period that contains {@code localDate}. */
    int redemptionsInPeriod(String offerId, org.accrue.rewards.offers.Offer.Period period, java.time.LocalDate localDate);

    /** Qualifying purchases counted so far for a punch card offer (those refunded or reversed in full taken back). */
    int punches(String offerId);

    /** The card's issuer, for offers limited to issuers; null when not known (then no such offer admits it). */
    default String issuerId() {
        return null;
    }

    /** The first eight digits of the card's PAN, for offers limited to BIN ranges; -1 when not recorded. */
    default int bin() {
        return -1;
    }

    /** Whether the card is in the segment; asked only for offers limited to segments. */
    default boolean inSegment(String segmentId) {
        return false;
    }

    /** When the card was enrolled, or null when not known (a WELCOME offer with withinDays then does not pay). */
    default Instant enrolledAt() {
        return null;
    }

    /**
     * Qualifying spend counted so far for a SPEND_THRESHOLD offer in the period that contains {@code localDate}, in
     * minor units of the offer's currency, refunds and reversals taken off.
     */
    default long spendInPeriod(String offerId, org.accrue.rewards.offers.Offer.Period period, java.time.LocalDate localDate) {
        return 0;
    }
}
