/*
 * Reads rewards back into the pure state machine (rewards' Reward) so that
 * every job changes them through the same rules the matcher uses, and each
 * change yields its ledger transactions.
 */
package org.accrue.processor.rewardbook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;

public final class StoredRewards {
    private StoredRewards() {
    }

    /** The columns {@link #read} expects, in order, for "select " + COLUMNS + " from reward r ...". */
    public static final String COLUMNS = "r.public_id, r.card_id, r.issuer_id, r.funder, r.unit_kind, r.unit_code, "
            + "r.original_amount, r.base_minor, r.purchased_at, r.return_period_days, r.remaining_base, r.amount, r.status, "
            + "r.cleared_at, r.id, r.consumed";

    /** A stored reward and its row id (ledger rows point at the row id). */
    public record Row(long rowId, Reward reward) {
    }

    public static Row read(ResultSet rs) throws SQLException {
        Reward r = Reward.restore(rs.getString(1), Long.toString(rs.getLong(2)), rs.getString(3), rs.getString(4),
                new RewardUnit(RewardUnit.Kind.valueOf(rs.getString(5)), rs.getString(6)), rs.getLong(7),
                rs.getLong(8), Sql.instant(rs, 9), Duration.ofDays(rs.getInt(10)), rs.getLong(11), rs.getLong(12),
                Reward.Status.valueOf(rs.getString(13)), Sql.instant(rs, 14)).withConsumed(rs.getLong(16));
        return new Row(rs.getLong(15), r);
    }

    /** The number of columns {@link #read} consumes; callers add their own after it. */
    public static final int COLUMN_COUNT = 16;

    /**
     * Moves the rewards {@code ids} that are in status {@code from} to {@code to}, in one statement (measured: a JDBC
     * bulk of row updates takes 1.5 to 2 times as long); for changes that write no ledger rows of their own, or whose
     * ledger rows the caller writes. Returns how many moved.
     */
    public static int move(Connection c, List<Long> ids, Reward.Status from, Reward.Status to, Instant now)
            throws SQLException {
        if (ids.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement("update reward set status = ?, updated_at = ? where id in ("
                + Sql.marks(ids.size()) + ") and status = ?")) {
            ps.setString(1, to.name());
            ps.setTimestamp(2, Sql.ts(now));
            for (int i = 0; i < ids.size(); i++) {
                ps.setLong(3 + i, ids.get(i));
            }
            ps.setString(3 + ids.size(), from.name());
            return ps.executeUpdate();
        }
    }
}
