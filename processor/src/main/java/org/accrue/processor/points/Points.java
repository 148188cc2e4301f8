/*
 * Bank points (offers-and-rewards.md, "Reward currencies"): a card's balance
 * is its AVAILABLE points rewards less what was consumed from them. Points
 * are spent oldest first, by redemption (as a statement credit at the
 * program's cash value, or as miles at the airline's ratio) and by expiry
 * (the `expiry` job: points older than the program's validity). Each spend is
 * a REDEEM or EXPIRE ledger transaction on the rewards it consumes; a
 * redemption also earns a new AVAILABLE cash or miles reward funded by the
 * issuer, which posting or the miles job then send like any other.
 * Redemptions are idempotent by the caller's redemption id.
 */
package org.accrue.processor.points;

import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.accrue.processor.ids.Ids;
import org.accrue.config.AccrueConfig;
import org.accrue.processor.Refusal;
import org.accrue.processor.jobs.ScheduledJob;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;
import org.accrue.rewards.money.Money;

public final class Points {
    public enum Target { STATEMENT_CREDIT, MILES }

    /** A card's points in one program. */
    public record Balance(String program, long available, long pending) {
    }

    /** A redemption as made (or as first made, for a replay). */
    public record Redemption(String redemptionId, String program, long points, Target target, String rewardId,
                             String unit, long amount, Instant createdAt) {
    }

    /** A refused redemption, with a stable code for problem+json. */
    public static final class PointsException extends Refusal {
        public PointsException(int status, String code, String detail) {
            super(code, status, detail);
        }
    }

    private final DataSource ds;
    private final InstantSource clock;
    private final Map<String, AccrueConfig.PointsProgram> programs;
    private final Map<String, AccrueConfig.Airline> airlines;

    public Points(DataSource ds, InstantSource clock, Map<String, AccrueConfig.PointsProgram> programs,
                  Map<String, AccrueConfig.Airline> airlines) {
        this.ds = ds;
        this.clock = clock;
        this.programs = programs;
        this.airlines = airlines;
    }

    public List<Balance> balances(long cardId) {
        return Sql.inTransaction(ds, c -> RewardBook.pointsHeld(c, cardId).stream()
                .map(h -> new Balance(h.program(), h.available(), h.pending())).toList());
    }

    /**
     * Spends {@code points} of the card's {@code program}, oldest first, for a statement credit or miles. The same
     * redemption id again returns the first result and spends nothing.
     */
    public Redemption redeem(long cardId, String issuerId, String airlineProgram, String redemptionId, String program,
                             long points, Target target) {
        AccrueConfig.PointsProgram p = programs.get(program);
        if (p == null) {
            throw new PointsException(422, "UNKNOWN_POINTS_PROGRAM", "no points program " + program);
        }
        if (points <= 0) {
            throw new PointsException(422, "POINTS_NOT_POSITIVE", "points must be positive");
        }
        if (redemptionId == null || !redemptionId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new PointsException(422, "BAD_REDEMPTION_ID", "redemptionId must be 1-64 of A-Z a-z 0-9 . _ -");
        }
        RewardUnit unit;
        long amount;
        if (target == Target.STATEMENT_CREDIT) {
            unit = RewardUnit.cash(p.currency());
            amount = Money.divide(Math.multiplyExact(points, p.cashMinorPer1000Points()), 1000, RoundingMode.DOWN);
        } else {
            AccrueConfig.Airline a = airlineProgram == null ? null : airlines.get(airlineProgram);
            if (a == null || a.milesPer1000Points() == 0) {
                throw new PointsException(422, "NO_AIRLINE_TRANSFER", "the card has no airline partner that takes points");
            }
            unit = new RewardUnit(RewardUnit.Kind.MILES, a.program());
            amount = Money.divide(Math.multiplyExact(points, a.milesPer1000Points()), 1000, RoundingMode.DOWN);
        }
        if (amount <= 0) {
            throw new PointsException(422, "REDEMPTION_TOO_SMALL", points + " points are worth nothing in " + unit.code());
        }
        long finalAmount = amount;
        return Sql.inTransaction(ds, c -> {
            Redemption earlier = find(c, cardId, redemptionId);
            if (earlier != null) {
                return earlier;
            }
            Instant now = clock.instant();
            List<RewardBook.Row> rows = RewardBook.lockPointsToSpend(c, cardId, program);
            long have = rows.stream().mapToLong(r -> r.reward().amount() - r.reward().consumed()).sum();
            if (have < points) {
                throw new PointsException(422, "INSUFFICIENT_POINTS", "the card has " + have + " " + program
                        + " points available, " + points + " asked");
            }
            String rewardId = Ids.next("rw");
            long left = points;
            List<RewardBook.Change> spent = new ArrayList<>();
            for (RewardBook.Row row : rows) {
                if (left == 0) {
                    break;
                }
                long before = row.reward().consumed();
                long ask = left;
                spent.add(row.apply(r -> r.redeem(ask, now)));
                left -= row.reward().consumed() - before;
            }
            RewardBook.write(c, spent, now);
            // The new reward is the issuer's, available at once: earned, cleared and past a return period of zero.
            Reward.Earning e = Reward.earn(rewardId, Long.toString(cardId), issuerId, "ISSUER:" + issuerId, unit,
                    finalAmount, points, now, Duration.ZERO);
            List<LedgerTransaction> txns = new ArrayList<>(e.transactions());
            txns.addAll(e.reward().clear(now));
            txns.addAll(e.reward().advance(now, Duration.ZERO));
            RewardBook.insert(c, new RewardBook.NewReward(e.reward(), txns, "POINTS-REDEMPTION",
                    "redemption:" + cardId + ":" + redemptionId, unit.kind() == RewardUnit.Kind.CASH ? unit.code() : "XXX",
                    0), now);
            try (PreparedStatement ps = c.prepareStatement("insert into points_redemption (redemption_id, card_id, program, "
                    + "points, target, reward_public_id, created_at) values (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, redemptionKey(cardId, redemptionId));
                ps.setLong(2, cardId);
                ps.setString(3, program);
                ps.setLong(4, points);
                ps.setString(5, target.name());
                ps.setString(6, rewardId);
                ps.setTimestamp(7, Sql.ts(now));
                ps.executeUpdate();
            }
            return new Redemption(redemptionId, program, points, target, rewardId, unit.code(), finalAmount, now);
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

    private static Redemption find(Connection c, long cardId, String redemptionId) throws SQLException {
        String program;
        long points;
        Target target;
        String rewardId;
        Instant at;
        try (PreparedStatement ps = c.prepareStatement("select program, points, target, reward_public_id, created_at "
                + "from points_redemption where redemption_id = ?")) {
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
            }
        }
        Reward r = RewardBook.byPublicId(c, rewardId).orElseThrow(() -> new IllegalStateException(
                "redemption " + redemptionId + " names a reward that is gone")).reward();
        return new Redemption(redemptionId, program, points, target, rewardId, r.unit().code(), r.originalReward(), at);
    }

    /** The `expiry` job: points older than their program's validity expire, whatever of them is left. */
    public ScheduledJob expiryJob() {
        return run -> "expired " + expire() + " points reward(s)";
    }

    public int expire() {
        int total = 0;
        for (AccrueConfig.PointsProgram p : programs.values()) {
            Instant now = clock.instant();
            Instant cutoff = LocalDate.ofInstant(now, ZoneOffset.UTC).minusMonths(p.validityMonths())
                    .atStartOfDay(ZoneOffset.UTC).toInstant();
            while (true) {
                int n = Sql.inTransaction(ds, c -> expireBatch(c, p.program(), cutoff, now));
                total += n;
                if (n < EXPIRY_BATCH_MAX) {
                    break;
                }
            }
        }
        return total;
    }

    private static final int EXPIRY_BATCH_MAX = 1000;

    private static int expireBatch(Connection c, String program, Instant cutoff, Instant now) throws SQLException {
        List<RewardBook.Row> rows = RewardBook.claimPointsBoughtBefore(c, program, cutoff, EXPIRY_BATCH_MAX);
        List<RewardBook.Change> expired = new ArrayList<>(rows.size());
        for (RewardBook.Row row : rows) {
            expired.add(row.apply(r -> r.expirePoints(now)));
        }
        RewardBook.write(c, expired, now);
        return rows.size();
    }
}
