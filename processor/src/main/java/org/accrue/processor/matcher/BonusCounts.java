/*
 * The punch and bonus_spend rows of one matching batch (V26): what bonus offers count per card, read and written in
 * the batch's transaction. Owner of both tables.
 *
 * Method. As CardStates does for rewards, the first question reads the answer for all the batch's cards at once: one
 * grouped count of live punches, one grouped sum of spend per offer and period, one read of enrollment times; rows
 * the batch writes afterwards are added to those maps as they are written, so a later message of the same card sees
 * them. New punch and spend rows are JDBC batches sent with the batch's other writes (MatchBatch.flush), and before
 * any read here, so a read finds them in the store; a removal is one statement (refunds are rare).
 */
package org.accrue.processor.matcher;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.processor.store.Sql;

final class BonusCounts implements AutoCloseable {
    /** The most cards in one IN list (well under MariaDB's 65,535 placeholders). */
    private static final int IN_LIST_MAX = 1000;

    private final Connection c;
    private final Instant now;
    private final Set<Long> cards;
    private Map<String, Integer> punches;      // card|offer -> live punches
    private Map<String, Long> spend;           // card|offer|period -> spend
    private Map<Long, Instant> enrolled;       // card -> enrolled at
    private PreparedStatement punchInserts;
    private PreparedStatement spendInserts;
    private int pending;

    /** A live punch: the visit's message and its purchase amount (in the currency of the offer's base). */
    record Punch(long id, long cardId, String offerId, long messageId, long purchaseMinor, String currency) {
    }

    /** A purchase's spend toward a threshold offer, and how much of it is still counted (after earlier refunds). */
    record Spend(long cardId, String offerId, String periodKey, long purchaseMessageId, long baseMinor, long remainingMinor,
                 long purchaseMinor, String currency, LocalDate localDate, String lifecycleKey, String rrnKey) {
    }

    /** The purchase a punch or a spend row counts: its message, keys, amount in the offer's currency and local date. */
    record Visit(long cardId, long messageId, String lifecycleKey, String rrnKey, long purchaseMinor, String currency,
                 LocalDate localDate, Instant clearsBy) {
    }

    /** An authorization's visit whose clearing was due before now: its lifecycle key and its message. */
    record DueClearing(String lifecycleKey, long authMessageId) {
    }

    BonusCounts(Connection c, Instant now, Set<Long> cards) {
        this.c = c;
        this.now = now;
        this.cards = cards;
    }

    private static String key(long cardId, String offerId) {
        return cardId + "|" + offerId;
    }

    int punches(long cardId, String offerId) {
        if (punches == null) {
            punches = new HashMap<>();
            readGrouped("select card_id, offer_id, count(*) from punch where removed_at is null and card_id in (",
                    ") group by card_id, offer_id", rs -> punches.put(key(rs.getLong(1), rs.getString(2)), rs.getInt(3)));
        }
        return punches.getOrDefault(key(cardId, offerId), 0);
    }

    long spend(long cardId, String offerId, String periodKey) {
        if (spend == null) {
            spend = new HashMap<>();
            readGrouped("select card_id, offer_id, period_key, sum(base_minor) from bonus_spend where card_id in (",
                    ") group by card_id, offer_id, period_key",
                    rs -> spend.put(key(rs.getLong(1), rs.getString(2)) + "|" + rs.getString(3), rs.getLong(4)));
        }
        return spend.getOrDefault(key(cardId, offerId) + "|" + periodKey, 0L);
    }

    Instant enrolledAt(long cardId) {
        if (enrolled == null) {
            enrolled = new HashMap<>();
            readGrouped("select id, enrolled_at from card where id in (", ")",
                    rs -> enrolled.put(rs.getLong(1), Sql.instant(rs, 2)));
        }
        return enrolled.get(cardId);
    }

    @FunctionalInterface
    private interface Row {
        void read(ResultSet rs) throws SQLException;
    }

    /** One statement per IN_LIST_MAX of the batch's cards: {@code head} + the cards' marks + {@code tail}. */
    private void readGrouped(String head, String tail, Row row) {
        List<Long> all = new ArrayList<>(cards);
        try {
            flush();
            for (int from = 0; from < all.size(); from += IN_LIST_MAX) {
                List<Long> part = all.subList(from, Math.min(all.size(), from + IN_LIST_MAX));
                try (PreparedStatement ps = c.prepareStatement(head + Sql.marks(part.size()) + tail)) {
                    for (int i = 0; i < part.size(); i++) {
                        ps.setLong(i + 1, part.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            row.read(rs);
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A qualifying visit to a punch card offer: one punch (a repeat of the same message punches nothing). */
    void punch(Visit v, String offerId) throws SQLException {
        if (punchInserts == null) {
            punchInserts = c.prepareStatement("insert ignore into punch (card_id, offer_id, message_id, lifecycle_key, "
                    + "rrn_key, purchase_minor, currency, local_date, punched_at, clears_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        }
        PreparedStatement ps = punchInserts;
        ps.setLong(1, v.cardId());
        ps.setString(2, offerId);
        ps.setLong(3, v.messageId());
        ps.setString(4, v.lifecycleKey());
        ps.setString(5, v.rrnKey());
        ps.setLong(6, v.purchaseMinor());
        ps.setString(7, v.currency());
        ps.setObject(8, v.localDate());
        Sql.setUtc(ps, 9, now);
        Sql.setUtc(ps, 10, v.clearsBy());
        ps.addBatch();
        pending++;
        if (punches != null) {
            punches.merge(key(v.cardId(), offerId), 1, Integer::sum); // a message punches an offer once (matched once)
        }
    }

    /** The live punches of a purchase, by its lifecycle key (reversals) or its rrn key (refunds). */
    List<Punch> punchesOf(String purchaseKey, boolean byRrn) throws SQLException {
        List<Punch> out = new ArrayList<>();
        if (purchaseKey == null) {
            return out;
        }
        flush();
        try (PreparedStatement ps = c.prepareStatement("select id, card_id, offer_id, message_id, purchase_minor, currency "
                + "from punch where " + (byRrn ? "rrn_key" : "lifecycle_key") + " = ? and removed_at is null order by id for update")) {
            ps.setString(1, purchaseKey);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Punch(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getLong(5), rs.getString(6)));
                }
            }
        }
        return out;
    }

    /** The visit was refunded or reversed in full: its punch no longer counts (the row stays, marked). */
    void removePunch(Punch p, long byMessageId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update punch set removed_at = ?, removed_by = ? where id = ? "
                + "and removed_at is null")) {
            Sql.setUtc(ps, 1, now);
            ps.setLong(2, byMessageId);
            ps.setLong(3, p.id());
            if (ps.executeUpdate() == 1 && punches != null) {
                punches.merge(key(p.cardId(), p.offerId()), -1, Integer::sum);
            }
        }
    }

    /** Spend toward a threshold offer: a purchase's base (positive, message = the purchase) or a share taken back. */
    void spend(Visit purchase, String offerId, String periodKey, long messageId, long baseMinor) throws SQLException {
        if (spendInserts == null) {
            spendInserts = c.prepareStatement("insert ignore into bonus_spend (card_id, offer_id, period_key, "
                    + "message_id, purchase_message_id, lifecycle_key, rrn_key, base_minor, purchase_minor, currency, local_date, "
                    + "created_at, clears_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        }
        PreparedStatement ps = spendInserts;
        ps.setLong(1, purchase.cardId());
        ps.setString(2, offerId);
        ps.setString(3, periodKey);
        ps.setLong(4, messageId);
        ps.setLong(5, purchase.messageId());
        ps.setString(6, purchase.lifecycleKey());
        ps.setString(7, purchase.rrnKey());
        ps.setLong(8, baseMinor);
        ps.setLong(9, purchase.purchaseMinor());
        ps.setString(10, purchase.currency());
        ps.setObject(11, purchase.localDate());
        Sql.setUtc(ps, 12, now);
        Sql.setUtc(ps, 13, messageId == purchase.messageId() ? purchase.clearsBy() : null); // a take-back never waits
        ps.addBatch();
        pending++;
        if (spend != null) {
            spend.merge(key(purchase.cardId(), offerId) + "|" + periodKey, baseMinor, Long::sum);
        }
    }

    /** The threshold spend of a purchase, by its lifecycle key (reversals) or its rrn key (refunds), with what remains. */
    List<Spend> spendOf(String purchaseKey, boolean byRrn) throws SQLException {
        List<Spend> out = new ArrayList<>();
        if (purchaseKey == null) {
            return out;
        }
        flush();
        try (PreparedStatement ps = c.prepareStatement("select p.card_id, p.offer_id, p.period_key, p.message_id, p.base_minor, "
                + "(select sum(a.base_minor) from bonus_spend a where a.offer_id = p.offer_id "
                + "and a.purchase_message_id = p.message_id), p.purchase_minor, p.currency, p.local_date, p.lifecycle_key, "
                + "p.rrn_key from bonus_spend p where p." + (byRrn ? "rrn_key" : "lifecycle_key") + " = ? "
                + "and p.message_id = p.purchase_message_id order by p.id for update")) {
            ps.setString(1, purchaseKey);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Spend(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                            rs.getLong(6), rs.getLong(7), rs.getString(8), rs.getObject(9, LocalDate.class),
                            rs.getString(10), rs.getString(11)));
                }
            }
        }
        return out;
    }

    /**
     * The authorizations' visits whose clearing was due before now (V30: clears_by), at most {@code limit} of each
     * table, locked; each once.
     */
    List<DueClearing> dueClearings(int limit) throws SQLException {
        flush();
        java.util.LinkedHashSet<DueClearing> out = new java.util.LinkedHashSet<>();
        for (String sql : List.of("select lifecycle_key, message_id from punch where clears_by < ? order by clears_by "
                        + "limit ? for update skip locked",
                "select lifecycle_key, purchase_message_id from bonus_spend where clears_by < ? order by clears_by "
                        + "limit ? for update skip locked")) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                Sql.setUtc(ps, 1, now);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new DueClearing(rs.getString(1), rs.getLong(2)));
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    /** The visit's clearing was looked for (found, or its counts taken back): its rows are not due any more. */
    void clearingSettled(String lifecycleKey) throws SQLException {
        for (String table : List.of("punch", "bonus_spend")) {
            try (PreparedStatement ps = c.prepareStatement("update " + table + " set clears_by = null "
                    + "where lifecycle_key = ? and clears_by is not null")) {
                ps.setString(1, lifecycleKey);
                ps.executeUpdate();
            }
        }
    }

    /** Sends the pending punch and spend rows. */
    void flush() throws SQLException {
        if (pending == 0) {
            return;
        }
        if (punchInserts != null) {
            punchInserts.executeBatch();
        }
        if (spendInserts != null) {
            spendInserts.executeBatch();
        }
        pending = 0;
    }

    @Override
    public void close() throws SQLException {
        try {
            if (punchInserts != null) {
                punchInserts.close();
            }
        } finally {
            if (spendInserts != null) {
                spendInserts.close();
            }
        }
    }

    /** Erasure of a card: the keys of its punches and spend rows take the card's new random token (BonusProgress). */
    static int unlinkToken(Connection c, long cardId, String oldToken, String newToken) throws SQLException {
        return Sql.rekeyToken(c, "punch", cardId, oldToken, newToken) + Sql.rekeyToken(c, "bonus_spend", cardId, oldToken, newToken);
    }
}
