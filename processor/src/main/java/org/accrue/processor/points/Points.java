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
import org.accrue.processor.rewardbook.LedgerRows;
import org.accrue.processor.rewardbook.StoredRewards;
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
        return Sql.inTransaction(ds, c -> {
            List<Balance> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select unit_code, "
                    + "coalesce(sum(case when status = 'AVAILABLE' then amount - consumed else 0 end), 0), "
                    + "coalesce(sum(case when status = 'PENDING' then amount else 0 end), 0) "
                    + "from reward where card_id = ? and unit_kind = 'POINTS' group by unit_code order by unit_code")) {
                ps.setLong(1, cardId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Balance(rs.getString(1), rs.getLong(2), rs.getLong(3)));
                    }
                }
            }
            return out;
        });
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
            List<StoredRewards.Row> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select " + StoredRewards.COLUMNS + " from reward r where "
                    + "r.card_id = ? and r.unit_kind = 'POINTS' and r.unit_code = ? and r.status = 'AVAILABLE' "
                    + "and r.consumed < r.amount order by r.purchased_at, r.id for update")) {
                ps.setLong(1, cardId);
                ps.setString(2, program);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(StoredRewards.read(rs));
                    }
                }
            }
            long have = rows.stream().mapToLong(r -> r.reward().amount() - r.reward().consumed()).sum();
            if (have < points) {
                throw new PointsException(422, "INSUFFICIENT_POINTS", "the card has " + have + " " + program
                        + " points available, " + points + " asked");
            }
            String rewardId = Ids.next("rw");
            long left = points;
            try (LedgerRows ledger = new LedgerRows(c);
                 PreparedStatement consume = c.prepareStatement("update reward set consumed = ?, updated_at = ? where id = ?")) {
                for (StoredRewards.Row row : rows) {
                    if (left == 0) {
                        break;
                    }
                    long before = row.reward().consumed();
                    ledger.add(row.rowId(), row.reward().redeem(left, now));
                    left -= row.reward().consumed() - before;
                    consume.setLong(1, row.reward().consumed());
                    consume.setTimestamp(2, Sql.ts(now));
                    consume.setLong(3, row.rowId());
                    consume.addBatch();
                }
                consume.executeBatch();
                long rowId = insertRedemptionReward(c, cardId, issuerId, rewardId, redemptionId, unit, finalAmount, now);
                Reward.Earning e = Reward.earn(rewardId, Long.toString(cardId), issuerId, "ISSUER:" + issuerId, unit,
                        finalAmount, points, now, Duration.ZERO);
                List<LedgerTransaction> txns = new ArrayList<>(e.transactions());
                txns.addAll(e.reward().clear(now));
                txns.addAll(e.reward().advance(now, Duration.ZERO)); // nothing to wait for: available at once
                ledger.add(rowId, txns);
                ledger.flush();
            }
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
        try (PreparedStatement ps = c.prepareStatement("select p.program, p.points, p.target, p.reward_public_id, "
                + "r.unit_code, r.original_amount, p.created_at from points_redemption p join reward r on "
                + "r.public_id = p.reward_public_id where p.redemption_id = ?")) {
            ps.setString(1, redemptionKey(cardId, redemptionId));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new Redemption(redemptionId, rs.getString(1), rs.getLong(2), Target.valueOf(rs.getString(3)),
                        rs.getString(4), rs.getString(5), rs.getLong(6), Sql.instant(rs, 7));
            }
        }
    }

    private static long insertRedemptionReward(Connection c, long cardId, String issuerId, String rewardId,
                                               String redemptionId, RewardUnit unit, long amount, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into reward (id, public_id, card_id, issuer_id, offer_id, "
                + "merchant_id, source_message_id, lifecycle_key, rrn_key, unit_kind, unit_code, amount, original_amount, "
                + "base_minor, remaining_base, base_currency, purchase_minor, funder, status, purchased_at, local_date, "
                + "cleared_at, return_period_days, updated_at) values (next value for reward_seq, ?, ?, ?, 'POINTS-REDEMPTION', "
                + "null, 0, ?, null, ?, ?, ?, ?, 1, 1, ?, 0, ?, 'AVAILABLE', ?, ?, ?, 0, ?) returning id")) {
            int i = 1;
            ps.setString(i++, rewardId);
            ps.setLong(i++, cardId);
            ps.setString(i++, issuerId);
            ps.setString(i++, "redemption:" + cardId + ":" + redemptionId);
            ps.setString(i++, unit.kind().name());
            ps.setString(i++, unit.code());
            ps.setLong(i++, amount);
            ps.setLong(i++, amount);
            ps.setString(i++, unit.kind() == RewardUnit.Kind.CASH ? unit.code() : "XXX");
            ps.setString(i++, "ISSUER:" + issuerId);
            ps.setTimestamp(i++, Sql.ts(now));
            ps.setObject(i++, LocalDate.ofInstant(now, ZoneOffset.UTC));
            ps.setTimestamp(i++, Sql.ts(now));
            ps.setTimestamp(i, Sql.ts(now));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
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
        List<StoredRewards.Row> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select " + StoredRewards.COLUMNS + " from reward r where "
                + "r.open_status = 'AVAILABLE' and r.unit_kind = 'POINTS' and r.unit_code = ? and r.purchased_at < ? "
                + "order by r.id limit " + EXPIRY_BATCH_MAX + " for update skip locked")) {
            ps.setString(1, program);
            ps.setTimestamp(2, Sql.ts(cutoff));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(StoredRewards.read(rs));
                }
            }
        }
        try (LedgerRows ledger = new LedgerRows(c);
             PreparedStatement up = c.prepareStatement("update reward set status = 'EXPIRED', consumed = ?, updated_at = ? "
                     + "where id = ?")) {
            for (StoredRewards.Row row : rows) {
                ledger.add(row.rowId(), row.reward().expirePoints(now));
                up.setLong(1, row.reward().consumed());
                up.setTimestamp(2, Sql.ts(now));
                up.setLong(3, row.rowId());
                up.addBatch();
            }
            up.executeBatch();
            ledger.flush();
        }
        return rows.size();
    }
}
