/*
 * reward.posted for every credit of a statement file, raised by the file's own
 * transaction: the file is written and its credits are filed together with
 * their events, or none of it. Only when an enabled endpoint of the issuer
 * subscribes (a million-credit file costs nothing for issuers without one);
 * the credits are read again in pages after the file is written, since the
 * connection streamed them into the file.
 */
package org.accrue.processor.webhooks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class PostedEvents {
    private static final int PAGE = 2_000;

    private PostedEvents() {
    }

    public static void emit(Connection c, Instant now, String issuerId, String fileId, long batchAfter, long batchThrough)
            throws SQLException {
        if (!Outbox.subscribes(c, issuerId, EventType.REWARD_POSTED)) {
            return;
        }
        String after = "";
        while (true) {
            List<Outbox.Event> page = new ArrayList<>(PAGE);
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT s.credit_id, r.public_id, s.card_id, s.kind, s.amount, s.currency
                      FROM statement_credit s JOIN reward r ON r.id = s.reward_id
                     WHERE s.issuer_id = ? AND s.batch > ? AND s.batch <= ? AND s.status = 'TO_FILE' AND s.credit_id > ?
                     ORDER BY s.credit_id LIMIT ?""")) {
                ps.setString(1, issuerId);
                ps.setLong(2, batchAfter);
                ps.setLong(3, batchThrough);
                ps.setString(4, after);
                ps.setInt(5, PAGE);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Filed f = new Filed(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getLong(5),
                                rs.getString(6));
                        after = f.creditId();
                        page.add(f.event(issuerId, fileId));
                    }
                }
            }
            Outbox.emit(c, now, page);
            if (page.size() < PAGE) {
                return;
            }
        }
    }

    /** A credit of the file, as read for its reward.posted event. */
    private record Filed(String creditId, String rewardId, long cardId, String kind, long amount, String currency) {
        Outbox.Event event(String issuerId, String fileId) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("rewardId", rewardId);
            d.put("creditId", creditId);
            d.put("fileId", fileId);
            d.put("kind", kind);
            d.put("amount", Outbox.money(amount, currency));
            return new Outbox.Event(EventType.REWARD_POSTED, issuerId, cardId, d);
        }
    }
}
