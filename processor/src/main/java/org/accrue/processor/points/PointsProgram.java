/*
 * A bank points program as the processor runs it: whose it is, how its points are earned (a base rate on every
 * purchase of the issuer's cards, bonus rates by MCC; offers naming the program earn on top), when they expire,
 * and how they are redeemed (minimum; statement credit at a cash value, miles at each airline's rate, vouchers
 * from a catalogue). Programs of the configuration (accrue.points.<P>.*) have no issuer (issuerId null): any
 * issuer's card may hold and redeem them, they earn through offers only, and they expire by rolling months.
 */
package org.accrue.processor.points;

import java.util.List;
import java.util.Map;

import org.accrue.rewards.money.Money;

public record PointsProgram(String program, String issuerId, String name, String currency, int pointsPerUnit,
                            List<Bonus> bonuses, long cashMinorPer1000Points, ExpiryRule expiry, long minRedemption,
                            int warningDays, Map<String, Long> milesPer1000Points, List<Voucher> vouchers, Source source) {
    public enum Source { CONFIG, API }

    public static final int POINTS_PER_UNIT_MAX = 1000;
    public static final int WARNING_DAYS_MAX = 366;
    public static final int VOUCHERS_MAX = 100;
    public static final int BONUSES_MAX = 200;

    /** A bonus category: purchases in these MCCs earn this rate instead of the base one. */
    public record Bonus(String mcc, int pointsPerUnit) {
    }

    /** A voucher of the catalogue: a partner's voucher of a face value, for a price in points. */
    public record Voucher(String voucherId, String partner, long faceMinor, String currency, long pointsPrice) {
    }

    public PointsProgram {
        Money.exponent(currency);
        bonuses = List.copyOf(bonuses);
        milesPer1000Points = Map.copyOf(milesPer1000Points);
        vouchers = List.copyOf(vouchers);
        if (pointsPerUnit < 0 || pointsPerUnit > POINTS_PER_UNIT_MAX || minRedemption < 0 || cashMinorPer1000Points < 0
                || warningDays < 0 || warningDays > WARNING_DAYS_MAX) {
            throw new IllegalArgumentException("program " + program + ": rates, minimum and warning days out of bounds");
        }
    }

    /** Points per major unit for a purchase in {@code mcc}: its bonus category's rate, else the base rate. */
    public int rateFor(String mcc) {
        for (Bonus b : bonuses) {
            if (b.mcc().equals(mcc)) {
                return b.pointsPerUnit();
            }
        }
        return pointsPerUnit;
    }

    /** Whether a card of {@code issuerId} may hold and redeem this program's points. */
    public boolean openTo(String issuerId) {
        return this.issuerId == null || this.issuerId.equals(issuerId);
    }
}
