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

    /** A fixed cashback on every Nth qualifying purchase. */
    record PunchCard(int every, long amountMinor) implements RewardRule {
        public PunchCard {
            if (every < 2 || amountMinor <= 0) {
                throw new IllegalArgumentException("PUNCH_CARD needs every >= 2 and a positive amount");
            }
        }
    }
}
