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

    /** Writes {@code states} (insert or replace), one batch. */
    static void write(Connection c, Collection<TierState> states) throws SQLException {
        if (states.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("insert into card_tier (" + COLUMNS + ") values (?,?,?,?,?,?,?,?,?,?,?) "
                + "on duplicate key update program = values(program), tier = values(tier), since = values(since), "
                + "progress = values(progress), period_start = values(period_start), next_tier = values(next_tier), "
                + "gap = values(gap), downgrade_pending_until = values(downgrade_pending_until), "
                + "downgrade_to = values(downgrade_to), computed_at = values(computed_at)")) {
            for (TierState s : states) {
                ps.setLong(1, s.cardId());
                ps.setString(2, s.program());
                ps.setString(3, s.tier());
                Sql.setUtc(ps, 4, s.since());
                ps.setLong(5, s.progress());
                ps.setObject(6, s.periodStart());
                ps.setString(7, s.nextTier());
                if (s.gap() == null) {
                    ps.setNull(8, java.sql.Types.BIGINT);
                } else {
                    ps.setLong(8, s.gap());
                }
                Sql.setUtc(ps, 9, s.downgradePendingUntil());
                ps.setString(10, s.downgradeTo());
                Sql.setUtc(ps, 11, s.computedAt());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
