/*
 * The reward and ledger_entry rows of one matching transaction (a matcher batch of up to 504 messages, or a page of
 * the sweep): every statement the matcher sends to those tables, with a fixed number of round trips per batch
 * instead of several per message (issue 13).
 *
 * Method. Until issue 13 every message cost its own round trips: one SELECT ... FOR UPDATE of its purchase's rewards,
 * one INSERT ... RETURNING per reward (the id came from the sequence in the statement), one ledger batch per reward;
 * 2,000 purchases/s through the store. Now:
 *   - the rewards of every purchase lifecycle (and refund DE37) a batch names are read in one SELECT ... FOR UPDATE
 *     through the key's own index, forced (prefetch);
 *   - one object per reward in the transaction (an identity map by public id), so a reward earned by one message and
 *     cleared, refunded or reversed by a later one is the same object, read or written;
 *   - writes are collected and sent as JDBC batches: reward inserts (row ids given by the caller, from blocks of
 *     reward_seq), reward updates by primary key, ledger rows (LedgerRows);
 *   - a read the maps cannot answer (a refund without a DE37 match, a lifecycle the prefetch did not name, a card's
 *     rewards for an offer, asked after writes) first sends the pending writes, so the store answers it as the
 *     one-statement-at-a-time matcher did.
 * The ledger rules run at post time here too, as in RewardBook: each reward's transactions are applied through the
 * domain's Ledger from the ledger its state implied when it was read or last written here (nothing for a new one),
 * must keep every account on its right side and end at the ledger its new state implies; otherwise the change is
 * refused before any of it joins a batch.
 * It lives as long as its transaction (rows locked FOR UPDATE where they are written), so a second node matching at
 * the same time sees nothing stale. Not thread-safe: one worker's transaction.
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.Ledger;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;
import org.accrue.rewards.money.Money;

public final class MatcherRewards implements AutoCloseable {
    private static final String REWARD_COLUMNS = "public_id, card_id, issuer_id, funder, unit_kind, unit_code, "
            + "original_amount, base_minor, purchased_at, return_period_days, remaining_base, amount, status, cleared_at, id, "
            + "purchase_minor, lifecycle_key, rrn_key, base_currency, offer_id, local_date, consumed";
    /** Rewards that count toward caps, punches and budgets. */
    private static final String LIVE = "status not in ('REVERSED', 'EXPIRED', 'REJECTED')";
    /** The most keys or cards in one IN list (well under MariaDB's 65,535 placeholders). */
    private static final int IN_LIST_MAX = 1000;

    /**
     * The two keys a purchase's rewards are found by, each with the index its reads force (an IN list with ORDER BY id
     * came to walk the whole table instead, issue 13) and its place in REWARD_COLUMNS.
     */
    private enum Key {
        LIFECYCLE("lifecycle_key", "uk_reward_purchase_offer", 17),
        RRN("rrn_key", "ix_reward_rrn", 18);

        final String column;
        final String index;
        final int resultColumn;

        Key(String column, String index, int resultColumn) {
            this.column = column;
            this.index = index;
            this.resultColumn = resultColumn;
        }

        /** "select REWARD_COLUMNS from reward force index (...) where <column> " */
        String select() {
            return "select " + REWARD_COLUMNS + " from reward force index (" + index + ") where " + column + " ";
        }
    }

    /**
     * What a new reward's row holds beside the Reward itself: the card, offer and merchant, the message that earned it
     * and its keys, and the purchase in the currency of the reward's base (refunds are measured against it).
     */
    public record Origin(long cardId, String issuerId, String offerId, String merchantId, long messageId,
                         String lifecycleKey, String rrnKey, Money purchase, Instant purchasedAt, LocalDate localDate,
                         int returnPeriodDays) {
    }

    /** A live reward of a card for an offer, as caps and punch cards count it. */
    public record Live(String rewardId, long cardId, long amount, LocalDate localDate) {
    }

    private final Connection c;
    private final Instant now;
    private final Map<String, Reward> known = new HashMap<>(); // reward public id -> its one object in this transaction
    private final Map<String, Long> rowIds = new HashMap<>(); // reward public id -> row id
    // Reward public id -> status and amount when last read or written here: what a change's webhook events compare to.
    private final Map<String, Reward.Status> statusSeen = new HashMap<>();
    private final Map<String, Long> amountSeen = new HashMap<>();
    private final List<org.accrue.processor.webhooks.Outbox.Event> events = new ArrayList<>();
    private final Map<String, Money> purchases = new HashMap<>(); // reward public id -> purchase, in the base's currency
    private final Map<String, String> offerIds = new HashMap<>(); // reward public id -> its offer (bonus offers ask)
    private final Map<String, List<Reward>> byLifecycle = new HashMap<>(); // complete for every key present
    private final Map<String, List<Reward>> byRrn = new HashMap<>(); // complete for every key present
    private PreparedStatement inserts;
    private int insertsPending;
    private PreparedStatement updates;
    private int updatesPending;
    private LedgerRows ledger;
    /** Reward public id -> the ledger its state implied when last read or written here: each change is checked from it. */
    private final Map<String, Ledger> ledgers = new HashMap<>();

    public MatcherRewards(Connection c, Instant now) {
        this.c = c;
        this.now = now;
    }

    /** Reads, in one statement per key, the rewards of these purchase lifecycles (token|DE37|DE38) and DE37s (token|DE37). */
    public void prefetch(Collection<String> lifecycleKeys, Collection<String> rrnKeys) throws SQLException {
        for (List<String> part : parts(new ArrayList<>(lifecycleKeys))) {
            readInto(byLifecycle, Key.LIFECYCLE, part);
        }
        for (List<String> part : parts(new ArrayList<>(rrnKeys))) {
            readInto(byRrn, Key.RRN, part);
        }
    }

    /**
     * One statement for many keys, through the key's own index (forced) and without ORDER BY: with "order by id" over a
     * few hundred keys MariaDB came to prefer walking the primary key in order and filtering, a scan of the whole
     * reward table per batch once it held a few hundred thousand rows (issue 13: matching fell to 400/s). Each key's
     * rewards are put in id order here instead.
     */
    private void readInto(Map<String, List<Reward>> cache, Key key, List<String> keys) throws SQLException {
        keys.forEach(k -> cache.put(k, new ArrayList<>()));
        try (PreparedStatement ps = c.prepareStatement(key.select() + "in (" + Sql.marks(keys.size()) + ") for update")) {
            for (int i = 0; i < keys.size(); i++) {
                ps.setString(i + 1, keys.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Reward r = read(rs);
                    cache.get(rs.getString(key.resultColumn)).add(r);
                }
            }
        }
        for (String k : keys) {
            cache.get(k).sort(java.util.Comparator.comparingLong(r -> rowIds.get(r.id())));
        }
    }

    private static <T> List<List<T>> parts(List<T> all) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i += IN_LIST_MAX) {
            out.add(all.subList(i, Math.min(all.size(), i + IN_LIST_MAX)));
        }
        return out;
    }

    /** The one object of the reward on this row: the transaction's own when it has one (it may be newer than the row). */
    private Reward read(ResultSet rs) throws SQLException {
        String publicId = rs.getString(1);
        Reward mine = known.get(publicId);
        if (mine != null) {
            return mine;
        }
        Reward r = Reward.restore(publicId, Long.toString(rs.getLong(2)), rs.getString(3), rs.getString(4),
                new RewardUnit(RewardUnit.Kind.valueOf(rs.getString(5)), rs.getString(6)), rs.getLong(7),
                rs.getLong(8), Sql.instant(rs, 9), Duration.ofDays(rs.getInt(10)), rs.getLong(11), rs.getLong(12),
                Reward.Status.valueOf(rs.getString(13).trim()), Sql.instant(rs, 14))
                .withConsumed(rs.getLong(22)); // redeemed points: a refund takes back only what is left
        known.put(publicId, r);
        ledgers.put(publicId, r.ledger());
        statusSeen.put(publicId, r.status());
        amountSeen.put(publicId, r.amount());
        rowIds.put(publicId, rs.getLong(15));
        purchases.put(publicId, Money.of(rs.getLong(16), rs.getString(19)));
        offerIds.put(publicId, rs.getString(20));
        return r;
    }

    private List<Reward> readRewards(PreparedStatement ps) throws SQLException {
        List<Reward> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(read(rs));
            }
        }
        return out;
    }

    /** The rewards of a purchase lifecycle (token|DE37|DE38), locked; from this transaction's maps when they have them. */
    public List<Reward> byLifecycle(String key) throws SQLException {
        return rewardsBy(byLifecycle, Key.LIFECYCLE, key);
    }

    /** The rewards of a purchase by its token|DE37 (refunds), locked; from this transaction's maps when they have them. */
    public List<Reward> byRrn(String key) throws SQLException {
        return key == null ? List.of() : rewardsBy(byRrn, Key.RRN, key);
    }

    /** From the map, which is complete for every key it has; else, with the pending writes sent first, the store. */
    private List<Reward> rewardsBy(Map<String, List<Reward>> cache, Key by, String key) throws SQLException {
        List<Reward> cached = cache.get(key);
        if (cached == null) {
            flush();
            try (PreparedStatement ps = c.prepareStatement(by.select() + "= ? order by id for update")) {
                ps.setString(1, key);
                cached = readRewards(ps);
            }
            cache.put(key, cached);
        }
        return List.copyOf(cached);
    }

    /**
     * A refund without a DE37 match: the rewards of the card's (token's) latest open purchase at the MID within its
     * return period. Latest by the purchase message's arrival (card_message.seq): reward row ids come from per-node
     * blocks and are not in that order across nodes.
     */
    public List<Reward> ofLatestPurchaseAt(String panToken, String merchantId) throws SQLException {
        flush();
        try (PreparedStatement ps = c.prepareStatement("select r.lifecycle_key from reward r join card_message m "
                + "on m.id = r.source_message_id where m.pan_token = ? and m.merchant_id = ? "
                + "and r.status in ('PENDING', 'AVAILABLE') and date_add(r.purchased_at, interval r.return_period_days day) >= ? "
                + "order by m.seq desc limit 1")) {
            ps.setString(1, panToken);
            ps.setString(2, merchantId);
            ps.setTimestamp(3, Sql.ts(now));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? byLifecycle(rs.getString(1)) : List.of();
            }
        }
    }

    /** Rewards the sweep moves on: cleared past their return period, or auths never cleared; locked, others skipped. */
    public List<Reward> due(Duration clearingWindow, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select " + REWARD_COLUMNS + " from reward where open_status = 'PENDING' "
                + "and ((cleared_at is not null and date_add(cleared_at, interval return_period_days day) <= ?) "
                + "or (cleared_at is null and purchased_at <= ?)) order by id limit ? for update skip locked")) {
            ps.setTimestamp(1, Sql.ts(now));
            ps.setTimestamp(2, Sql.ts(now.minus(clearingWindow)));
            ps.setInt(3, limit);
            return readRewards(ps);
        }
    }

    /** The purchase of a reward read or earned in this transaction, in the currency of the reward's base. */
    public Money purchase(String rewardId) {
        return purchases.get(rewardId);
    }

    /** The offer of a reward read or earned in this transaction. */
    public String offerOf(String rewardId) {
        return offerIds.get(rewardId);
    }

    /** A card's live reward for an offer, locked, with the merchant's local date of its purchase. */
    public record Dated(Reward reward, LocalDate localDate) {
    }

    /**
     * A card's live rewards for an offer whose purchase's local date is in [from, to), locked; the pending writes are
     * sent first, so the store has every reward of the transaction (bonus offers reverse them when a refund takes the
     * spend back below their threshold).
     */
    public List<Dated> liveOf(long cardId, String offerId, LocalDate from, LocalDate to) throws SQLException {
        flush();
        List<Dated> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select " + REWARD_COLUMNS + " from reward force index (ix_reward_card) "
                + "where card_id = ? and offer_id = ? and local_date >= ? and local_date < ? and " + LIVE
                + " order by id for update")) {
            ps.setLong(1, cardId);
            ps.setString(2, offerId);
            ps.setObject(3, from);
            ps.setObject(4, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Dated(read(rs), rs.getObject(21, LocalDate.class)));
                }
            }
        }
        return out;
    }

    /**
     * An offer's live rewards summed as the store holds them: call with the offer's row locked and before this
     * transaction earned from it (the caller adds what it earned since).
     */
    public long spent(String offerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select coalesce(sum(amount), 0) from reward where offer_id = ? and "
                + LIVE)) {
            ps.setString(1, offerId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The live rewards of these cards for the offer, with the pending writes sent first (the store then has them all). */
    public List<Live> live(String offerId, List<Long> cardIds) throws SQLException {
        flush();
        List<Live> out = new ArrayList<>();
        for (List<Long> part : parts(cardIds)) {
            try (PreparedStatement ps = c.prepareStatement("select card_id, amount, local_date, public_id from reward "
                    + "where offer_id = ? and " + LIVE + " and card_id in (" + Sql.marks(part.size()) + ")")) {
                ps.setString(1, offerId);
                for (int i = 0; i < part.size(); i++) {
                    ps.setLong(i + 2, part.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Live(rs.getString(4), rs.getLong(1), rs.getLong(2), rs.getObject(3, LocalDate.class)));
                    }
                }
            }
        }
        return out;
    }

    /** A new reward on row {@code rowId}: its insert and ledger rows join the batches, and the maps have it at once. */
    public void insert(long rowId, Reward r, Origin o, List<LedgerTransaction> txns) throws SQLException {
        // The ledger rules at post time, before anything of it is batched: a new reward's transactions start from nothing.
        r.checkTransition(new Ledger(), txns);
        ledgers.put(r.id(), r.ledger());
        if (inserts == null) {
            inserts = c.prepareStatement("insert into reward (id, public_id, card_id, issuer_id, offer_id, "
                    + "merchant_id, source_message_id, lifecycle_key, rrn_key, unit_kind, unit_code, amount, original_amount, "
                    + "base_minor, remaining_base, base_currency, purchase_minor, funder, status, purchased_at, local_date, "
                    + "cleared_at, return_period_days, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    + "?, ?, ?, ?, ?, ?, ?, ?)");
        }
        PreparedStatement ps = inserts;
        int i = 1;
        ps.setLong(i++, rowId);
        ps.setString(i++, r.id());
        ps.setLong(i++, o.cardId());
        ps.setString(i++, o.issuerId());
        ps.setString(i++, o.offerId());
        ps.setString(i++, o.merchantId());
        ps.setLong(i++, o.messageId());
        ps.setString(i++, o.lifecycleKey());
        ps.setString(i++, o.rrnKey());
        ps.setString(i++, r.unit().kind().name());
        ps.setString(i++, r.unit().code());
        ps.setLong(i++, r.amount());
        ps.setLong(i++, r.amount());
        ps.setLong(i++, r.remainingBase());
        ps.setLong(i++, r.remainingBase());
        ps.setString(i++, o.purchase().currency());
        ps.setLong(i++, o.purchase().minor());
        ps.setString(i++, r.funder());
        ps.setString(i++, r.status().name());
        Sql.setUtc(ps, i++, o.purchasedAt());
        ps.setObject(i++, o.localDate());
        Sql.setUtc(ps, i++, r.clearedAt());
        ps.setInt(i++, o.returnPeriodDays());
        Sql.setUtc(ps, i, now);
        ps.addBatch();
        insertsPending++;

        known.put(r.id(), r);
        rowIds.put(r.id(), rowId);
        purchases.put(r.id(), o.purchase());
        offerIds.put(r.id(), o.offerId());
        statusSeen.put(r.id(), r.status());
        amountSeen.put(r.id(), r.amount());
        events.add(org.accrue.processor.webhooks.RewardEvents.earned(r, o.offerId(), o.merchantId(), o.purchase().minor(),
                o.purchase().currency()));
        byLifecycle.computeIfAbsent(o.lifecycleKey(), k -> new ArrayList<>()).add(r);
        List<Reward> sameRrn = o.rrnKey() == null ? null : byRrn.get(o.rrnKey());
        if (sameRrn != null) {
            sameRrn.add(r);
        }
        ledger().add(rowId, txns);
    }

    /** A reward changed through its own transitions: its row update and ledger rows join the batches. Returns its row id. */
    public long update(Reward r, List<LedgerTransaction> txns) throws SQLException {
        Ledger before = ledgers.get(r.id());
        if (before == null) {
            throw new IllegalStateException("reward " + r.id() + " changed without being read in this batch");
        }
        r.checkTransition(before, txns); // the ledger rules at post time, from its ledger as last read or written
        ledgers.put(r.id(), r.ledger());
        events.addAll(org.accrue.processor.webhooks.RewardEvents.changed(r, statusSeen.get(r.id()), amountSeen.get(r.id())));
        statusSeen.put(r.id(), r.status());
        amountSeen.put(r.id(), r.amount());
        long rowId = rowId(r.id());
        if (updates == null) {
            updates = c.prepareStatement("update reward set amount = ?, remaining_base = ?, status = ?, cleared_at = ?, "
                    + "updated_at = ? where id = ?");
        }
        updates.setLong(1, r.amount());
        updates.setLong(2, r.remainingBase());
        updates.setString(3, r.status().name());
        Sql.setUtc(updates, 4, r.clearedAt());
        Sql.setUtc(updates, 5, now);
        updates.setLong(6, rowId);
        updates.addBatch();
        updatesPending++;
        ledger().add(rowId, txns);
        return rowId;
    }

    private long rowId(String rewardPublicId) throws SQLException {
        Long id = rowIds.get(rewardPublicId);
        if (id != null) {
            return id;
        }
        try (PreparedStatement ps = c.prepareStatement("select id from reward where public_id = ?")) {
            ps.setString(1, rewardPublicId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private LedgerRows ledger() throws SQLException {
        if (ledger == null) {
            ledger = new LedgerRows(c);
        }
        return ledger;
    }

    /** Sends the pending reward inserts, then updates, then ledger rows: the store then holds all that was written. */
    public void flush() throws SQLException {
        if (insertsPending > 0) {
            inserts.executeBatch();
            insertsPending = 0;
        }
        if (updatesPending > 0) {
            updates.executeBatch();
            updatesPending = 0;
        }
        if (ledger != null) {
            ledger.flush();
        }
        // The webhook events of what was written, in the same transaction (the outbox).
        org.accrue.processor.webhooks.Outbox.emit(c, now, events);
        events.clear();
    }

    /** Closes the statements; what was not flushed is dropped (the transaction is rolled back). */
    @Override
    public void close() throws SQLException {
        for (PreparedStatement ps : new PreparedStatement[] {inserts, updates}) {
            if (ps != null) {
                ps.close();
            }
        }
        if (ledger != null) {
            ledger.close();
        }
    }
}
