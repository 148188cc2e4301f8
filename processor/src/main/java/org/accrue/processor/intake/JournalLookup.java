/*
 * What the store knows for a journal batch, read at the start of its
 * transaction: the cards its PAN tokens belong to (all key versions of each
 * PAN), and which of its message keys were stored before, with enough of the
 * first message to tell a duplicate (same PAN token and amount: the first
 * answer again) from a conflict (94). Rows are read back into the types they
 * were written from: a card's status, the first answer's response code.
 *
 * Both look-ups go in one round trip, as plain JDBC inside the Hibernate
 * session's transaction: on this path Hibernate's native-query handling and
 * a second round trip cost more than the queries (bench/RESULTS.md).
 */
package org.accrue.processor.intake;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.iso8583.ResponseCode;
import org.accrue.processor.cards.CardEntity;
import org.accrue.processor.store.Sql;
import org.hibernate.StatelessSession;

final class JournalLookup {
    /** A card's PAN token under one key version, as card's unique key (pan_token, key_version) has it. */
    record CardKey(int keyVersion, String token) {
    }

    record CardRow(long id, CardEntity.Status status) {
        boolean enrolled() {
            return status == CardEntity.Status.ENROLLED;
        }
    }

    /** What the store knows of a message key: enough to tell a duplicate from a conflict. */
    record Seen(String panToken, int keyVersion, long amountMinor, ResponseCode firstAnswer) {
    }

    /** What the store knows for a batch: the cards its PAN tokens belong to, and the keys it has seen. */
    record Known(Map<CardKey, CardRow> cards, Map<String, Seen> seen) {
    }

    /** Which half of the union a row comes from. */
    private static final String CARD_ROW = "C";

    private JournalLookup() {
    }

    static Known lookUp(StatelessSession s, List<Pending> batch) {
        Set<String> tokens = new LinkedHashSet<>();
        Set<String> keys = new LinkedHashSet<>();
        for (Pending p : batch) {
            p.tokens().forEach(t -> tokens.add(t.token()));
            keys.add(p.message().messageKey());
        }
        Map<CardKey, CardRow> cards = new HashMap<>();
        Map<String, Seen> seen = new HashMap<>();
        s.doWork(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select 'C', id, pan_token, key_version, status, 0, null from card where pan_token in ("
                            + Sql.marks(tokens.size()) + ") union all "
                            + "select 'M', 0, pan_token, key_version, response_code, amount_minor, message_key "
                            + "from card_message where message_key in (" + Sql.marks(keys.size()) + ")")) {
                int i = 1;
                for (String t : tokens) {
                    ps.setString(i++, t);
                }
                for (String k : keys) {
                    ps.setString(i++, k);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getString(1).equals(CARD_ROW)) {
                            cards.put(new CardKey(rs.getInt(4), rs.getString(3)),
                                    new CardRow(rs.getLong(2), CardEntity.Status.valueOf(rs.getString(5))));
                        } else {
                            seen.put(rs.getString(7), new Seen(rs.getString(3), rs.getInt(4), rs.getLong(6),
                                    ResponseCode.fromWire(rs.getString(5))));
                        }
                    }
                }
            }
        });
        return new Known(cards, seen);
    }
}
