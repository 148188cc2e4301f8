package org.accrue.rewards.matching;

import org.accrue.rewards.offers.Offer;

/**
 * A reward an offer gives a purchase: amount in its unit (minor units of a
 * currency, or whole miles or points), the base it was computed on, and
 * whether a cap or the budget cut it.
 */
public record Earned(Offer offer, RewardUnit unit, long amount, long baseMinor, String baseCurrency, boolean limited) {
}
