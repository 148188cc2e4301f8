/*
 * The one owner of card_tier (V25): reads and writes each card's tier state. The matcher writes upgrades and
 * progress in its batch's transaction; the tiers job writes what it recomputed from the store; the API reads.
 */
package org.accrue.processor.tiers;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.accrue.processor.store.Sql;

final class CardTiers {
    /** The most cards in one IN list. */
    static final int IN_LIST_MAX = 1000;
    private static final String COLUMNS = "card_id, program, tier, since, progress, period_start, next_tier, gap, "
            + "downgrade_pending_until, downgrade_to, computed_at";

    private CardTiers() {
    }

    /** The stored states of {@code cards}; locked until the caller's transaction ends when {@code lock}. */
    static Map<Long, TierState> read(Connection c, Collection<Long> cards, boolean lock) throws SQLException {
        Map<Long, TierState> out = new HashMap<>();
        List<Long> all = new ArrayList<>(cards);
        for (int i = 0; i < all.size(); i += IN_LIST_MAX) {
            List<Long> part = all.subList(i, Math.min(all.size(), i + IN_LIST_MAX));
            try (PreparedStatement ps = c.prepareStatement("select " + COLUMNS + " from card_tier where card_id in ("
                    + Sql.marks(part.size()) + ")" + (lock ? " for update" : ""))) {
                for (int j = 0; j < part.size(); j++) {
                    ps.setLong(j + 1, part.get(j));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        TierState s = row(rs);
                        out.put(s.cardId(), s);
                    }
                }
            }
        }
        return out;
    }

    private static TierState row(ResultSet rs) throws SQLException {
        return new TierState(rs.getLong(1), rs.getString(2), rs.getString(3), Sql.instant(rs, 4), rs.getLong(5),
                rs.getObject(6, java.time.LocalDate.class), rs.getString(7), rs.getObject(8, Long.class), Sql.instant(rs, 9),
                rs.getString(10), Sql.instant(rs, 11));
    }

    /**
     * Writes {@code states} in card order: an UPDATE for each card in {@code stored} (read from card_tier, locked), an
     * INSERT IGNORE for the others. Not INSERT ... ON DUPLICATE KEY UPDATE: that takes next-key locks even under read
     * committed, and two matcher workers writing new cards side by side deadlocked on them (the demo, twice). A row
     * another transaction inserted meanwhile (the tiers job, for a card enrolled while it ran) is kept: the job's
     * next run counts what this one added.
     */
    static void write(Connection c, Collection<TierState> states, java.util.Set<Long> stored) throws SQLException {
        List<TierState> sorted = new ArrayList<>(states);
        sorted.sort(java.util.Comparator.comparingLong(TierState::cardId));
        try (PreparedStatement up = c.prepareStatement("update card_tier set program = ?, tier = ?, since = ?, progress = ?, "
                + "period_start = ?, next_tier = ?, gap = ?, downgrade_pending_until = ?, downgrade_to = ?, computed_at = ? "
                + "where card_id = ?");
             PreparedStatement in = c.prepareStatement("insert ignore into card_tier (program, tier, since, progress, "
                     + "period_start, next_tier, gap, downgrade_pending_until, downgrade_to, computed_at, card_id) "
                     + "values (?,?,?,?,?,?,?,?,?,?,?)")) {
            int ups = 0;
            int ins = 0;
            for (TierState s : sorted) {
                PreparedStatement ps = stored.contains(s.cardId()) ? up : in;
                ps.setString(1, s.program());
                ps.setString(2, s.tier());
                Sql.setUtc(ps, 3, s.since());
                ps.setLong(4, s.progress());
                ps.setObject(5, s.periodStart());
                ps.setString(6, s.nextTier());
                if (s.gap() == null) {
                    ps.setNull(7, java.sql.Types.BIGINT);
                } else {
                    ps.setLong(7, s.gap());
                }
                Sql.setUtc(ps, 8, s.downgradePendingUntil());
                ps.setString(9, s.downgradeTo());
                Sql.setUtc(ps, 10, s.computedAt());
                ps.setLong(11, s.cardId());
                ps.addBatch();
                if (ps == up) {
                    ups++;
                } else {
                    ins++;
                }
            }
            if (ups > 0) {
                up.executeBatch();
            }
            if (ins > 0) {
                in.executeBatch();
            }
        }
    }
}
