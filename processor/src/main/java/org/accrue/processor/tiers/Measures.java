/*
 * A program's measure per card, from the store (the source of truth), over [from, to):
 *   SPEND  cleared purchases (02xx, DE3 00/09) in the program's currency (DE4 when DE49 is it, else DE6 when DE51
 *          is), less refunds (02xx, DE3 20), less reversals of cleared purchases (04xx whose DE90 names a 02xx: the
 *          reversed part, DE4 less DE95), plus reversals of refunds;
 *   COUNT  cleared purchases, less one per refund and per full reversal of a cleared purchase (plus one per full
 *          reversal of a refund);
 *   POINTS bank points of the card's cleared rewards as they stand (refunds and reversals have reduced them), not
 *          reversed or rejected, by purchase time.
 * Messages still waiting in match_queue are left out: the matcher adds them to the stored progress when it matches
 * them (MatcherTiers), so nothing is counted twice. Authorisations (01xx) never count: they may never clear.
 */
package org.accrue.processor.tiers;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.accrue.processor.store.Sql;

final class Measures {
    private static final String QUEUED = "not exists (select 1 from match_queue q where q.message_id = m.id)";
    private static final String COUNTED = "((m.mti like '02%' and (m.processing_code like '00%' or m.processing_code like '09%' "
            + "or m.processing_code like '20%')) or (m.mti like '04%' and m.orig_mti like '02%'))";

    private Measures() {
    }

    /** Each card's measure over [from, to) (to null: open); cards without any are left out (0). */
    static Map<Long, Long> of(Connection c, TierProgram p, List<Long> cards, Instant from, Instant to) throws SQLException {
        Map<Long, Long> out = new HashMap<>();
        for (int i = 0; i < cards.size(); i += CardTiers.IN_LIST_MAX) {
            List<Long> part = cards.subList(i, Math.min(cards.size(), i + CardTiers.IN_LIST_MAX));
            try (PreparedStatement ps = c.prepareStatement(sql(p, part.size(), to != null))) {
                int n = 1;
                if (p.measure() == TierProgram.Measure.SPEND) {
                    String numeric = Currencies.numericOf(p.currency());
                    for (int k = 0; k < 6; k++) { // the currency of both amount cases, three times
                        ps.setString(n++, numeric);
                    }
                }
                for (Long card : part) {
                    ps.setLong(n++, card);
                }
                ps.setObject(n++, java.time.LocalDateTime.ofInstant(from, java.time.ZoneOffset.UTC));
                if (to != null) {
                    ps.setObject(n, java.time.LocalDateTime.ofInstant(to, java.time.ZoneOffset.UTC));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getLong(1), rs.getLong(2));
                    }
                }
            }
        }
        return out;
    }

    private static String sql(TierProgram p, int cards, boolean bounded) {
        String in = " in (" + Sql.marks(cards) + ")";
        return switch (p.measure()) {
            case POINTS -> "select card_id, coalesce(sum(amount), 0) from reward where card_id" + in + " and unit_kind = 'POINTS' "
                    + "and cleared_at is not null and status not in ('REVERSED', 'REJECTED') and purchased_at >= ?"
                    + (bounded ? " and purchased_at < ?" : "") + " group by card_id";
            case SPEND -> {
                String amount = "(case when m.currency = ? then m.amount_minor when m.billing_currency = ? then m.billing_amount_minor else 0 end)";
                String reversed = "(case when m.currency = ? then m.amount_minor - coalesce(m.replacement_amount_minor, 0) "
                        + "when m.billing_currency = ? and m.amount_minor > 0 then (m.billing_amount_minor * (m.amount_minor "
                        + "- coalesce(m.replacement_amount_minor, 0))) div m.amount_minor else 0 end)";
                yield "select m.card_id, coalesce(sum(case when m.mti like '04%' then (case when m.processing_code like '20%' "
                        + "then 1 else -1 end) * " + reversed + " when m.processing_code like '20%' then -" + amount
                        + " else " + amount + " end), 0) from card_message m where m.card_id" + in + " and m.received_at >= ?"
                        + (bounded ? " and m.received_at < ?" : "") + " and " + COUNTED + " and " + QUEUED + " group by m.card_id";
            }
            case COUNT -> "select m.card_id, coalesce(sum(case when m.mti like '04%' then (case when coalesce(m.replacement_amount_minor, 0) "
                    + "<> 0 then 0 when m.processing_code like '20%' then 1 else -1 end) when m.processing_code like '20%' then -1 "
                    + "else 1 end), 0) from card_message m where m.card_id" + in + " and m.received_at >= ?"
                    + (bounded ? " and m.received_at < ?" : "") + " and " + COUNTED + " and " + QUEUED + " group by m.card_id";
        };
    }
}
