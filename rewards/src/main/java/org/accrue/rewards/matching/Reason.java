package org.accrue.rewards.matching;

/**
 * Why an offer did not reward a purchase, in the spec's precedence: the first
 * failing rule is the one recorded. An offer the card is not targeted by
 * (issuers, BINs, tiers, segments) is AUDIENCE_NOT_ELIGIBLE. NOT_BEST_OFFER comes after all of them:
 * the offer was eligible but another exclusive offer paid more.
 */
public enum Reason {
    OFFER_NOT_LIVE,
    CHANNEL_NOT_ELIGIBLE,
    LOCATION_NOT_ELIGIBLE,   // issue 17: the merchant's DE43 country or city is outside the offer's targeting
    CURRENCY_NOT_ELIGIBLE,
    DAY_OR_TIME_NOT_ELIGIBLE,
    ACTIVATION_REQUIRED,
    AUDIENCE_NOT_ELIGIBLE,
    BELOW_MIN_SPEND,
    CARD_LIMIT_REACHED,
    BUDGET_SPENT,
    NOT_BEST_OFFER
}
