package org.accrue.rewards.offers;

/** What an offer pays for a qualifying purchase (offers-and-rewards.md, "reward"). */
public sealed interface RewardRule {

    /** Cashback: basis points of the reward base. */
    record Percent(int basisPoints) implements RewardRule {
        public Percent {
            if (basisPoints <= 0 || basisPoints > 10_000) {
                throw new IllegalArgumentException("PERCENT rate must be 1..10000 basis points");
            }
        }
    }

    /** Cashback: a fixed amount in the offer's currency, minor units. */
    record Fixed(long amountMinor) implements RewardRule {
        public Fixed {
            if (amountMinor <= 0) {
                throw new IllegalArgumentException("FIXED amount must be positive");
            }
        }
    }

    /** Airline miles per major unit of the reward base, credited to an airline program. */
    record MilesPerUnit(long milesPerUnit, String program) implements RewardRule {
        public MilesPerUnit {
            if (milesPerUnit <= 0 || program == null || program.isBlank()) {
                throw new IllegalArgumentException("MILES_PER_UNIT needs a positive rate and a program");
            }
        }
    }

    /** Bank points per major unit of the reward base. */
    record PointsPerUnit(long pointsPerUnit, String program) implements RewardRule {
        public PointsPerUnit {
            if (pointsPerUnit <= 0 || program == null || program.isBlank()) {
                throw new IllegalArgumentException("POINTS_PER_UNIT needs a positive rate and a program");
            }
        }
    }

    /**
     * A fixed cashback on every Nth qualifying purchase (a bonus: see Bonus). {@code maxCompletions}: how many times one
     * card can complete it, 0 for no limit (the card restarts after each completion).
     */
    record PunchCard(int every, long amountMinor, int maxCompletions) implements RewardRule, Bonus {
        public PunchCard {
            if (every < 2 || amountMinor <= 0) {
                throw new IllegalArgumentException("PUNCH_CARD needs every >= 2 and a positive amount");
            }
            if (maxCompletions < 0) {
                throw new IllegalArgumentException("PUNCH_CARD maxCompletions must be 0 (no limit) or more");
            }
        }

        public PunchCard(int every, long amountMinor) {
            this(every, amountMinor, 0);
        }
    }

    /**
     * A fixed cashback on the card's first qualifying purchase, once per card (a bonus: see Bonus); {@code withinDays}
     * after enrollment, 0 for any time. A welcome reversed by a full refund or reversal is earned again by the next
     * qualifying purchase (the first purchase that stands).
     */
    record Welcome(long amountMinor, int withinDays) implements RewardRule, Bonus {
        public Welcome {
            if (amountMinor <= 0 || withinDays < 0) {
                throw new IllegalArgumentException("WELCOME needs a positive amount and withinDays >= 0 (0: any time)");
            }
        }
    }

    /**
     * "Spend 500, get 25": a fixed cashback on the purchase that takes the card's qualifying spend at the offer in
     * {@code period} (the merchant's local date) to {@code thresholdMinor} or more, once per card per period (a bonus:
     * see Bonus). A refund or reversal that takes the spend back below the threshold reverses it.
     */
    record SpendThreshold(long thresholdMinor, long amountMinor, Offer.Period period) implements RewardRule, Bonus {
        public SpendThreshold {
            if (thresholdMinor <= 0 || amountMinor <= 0 || period == null) {
                throw new IllegalArgumentException("SPEND_THRESHOLD needs a positive threshold, a positive amount and a period");
            }
        }
    }

    /**
     * Rewards earned by the card's behaviour over several purchases rather than by one purchase: every qualifying
     * purchase counts (a punch, or spend toward the threshold) whatever else it earned, and the bonus, when due, is
     * paid on top of the purchase's other rewards as if the offer were STACKABLE (it never competes in the exclusive
     * ranking, whatever its stacking says).
     */
    sealed interface Bonus permits PunchCard, Welcome, SpendThreshold {
    }
}
