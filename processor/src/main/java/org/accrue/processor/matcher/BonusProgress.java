/*
 * A card's progress on bonus offers, as the matcher counts it (V26 punch and bonus_spend, owned by BonusCounts):
 * live punches per punch card offer and threshold spend per offer and period. Read-only, for the cardholder API and
 * page and the console; and the erasure's unlinking of those rows' keys from the card number's token.
 */
package org.accrue.processor.matcher;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

import javax.sql.DataSource;

public final class BonusProgress {
    /** Live punches by offer, and threshold spend by offer and period key ("offer|MONTH:2026-11-01"). */
    public record Counts(Map<String, Integer> punches, Map<String, Long> spend) {
        public int punches(String offerId) {
            return punches.getOrDefault(offerId, 0);
        }

        public long spend(String offerId, String periodKey) {
            return spend.getOrDefault(offerId + "|" + periodKey, 0L);
        }
    }

    private BonusProgress() {
    }

    public static Counts of(DataSource ds, long cardId) {
        Map<String, Integer> punches = new HashMap<>();
        Map<String, Long> spend = new HashMap<>();
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("select offer_id, count(*) from punch where card_id = ? "
                    + "and removed_at is null group by offer_id")) {
                ps.setLong(1, cardId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        punches.put(rs.getString(1), rs.getInt(2));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("select offer_id, period_key, sum(base_minor) from bonus_spend "
                    + "where card_id = ? group by offer_id, period_key")) {
                ps.setLong(1, cardId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        spend.put(rs.getString(1) + "|" + rs.getString(2), rs.getLong(3));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new Counts(punches, spend);
    }

    /** Erasure of a card: its punches' and threshold spend's purchase keys take the card's new random token. */
    public static int unlinkToken(Connection c, long cardId, String oldToken, String newToken) throws SQLException {
        return BonusCounts.unlinkToken(c, cardId, oldToken, newToken);
    }
}
