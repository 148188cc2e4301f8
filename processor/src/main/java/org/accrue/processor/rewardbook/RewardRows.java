/*
 * The book's reads of the reward table back into the pure state machine
 * (rewards' Reward) with the row id, offer, merchant and purchase date every
 * caller needs: by id locked FOR UPDATE, and claims FOR UPDATE SKIP LOCKED so
 * that workers and nodes take disjoint batches. Each query keeps the shape
 * the callers had measured (the claim walks ix_reward_open from the worker's
 * last id).
 */
package org.accrue.processor.rewardbook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;

final class RewardRows {
    private RewardRows() {
    }

    /** The columns {@link #read} expects, in order, for "select " + COLUMNS + " from reward r ...". */
    private static final String COLUMNS = "r.public_id, r.card_id, r.issuer_id, r.funder, r.unit_kind, r.unit_code, "
            + "r.original_amount, r.base_minor, r.purchased_at, r.return_period_days, r.remaining_base, r.amount, r.status, "
            + "r.cleared_at, r.id, r.consumed, r.offer_id, r.merchant_id, r.local_date";

    private static RewardBook.Row read(ResultSet rs) throws SQLException {
        Reward r = Reward.restore(rs.getString(1), Long.toString(rs.getLong(2)), rs.getString(3), rs.getString(4),
                new RewardUnit(RewardUnit.Kind.valueOf(rs.getString(5)), rs.getString(6)), rs.getLong(7),
                rs.getLong(8), Sql.instant(rs, 9), Duration.ofDays(rs.getInt(10)), rs.getLong(11), rs.getLong(12),
                Reward.Status.valueOf(rs.getString(13).trim()), Sql.instant(rs, 14)).withConsumed(rs.getLong(16));
        return new RewardBook.Row(rs.getLong(15), r, rs.getString(17), rs.getString(18), rs.getObject(19, LocalDate.class));
    }

    private static List<RewardBook.Row> all(PreparedStatement ps) throws SQLException {
        List<RewardBook.Row> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(read(rs));
            }
        }
        return out;
    }

    static Optional<RewardBook.Row> lock(Connection c, long rowId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select " + COLUMNS + " from reward r where r.id = ? for update")) {
            ps.setLong(1, rowId);
            return all(ps).stream().findFirst();
        }
    }

    static List<RewardBook.Row> lockAll(Connection c, Collection<Long> rowIds, Set<Reward.Status> statuses)
            throws SQLException {
        if (rowIds.isEmpty() || statuses.isEmpty()) {
            return List.of();
        }
        // force index: with a long IN list MariaDB otherwise may pick a scan of another index (measured on recon).
        try (PreparedStatement ps = c.prepareStatement("select " + COLUMNS + " from reward r force index (primary) "
                + "where r.id in (" + Sql.marks(rowIds.size()) + ") and r.status in (" + Sql.marks(statuses.size())
                + ") for update")) {
            int i = 1;
            for (long id : rowIds) {
                ps.setLong(i++, id);
            }
            for (Reward.Status s : statuses) {
                ps.setString(i++, s.name());
            }
            return all(ps);
        }
    }

    static List<RewardBook.Row> read(Connection c, Collection<Long> rowIds) throws SQLException {
        if (rowIds.isEmpty()) {
            return List.of();
        }
        try (PreparedStatement ps = c.prepareStatement("select " + COLUMNS + " from reward r where r.id in ("
                + Sql.marks(rowIds.size()) + ")")) {
            int i = 1;
            for (long id : rowIds) {
                ps.setLong(i++, id);
            }
            return all(ps);
        }
    }

    static Optional<RewardBook.Row> byPublicId(Connection c, String publicId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select " + COLUMNS + " from reward r where r.public_id = ?")) {
            ps.setString(1, publicId);
            return all(ps).stream().findFirst();
        }
    }

    /**
     * The oldest AVAILABLE rewards of a kind after {@code afterRowId}, skipping rows another worker holds. The kind is
     * an enum name written into the SQL, as the literal the posting query always had.
     */
    static List<RewardBook.Row> claimAvailable(Connection c, RewardUnit.Kind kind, long afterRowId, long throughRowId,
                                               int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select " + COLUMNS + " from reward r where r.open_status = "
                + "'AVAILABLE' and r.unit_kind = '" + kind.name() + "' and r.id > ? and r.id <= ? order by r.id limit ? "
                + "for update skip locked")) {
            ps.setLong(1, afterRowId);
            ps.setLong(2, throughRowId);
            ps.setInt(3, limit);
            return all(ps);
        }
    }

    static java.util.Optional<long[]> availableRange(Connection c, RewardUnit.Kind kind) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select min(r.id), max(r.id) from reward r where r.open_status = "
                + "'AVAILABLE' and r.unit_kind = ?")) {
            ps.setString(1, kind.name());
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                long lo = rs.getLong(1);
                return rs.wasNull() ? java.util.Optional.empty() : java.util.Optional.of(new long[] {lo, rs.getLong(2)});
            }
        }
    }

    static long countAvailable(Connection c, RewardUnit.Kind kind) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select count(*) from reward r where r.open_status = 'AVAILABLE' "
                + "and r.unit_kind = ?")) {
            ps.setString(1, kind.name());
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static List<RewardBook.Row> claimPointsPurchasedBefore(Connection c, String program, Instant cutoff, int limit)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select " + COLUMNS + " from reward r where "
                + "r.open_status = 'AVAILABLE' and r.unit_kind = 'POINTS' and r.unit_code = ? and r.purchased_at < ? "
                + "order by r.id limit ? for update skip locked")) {
            ps.setString(1, program);
            ps.setTimestamp(2, Sql.ts(cutoff));
            ps.setInt(3, limit);
            return all(ps);
        }
    }

    static List<RewardBook.Row> lockPointsToSpend(Connection c, long cardId, String program) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select " + COLUMNS + " from reward r where "
                + "r.card_id = ? and r.unit_kind = 'POINTS' and r.unit_code = ? and r.status = 'AVAILABLE' "
                + "and r.consumed < r.amount order by r.purchased_at, r.id for update")) {
            ps.setLong(1, cardId);
            ps.setString(2, program);
            return all(ps);
        }
    }

    static List<RewardBook.Row> lockOfCard(Connection c, long cardId, Set<Reward.Status> statuses) throws SQLException {
        if (statuses.isEmpty()) {
            return List.of();
        }
        try (PreparedStatement ps = c.prepareStatement("select " + COLUMNS + " from reward r where r.card_id = ? "
                + "and r.status in (" + Sql.marks(statuses.size()) + ") order by r.id for update")) {
            ps.setLong(1, cardId);
            int i = 2;
            for (Reward.Status st : statuses) {
                ps.setString(i++, st.name());
            }
            return all(ps);
        }
    }
}
