/*
 * Reads of one offer's rewards for its performance (issue 17): grouped by
 * status and unit on ix_reward_offer (offer_id, status), so the cost is the
 * offer's own rewards, never the table.
 */
package org.accrue.processor.rewardbook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;

final class OfferViews {
    private OfferViews() {
    }

    static List<RewardBook.OfferStatusTotal> byStatus(Connection c, String offerId) throws SQLException {
        List<RewardBook.OfferStatusTotal> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select status, unit_kind, unit_code, count(*), coalesce(sum(amount), 0), "
                + "count(distinct card_id) from reward where offer_id = ? group by status, unit_kind, unit_code "
                + "order by status, unit_kind, unit_code")) {
            ps.setString(1, offerId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new RewardBook.OfferStatusTotal(Reward.Status.valueOf(rs.getString(1)),
                            new RewardUnit(RewardUnit.Kind.valueOf(rs.getString(2)), rs.getString(3)), rs.getLong(4),
                            rs.getLong(5), rs.getLong(6)));
                }
            }
        }
        return out;
    }

    static long cardsRewarded(Connection c, String offerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select count(distinct card_id) from reward where offer_id = ?")) {
            ps.setString(1, offerId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
