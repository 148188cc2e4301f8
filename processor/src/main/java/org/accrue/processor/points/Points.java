/*
 * Bank points (offers-and-rewards.md, "Reward currencies"), per program (PointsProgram: an issuer's own, or one of
 * the configuration's): a card's balance is its AVAILABLE points rewards less what was consumed from them. Points
 * are spent oldest first (PointsLedger), by redemption and by expiry (PointsExpiry). A redemption, refused in this
 * order: UNKNOWN_POINTS_PROGRAM (also another issuer's program), UNKNOWN_VOUCHER, POINTS_NOT_POSITIVE,
 * BAD_REDEMPTION_ID, BELOW_MIN_REDEMPTION, NO_AIRLINE_TRANSFER, REDEMPTION_TOO_SMALL, INSUFFICIENT_POINTS. It buys
 * a statement credit (at the program's cash value per 1,000 points) or miles (at the program's rate for the
 * card's airline), both AVAILABLE for posting or the miles job, or a partner voucher of the program's catalogue,
 * delivered at once with a voucher code (ids.Ids, letters only). Redemptions are idempotent by the caller's id.
 */
package org.accrue.processor.points;

import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.Refusal;
import org.accrue.processor.ids.Ids;
import org.accrue.processor.jobs.ScheduledJob;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;
import org.accrue.rewards.money.Money;

public final class Points {
    public enum Target { STATEMENT_CREDIT, MILES, VOUCHER }

    /** A card's points in one program. */
    public record Balance(String program, long available, long pending) {
    }

    /** A voucher a redemption issued: the catalogue's voucher and the code the cardholder shows the partner. */
    public record IssuedVoucher(String voucherId, String partner, String code) {
    }

    /** A redemption as made (or as first made, for a replay); voucher only for VOUCHER. */
    public record Redemption(String redemptionId, String program, long points, Target target, String rewardId,
                             String unit, long amount, Instant createdAt, IssuedVoucher voucher) {
    }

    /** A refused redemption, with a stable code for problem+json. */
    public static final class PointsException extends Refusal {
        public PointsException(int status, String code, String detail) {
            super(code, status, detail);
        }
    }

    private final DataSource ds;
    private final InstantSource clock;
    private final PointsPrograms programs;
    private final PointsExpiry expiry;

    public Points(DataSource ds, InstantSource clock, PointsPrograms programs) {
        this.ds = ds;
        this.clock = clock;
        this.programs = programs;
        this.expiry = new PointsExpiry(ds, clock, programs);
    }

    /** The configuration's programs only (tests that need no stored ones). */
    public Points(DataSource ds, InstantSource clock, Map<String, AccrueConfig.PointsProgram> programs,
                  Map<String, AccrueConfig.Airline> airlines) {
        this(ds, clock, new PointsPrograms(ds, clock, programs, airlines, Set.of()));
    }

    public PointsPrograms programs() {
        return programs;
    }

    public List<Balance> balances(long cardId) {
        return Sql.inTransaction(ds, c -> RewardBook.pointsHeld(c, cardId).stream()
                .map(h -> new Balance(h.program(), h.available(), h.pending())).toList());
    }

    /** A statement credit or miles (no voucher). */
    public Redemption redeem(long cardId, String issuerId, String airlineProgram, String redemptionId, String program,
                             long points, Target target) {
        return redeem(cardId, issuerId, airlineProgram, redemptionId, program, points, target, null);
    }

    /**
     * Spends {@code points} of the card's {@code program}, oldest first, for a statement credit, miles or the voucher
     * {@code voucherId} (whose price is then the points spent). The same redemption id again returns the first result
     * and spends nothing.
     */
    public Redemption redeem(long cardId, String issuerId, String airlineProgram, String redemptionId, String program,
                             long points, Target target, String voucherId) {
        PointsProgram p = programs.find(program).filter(x -> x.openTo(issuerId)).orElseThrow(() ->
                new PointsException(422, "UNKNOWN_POINTS_PROGRAM", "no points program " + program));
        PointsProgram.Voucher voucher = null;
        if (target == Target.VOUCHER) {
            voucher = p.vouchers().stream().filter(v -> v.voucherId().equals(voucherId)).findFirst().orElse(null);
            points = voucher == null ? points : voucher.pointsPrice();
        }
        if (target == Target.VOUCHER && voucher == null) {
            throw new PointsException(422, "UNKNOWN_VOUCHER", "program " + program + " has no voucher " + voucherId
                    + "; its catalogue: " + p.vouchers().stream().map(PointsProgram.Voucher::voucherId).toList());
        }
        if (points <= 0) {
            throw new PointsException(422, "POINTS_NOT_POSITIVE", "points must be positive");
        }
        if (redemptionId == null || !redemptionId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new PointsException(422, "BAD_REDEMPTION_ID", "redemptionId must be 1-64 of A-Z a-z 0-9 . _ -");
        }
        if (points < p.minRedemption()) {
            throw new PointsException(422, "BELOW_MIN_REDEMPTION", "program " + program + " redeems at least "
                    + p.minRedemption() + " points, " + points + " asked");
        }
        RewardUnit unit;
        long amount;
        switch (target) {
            case STATEMENT_CREDIT -> {
                unit = RewardUnit.cash(p.currency());
                amount = Money.divide(Math.multiplyExact(points, p.cashMinorPer1000Points()), 1000, RoundingMode.DOWN);
            }
            case MILES -> {
                Long rate = airlineProgram == null ? null : p.milesPer1000Points().get(airlineProgram);
                if (rate == null || rate == 0) {
                    throw new PointsException(422, "NO_AIRLINE_TRANSFER", "the card has no airline partner that takes "
                            + program + " points");
                }
                unit = new RewardUnit(RewardUnit.Kind.MILES, airlineProgram);
                amount = Money.divide(Math.multiplyExact(points, rate), 1000, RoundingMode.DOWN);
            }
            case VOUCHER -> {
                unit = RewardUnit.cash(voucher.currency());
                amount = voucher.faceMinor();
            }
            default -> throw new IllegalStateException("target " + target);
        }
        if (amount <= 0) {
            throw new PointsException(422, "REDEMPTION_TOO_SMALL", points + " points are worth nothing in " + unit.code());
        }
        long spend = points;
        PointsProgram.Voucher v = voucher;
        return Sql.inTransaction(ds, c -> {
            Redemption earlier = find(c, cardId, redemptionId);
            if (earlier != null) {
                return earlier;
            }
            Instant now = clock.instant();
            PointsLedger.spend(c, cardId, program, spend, now);
            String lifecycle = "redemption:" + cardId + ":" + redemptionId;
            String rewardId = v == null
                    ? PointsLedger.bought(c, cardId, issuerId, "ISSUER:" + issuerId, unit, amount, spend,
                    "POINTS-REDEMPTION", lifecycle, PointsLedger.Delivery.OWED, now)
                    : PointsLedger.bought(c, cardId, issuerId, "ISSUER:" + issuerId, unit, amount, spend,
                    "POINTS-VOUCHER", lifecycle, PointsLedger.Delivery.DELIVERED, now);
            IssuedVoucher issued = v == null ? null : new IssuedVoucher(v.voucherId(), v.partner(), Ids.next("vc"));
            try (PreparedStatement ps = c.prepareStatement("insert into points_redemption (redemption_id, card_id, program, "
                    + "points, target, reward_public_id, created_at, voucher_id, voucher_code) values (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, redemptionKey(cardId, redemptionId));
                ps.setLong(2, cardId);
                ps.setString(3, program);
                ps.setLong(4, spend);
                ps.setString(5, target.name());
                ps.setString(6, rewardId);
                ps.setTimestamp(7, Sql.ts(now));
                ps.setString(8, issued == null ? null : issued.voucherId());
                ps.setString(9, issued == null ? null : issued.code());
                ps.executeUpdate();
            }
            return new Redemption(redemptionId, program, spend, target, rewardId, unit.code(), amount, now, issued);
        });
    }

    /** Whether the card already made a redemption with this id (a replay answers 200, not 201). */
    public boolean exists(long cardId, String redemptionId) {
        return Sql.inTransaction(ds, c -> find(c, cardId, redemptionId) != null);
    }

    /** Redemption ids are the caller's, per card. */
    private static String redemptionKey(long cardId, String redemptionId) {
        return cardId + ":" + redemptionId;
    }

    private Redemption find(Connection c, long cardId, String redemptionId) throws SQLException {
        String program;
        long points;
        Target target;
        String rewardId;
        Instant at;
        String voucherId;
        String code;
        try (PreparedStatement ps = c.prepareStatement("select program, points, target, reward_public_id, created_at, "
                + "voucher_id, voucher_code from points_redemption where redemption_id = ?")) {
            ps.setString(1, redemptionKey(cardId, redemptionId));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                program = rs.getString(1);
                points = rs.getLong(2);
                target = Target.valueOf(rs.getString(3));
                rewardId = rs.getString(4);
                at = Sql.instant(rs, 5);
                voucherId = rs.getString(6);
                code = rs.getString(7);
            }
        }
        Reward r = RewardBook.byPublicId(c, rewardId).orElseThrow(() -> new IllegalStateException(
                "redemption " + redemptionId + " names a reward that is gone")).reward();
        IssuedVoucher issued = voucherId == null ? null : new IssuedVoucher(voucherId, programs.find(program)
                .flatMap(p -> p.vouchers().stream().filter(v -> v.voucherId().equals(voucherId)).findFirst())
                .map(PointsProgram.Voucher::partner).orElse(null), code);
        return new Redemption(redemptionId, program, points, target, rewardId, r.unit().code(), r.originalReward(), at,
                issued);
    }

    /** The `expiry` job: points past their program's expiry rule expire, then the warnings of points expiring soon. */
    public ScheduledJob expiryJob() {
        return run -> "expired " + expire() + " points reward(s), warned of " + expiry.warn() + " lot date(s)";
    }

    /** Expires what each program's rule says is past; returns how many rewards. */
    public int expire() {
        return expiry.expire();
    }

    /** Emits points.expiring for lots within their program's warning period, once per card, program and date. */
    public int warn() {
        return expiry.warn();
    }

    /** Each program's expiry rule (one read of the stored programs): when a card's lots expire. */
    public Map<String, ExpiryRule> expiryRules() {
        Map<String, ExpiryRule> out = new java.util.HashMap<>();
        programs.list(null).forEach(p -> out.put(p.program(), p.expiry()));
        return out;
    }
}
