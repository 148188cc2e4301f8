package org.accrue.rewards.matching;

/** What a reward is counted in: CASH in a currency, MILES of an airline program, POINTS of a bank program. */
public record RewardUnit(Kind kind, String code) {
    public enum Kind { CASH, MILES, POINTS }

    public static RewardUnit cash(String currency) {
        return new RewardUnit(Kind.CASH, currency);
    }
}
