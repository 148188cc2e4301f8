/*
 * The store side of one matching batch: what the matcher reads and writes for up to BATCH_SIZE_MAX messages in one
 * transaction, with a fixed number of round trips per batch instead of several per message (issue 13).
 *
 * Method. Until issue 13 every message cost its own round trips: one SELECT ... FOR UPDATE of its purchase's rewards,
 * one INSERT ... RETURNING per reward (the id came from the sequence in the statement), one ledger batch per reward,
 * and the card's caps and activations read once per message; 2,000 purchases/s through the store. Now:
 *   - reads are made once for the whole batch and kept: the rewards of every purchase lifecycle (and refund DE37) the
 *     batch names, in one SELECT ... FOR UPDATE; a card's live rewards per offer and its activations for all the
 *     batch's cards at the first question about that offer;
 *   - one object per reward in the batch (an identity map by public id), so a reward earned by one message and
 *     cleared, refunded or reversed by a later one in the same batch is the same object, read or written;
 *   - writes are collected and sent as JDBC batches (bulk on the wire): reward inserts with ids taken from blocks of
 *     reward_seq (RewardIds), reward updates by primary key, ledger rows, outcomes, and one DELETE of the queue rows;
 *   - a read the caches cannot answer (a refund without DE37 match, a lifecycle the prefetch did not name, a card's
 *     rewards asked after writes of this batch) first sends the pending writes, so the store answers it as the
 *     one-statement-at-a-time matcher did.
 * The caches live only as long as the batch (one transaction, rows locked FOR UPDATE where they are written), so a
 * second node matching at the same time sees nothing stale.
 */
package org.accrue.processor.matcher;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.rewardbook.LedgerRows;
import org.accrue.processor.posting.Clawbacks;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.CardState;
import org.accrue.rewards.matching.Earned;
import org.accrue.rewards.matching.MatchResult;
import org.accrue.rewards.matching.MerchantDirectory;
import org.accrue.rewards.matching.Periods;
import org.accrue.rewards.matching.RewardUnit;
import org.accrue.rewards.money.Money;
import org.accrue.rewards.offers.Offer;

final class MatchBatch {
    static final String REWARD_COLUMNS = "public_id, card_id, issuer_id, funder, unit_kind, unit_code, "
            + "original_amount, base_minor, purchased_at, return_period_days, remaining_base, amount, status, cleared_at, id, "
            + "purchase_minor, lifecycle_key, rrn_key";
    /** Rewards that count toward caps, punches and budgets. */
    private static final String LIVE = "status not in ('REVERSED', 'EXPIRED', 'REJECTED')";
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

    /** The most keys or cards in one IN list (well under MariaDB's 65,535 placeholders). */
    private static final int IN_LIST_MAX = 1000;

    private final Connection c;
    private final Instant now;
    private final RewardIds ids;
    private final String tierCurrency;
    private final Map<String, Long> tierThresholds;
    private final Set<Long> cards = new LinkedHashSet<>();

    private final Map<String, Reward> known = new HashMap<>(); // reward public id -> its one object in this batch
    private final Map<String, Long> rowIds = new HashMap<>(); // reward public id -> row id
    private final Map<String, Long> purchaseMinor = new HashMap<>(); // reward public id -> purchase amount
    private final Map<String, List<Reward>> byLifecycle = new HashMap<>(); // complete for every key present
    private final Map<String, List<Reward>> byRrn = new HashMap<>(); // complete for every key present
    private final Map<String, Long> budgetDelta = new HashMap<>();
    private final Map<String, Long> budgetBase = new HashMap<>();
    private final Map<String, Map<Long, Instant>> activations = new HashMap<>(); // offer -> card -> activated at
    private final Map<String, Map<Long, List<Held>>> cardRewards = new HashMap<>(); // offer -> card -> live rewards
    private final Map<String, Held> held = new HashMap<>(); // reward public id -> its entry in cardRewards
    private final Set<Long> done = new LinkedHashSet<>();

    private PreparedStatement inserts;
    private int insertsPending;
    private PreparedStatement updates;
    private int updatesPending;
    private PreparedStatement outcomes;
    private int outcomesPending;
    private LedgerRows ledger;

    /** A live reward of a card for an offer, as caps and punch cards count it. */
    private static final class Held {
        final List<Held> list;
        final long epochDay;
        long amount;

        Held(List<Held> list, long amount, long epochDay) {
            this.list = list;
            this.amount = amount;
            this.epochDay = epochDay;
        }
    }

    MatchBatch(Connection c, Instant now, RewardIds ids, String tierCurrency, Map<String, Long> tierThresholds) {
        this.c = c;
        this.now = now;
        this.ids = ids;
        this.tierCurrency = tierCurrency;
        this.tierThresholds = tierThresholds;
    }

    /** Reads, in one statement, the rewards of every purchase lifecycle and refund DE37 the batch's messages name. */
    void prefetch(List<StoredMessage> messages) throws SQLException {
        Set<String> lifecycles = new LinkedHashSet<>();
        Set<String> rrns = new LinkedHashSet<>();
        for (StoredMessage m : messages) {
            cards.add(m.cardId());
            if (m.messageClass().equals("04")) {
                continue;
            }
            if (m.isRefund() && m.messageClass().equals("02")) {
                if (m.rrnKey() != null) {
                    rrns.add(m.rrnKey());
                }
            } else if (m.isPurchase()) {
                lifecycles.add(m.lifecycleKey());
            }
        }
        for (List<String> part : parts(new ArrayList<>(lifecycles))) {
            readInto(byLifecycle, Key.LIFECYCLE, part);
        }
        for (List<String> part : parts(new ArrayList<>(rrns))) {
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

    /** The one object of the reward on this row: the batch's own when it has one (it may be newer than the row). */
    private Reward read(ResultSet rs) throws SQLException {
        String publicId = rs.getString(1);
        Reward mine = known.get(publicId);
        if (mine != null) {
            return mine;
        }
        Reward r = Reward.restore(publicId, Long.toString(rs.getLong(2)), rs.getString(3), rs.getString(4),
                new RewardUnit(RewardUnit.Kind.valueOf(rs.getString(5)), rs.getString(6)), rs.getLong(7),
                rs.getLong(8), Sql.instant(rs, 9), Duration.ofDays(rs.getInt(10)), rs.getLong(11), rs.getLong(12),
                Reward.Status.valueOf(rs.getString(13).trim()), Sql.instant(rs, 14));
        known.put(publicId, r);
        rowIds.put(publicId, rs.getLong(15));
        purchaseMinor.put(publicId, rs.getLong(16));
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

    /** The rewards of a purchase lifecycle (token|DE37|DE38), locked; from the batch when it has them. */
    List<Reward> rewardsByLifecycle(String key) throws SQLException {
        return rewardsBy(byLifecycle, Key.LIFECYCLE, key);
    }

    /** The rewards of a purchase by its token|DE37 (refunds), locked; from the batch when it has them. */
    List<Reward> rewardsByRrn(String key) throws SQLException {
        return key == null ? List.of() : rewardsBy(byRrn, Key.RRN, key);
    }

    /** From the cache, which is complete for every key it has; else, with the batch's writes sent first, the store. */
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

    /** A refund without a DE37 match: the rewards of the card's latest open purchase at the MID within its return period. */
    List<Reward> rewardsOfLatestPurchaseAt(StoredMessage refund) throws SQLException {
        if (refund.merchantId() == null) {
            return List.of();
        }
        flush();
        try (PreparedStatement ps = c.prepareStatement("select r.lifecycle_key from reward r join card_message m "
                + "on m.id = r.source_message_id where m.pan_token = ? and m.merchant_id = ? "
                + "and r.status in ('PENDING', 'AVAILABLE') and date_add(r.purchased_at, interval r.return_period_days day) >= ? "
                + "order by r.id desc limit 1")) {
            ps.setString(1, refund.panToken());
            ps.setString(2, refund.merchantId());
            ps.setTimestamp(3, Sql.ts(now));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rewardsByLifecycle(rs.getString(1)) : List.of();
            }
        }
    }

    /** Rewards the sweep moves on: cleared past their return period, or auths never cleared. */
    List<Reward> due(Duration window, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select " + REWARD_COLUMNS + " from reward where open_status = 'PENDING' "
                + "and ((cleared_at is not null and date_add(cleared_at, interval return_period_days day) <= ?) "
                + "or (cleared_at is null and purchased_at <= ?)) order by id limit ? for update skip locked")) {
            ps.setTimestamp(1, Sql.ts(now));
            ps.setTimestamp(2, Sql.ts(now.minus(window)));
            ps.setInt(3, limit);
            return readRewards(ps);
        }
    }

    /** The purchase amount (in the reward base's currency) of a reward read or earned in this batch. */
    long purchaseMinor(String rewardId) {
        return purchaseMinor.get(rewardId);
    }

    void dequeue(long messageId) {
        done.add(messageId);
    }

    /** True while the message waits in the queue: not matched earlier in this batch, and still queued in the store. */
    boolean queued(long messageId) throws SQLException {
        if (done.contains(messageId)) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement("select 1 from match_queue where message_id = ?")) {
            ps.setLong(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    void retry(long messageId, Instant notBefore) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update match_queue set not_before = ?, attempts = attempts + 1 where message_id = ?")) {
            ps.setTimestamp(1, Sql.ts(notBefore));
            ps.setLong(2, messageId);
            ps.executeUpdate();
        }
    }

    /** How much of an offer's budget is spent: the store's figure when the batch began, plus what this batch earned. */
    long budgetSpent(String offerId) {
        try {
            Long base = budgetBase.get(offerId);
            if (base == null) {
                // The offer's row lock first: two workers (or nodes) that earn from one budgeted offer take turns, and
                // the sum after it (read committed) holds everything the one before committed. Asked before this
                // batch earned anything from the offer (the engine asks before it earns), so the store's sum holds
                // none of the batch's rewards: budgetDelta adds them.
                try (PreparedStatement lock = c.prepareStatement("select offer_id from offer where offer_id = ? for update")) {
                    lock.setString(1, offerId);
                    lock.executeQuery().close();
                }
                try (PreparedStatement ps = c.prepareStatement("select coalesce(sum(amount), 0) from reward where offer_id = ? and "
                        + LIVE)) {
                    ps.setString(1, offerId);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        base = rs.getLong(1);
                    }
                }
                budgetBase.put(offerId, base);
            }
            return base + budgetDelta.getOrDefault(offerId, 0L);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean authSeen(StoredMessage m) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from card_message where pan_token = ? and rrn <=> ? "
                + "and auth_id <=> ? and mti like '01%' and id < ? limit 1")) {
            ps.setString(1, m.panToken());
            ps.setString(2, m.rrn());
            ps.setString(3, m.authId());
            ps.setLong(4, m.id());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The purchase a reversal names (DE90, or token + DE37 + DE38 + amount when DE90 is zero-filled); null if not here. */
    RewardMatcher.StoredOriginal original(StoredMessage m) throws SQLException {
        boolean zeroFilled = m.origStan().chars().allMatch(ch -> ch == '0') || m.origTransmitted().chars().allMatch(ch -> ch == '0');
        String sql = zeroFilled
                ? "select pan_token, rrn, auth_id, amount_minor, acquirer_id, id from card_message where pan_token = ? "
                + "and rrn <=> ? and auth_id <=> ? and amount_minor = ? and (mti like '01%' or mti like '02%') order by id limit 1"
                : "select pan_token, rrn, auth_id, amount_minor, acquirer_id, id from card_message where mti like ? and stan = ? "
                + "and transmitted = ? and (mti like '01%' or mti like '02%') order by id";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (zeroFilled) {
                ps.setString(1, m.panToken());
                ps.setString(2, m.rrn());
                ps.setString(3, m.authId());
                ps.setLong(4, m.amountMinor());
            } else {
                ps.setString(1, m.origMti().substring(0, 2) + "%");
                ps.setString(2, m.origStan());
                ps.setString(3, m.origTransmitted());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!zeroFilled && !MerchantDirectory.stripZeros(rs.getString(5))
                            .equals(MerchantDirectory.stripZeros(m.origAcquirerId()))) {
                        continue;
                    }
                    String key = rs.getString(1) + "|" + (rs.getString(2) == null ? "" : rs.getString(2)) + "|"
                            + (rs.getString(3) == null ? "" : rs.getString(3));
                    return new RewardMatcher.StoredOriginal(rs.getLong(6), key, rs.getLong(4));
                }
            }
        }
        return null;
    }

    /** A new reward of message {@code m}: its row, its ledger transactions, and the batch's caches, all in this batch. */
    void insert(Reward r, StoredMessage m, Offer o, String merchantId, Earned e, LocalDate localDate,
                List<LedgerTransaction> txns) throws SQLException {
        long rowId = ids.next(c);
        if (inserts == null) {
            inserts = c.prepareStatement("insert into reward (id, public_id, card_id, issuer_id, offer_id, "
                    + "merchant_id, source_message_id, lifecycle_key, rrn_key, unit_kind, unit_code, amount, original_amount, "
                    + "base_minor, remaining_base, base_currency, purchase_minor, funder, status, purchased_at, local_date, "
                    + "cleared_at, return_period_days, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    + "?, ?, ?, ?, ?, ?, ?, ?)");
        }
        long purchase = baseCurrencyAmount(m, e.baseCurrency());
        PreparedStatement ps = inserts;
        int i = 1;
        ps.setLong(i++, rowId);
        ps.setString(i++, r.id());
        ps.setLong(i++, m.cardId());
        ps.setString(i++, m.issuerId());
        ps.setString(i++, o.id());
        ps.setString(i++, merchantId);
        ps.setLong(i++, m.id());
        ps.setString(i++, m.lifecycleKey());
        ps.setString(i++, m.rrnKey());
        ps.setString(i++, r.unit().kind().name());
        ps.setString(i++, r.unit().code());
        ps.setLong(i++, r.amount());
        ps.setLong(i++, r.amount());
        ps.setLong(i++, r.remainingBase());
        ps.setLong(i++, r.remainingBase());
        ps.setString(i++, e.baseCurrency());
        ps.setLong(i++, purchase);
        ps.setString(i++, r.funder());
        ps.setString(i++, r.status().name());
        Sql.setUtc(ps, i++, m.receivedAt());
        ps.setObject(i++, localDate);
        Sql.setUtc(ps, i++, r.clearedAt());
        ps.setInt(i++, o.returnPeriodDays());
        Sql.setUtc(ps, i, now);
        ps.addBatch();
        insertsPending++;

        known.put(r.id(), r);
        rowIds.put(r.id(), rowId);
        purchaseMinor.put(r.id(), purchase);
        byLifecycle.computeIfAbsent(m.lifecycleKey(), k -> new ArrayList<>()).add(r);
        List<Reward> sameRrn = m.rrnKey() == null ? null : byRrn.get(m.rrnKey());
        if (sameRrn != null) {
            sameRrn.add(r);
        }
        Map<Long, List<Held>> ofOffer = cardRewards.get(o.id());
        if (ofOffer != null) {
            List<Held> list = ofOffer.computeIfAbsent(m.cardId(), k -> new ArrayList<>());
            Held h = new Held(list, r.amount(), localDate.toEpochDay());
            list.add(h);
            held.put(r.id(), h);
        }
        budgetDelta.merge(o.id(), r.amount(), Long::sum);
        ledger().add(rowId, txns);
    }

    /** The purchase amount in the reward base's currency: DE4, or DE6 when the base was the billed amount. */
    private static long baseCurrencyAmount(StoredMessage m, String baseCurrency) {
        return Money.alphaOf(m.currency()).equals(baseCurrency) || m.billingAmountMinor() == null
                ? m.amountMinor() : m.billingAmountMinor();
    }

    /** A reward the batch changed (through its own transitions): its row, its ledger transactions, the caches. */
    void save(Reward r, List<LedgerTransaction> txns) throws SQLException {
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
        Held h = held.get(r.id());
        if (h != null) {
            if (r.status() == Reward.Status.REVERSED || r.status() == Reward.Status.EXPIRED || r.status() == Reward.Status.REJECTED) {
                h.list.remove(h);
                held.remove(r.id());
            } else {
                h.amount = r.amount();
            }
        }
        ledger().add(rowId, txns);
        if (r.status() == Reward.Status.SENT || r.status() == Reward.Status.POSTED) {
            Clawbacks.record(c, rowId, r, txns, now);
        }
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

    void outcome(StoredMessage m, String merchantId, String resolution, int earned, String detail) throws SQLException {
        if (outcomes == null) {
            outcomes = c.prepareStatement("insert ignore into match_outcome (message_id, card_id, merchant_id, resolution, "
                    + "purchased_at, earned, detail, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)");
        }
        outcomes.setLong(1, m.id());
        outcomes.setLong(2, m.cardId());
        outcomes.setString(3, merchantId);
        outcomes.setString(4, resolution);
        Sql.setUtc(outcomes, 5, m.receivedAt());
        outcomes.setInt(6, earned);
        outcomes.setString(7, detail.length() > 2000 ? detail.substring(0, 2000) : detail);
        Sql.setUtc(outcomes, 8, now);
        outcomes.addBatch();
        outcomesPending++;
    }

    void midSuggestion(MatchResult.MidSuggestion s, StoredMessage m) throws SQLException {
        // One per (acquirer, MID) however many purchases show it; the amount is the first purchase's, in its
        // ISO 4217 alpha code like every other exception's.
        Exceptions.raise(c, new Exceptions.Raise(Exceptions.Type.MID_SUGGESTION, s.acquirerId() + "|" + s.mid(),
                null, m.cardId(), null, m.amountMinor(), Money.alphaOf(m.currency()), "acquirer " + s.acquirerId()
                + " MID " + s.mid() + " (\"" + s.descriptor() + "\") looks like merchant " + s.merchantId()
                + ": add the MID to it?"), now);
    }

    /** Sends the pending reward inserts, then updates, then ledger rows: the store then holds all the batch wrote. */
    void flush() throws SQLException {
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
    }

    /** Sends everything: the writes, the outcomes, and one DELETE of the finished queue rows. Then closes. */
    void finish() throws SQLException {
        try {
            flush();
            if (outcomesPending > 0) {
                outcomes.executeBatch();
                outcomesPending = 0;
            }
            if (!done.isEmpty()) {
                // One primary-key delete per row, sent as one batch: a DELETE ... IN (...) over a small queue was
                // planned as a scan, which waited on the rows another worker holds (and deadlocked with it on an
                // offer's budget lock).
                try (PreparedStatement ps = c.prepareStatement("delete from match_queue where message_id = ?")) {
                    for (long id : done) {
                        ps.setLong(1, id);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
        } finally {
            close();
        }
    }

    private void close() throws SQLException {
        for (PreparedStatement ps : new PreparedStatement[] {inserts, updates, outcomes}) {
            if (ps != null) {
                ps.close();
            }
        }
        if (ledger != null) {
            ledger.close();
        }
    }

    /** The card's history for the engine, for message {@code beforeMessageId}: caps and activations from the batch. */
    CardState cardState(long cardId, long beforeMessageId) {
        return new BatchCardState(cardId, beforeMessageId);
    }

    private Instant activatedAt(long cardId, String offerId) {
        Map<Long, Instant> ofOffer = activations.get(offerId);
        if (ofOffer == null) {
            ofOffer = new HashMap<>();
            try {
                for (List<Long> part : parts(new ArrayList<>(cards))) {
                    try (PreparedStatement ps = c.prepareStatement("select card_id, activated_at from offer_activation "
                            + "where offer_id = ? and card_id in (" + Sql.marks(part.size()) + ")")) {
                        ps.setString(1, offerId);
                        for (int i = 0; i < part.size(); i++) {
                            ps.setLong(i + 2, part.get(i));
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                ofOffer.put(rs.getLong(1), Sql.instant(rs, 2));
                            }
                        }
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            activations.put(offerId, ofOffer);
        }
        return ofOffer.get(cardId);
    }

    /** The card's live rewards for the offer; read for all the batch's cards at the first question about the offer. */
    private List<Held> rewardsOf(long cardId, String offerId) {
        Map<Long, List<Held>> ofOffer = cardRewards.get(offerId);
        if (ofOffer == null) {
            ofOffer = new HashMap<>();
            try {
                flush(); // the store then holds every reward of the batch, and later ones are added to the cache
                for (List<Long> part : parts(new ArrayList<>(cards))) {
                    try (PreparedStatement ps = c.prepareStatement("select card_id, amount, local_date, public_id from reward "
                            + "where offer_id = ? and " + LIVE + " and card_id in (" + Sql.marks(part.size()) + ")")) {
                        ps.setString(1, offerId);
                        for (int i = 0; i < part.size(); i++) {
                            ps.setLong(i + 2, part.get(i));
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                List<Held> list = ofOffer.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>());
                                Held h = new Held(list, rs.getLong(2), rs.getObject(3, LocalDate.class).toEpochDay());
                                list.add(h);
                                held.put(rs.getString(4), h);
                            }
                        }
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            cardRewards.put(offerId, ofOffer);
        }
        return ofOffer.getOrDefault(cardId, List.of());
    }

    /** A card's state as the engine asks for it, answered from the batch's caches (tier and last purchase from the store). */
    private final class BatchCardState implements CardState {
        private final long cardId;
        private final long beforeMessageId;
        private String tier;
        private boolean tierKnown;

        BatchCardState(long cardId, long beforeMessageId) {
            this.cardId = cardId;
            this.beforeMessageId = beforeMessageId;
        }

        /** The highest tier whose threshold the card's cleared spend over the trailing 12 months, before this purchase, reaches. */
        @Override
        public String tier() {
            if (tierKnown || tierThresholds.isEmpty()) {
                return tier;
            }
            tierKnown = true;
            long spend;
            try (PreparedStatement ps = c.prepareStatement("select coalesce(sum(case when processing_code like '20%' "
                    + "then -amount_minor else amount_minor end), 0) from card_message where card_id = ? and currency = ? "
                    + "and received_at >= ? and id < ? and (mti like '020%' or mti like '022%') "
                    + "and (processing_code like '00%' or processing_code like '09%' or processing_code like '20%')")) {
                ps.setLong(1, cardId);
                ps.setString(2, tierCurrency);
                ps.setTimestamp(3, Sql.ts(now.minus(Duration.ofDays(365))));
                ps.setLong(4, beforeMessageId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    spend = rs.getLong(1);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            long best = -1;
            for (Map.Entry<String, Long> t : tierThresholds.entrySet()) {
                if (spend >= t.getValue() && t.getValue() > best) {
                    best = t.getValue();
                    tier = t.getKey();
                }
            }
            return tier;
        }

        @Override
        public Instant activatedAt(String offerId) {
            return MatchBatch.this.activatedAt(cardId, offerId);
        }

        @Override
        public Instant lastPurchaseAt(String merchantId, Instant before) {
            try (PreparedStatement ps = c.prepareStatement("select max(purchased_at) from match_outcome where card_id = ? "
                    + "and merchant_id = ? and purchased_at < ?")) {
                ps.setLong(1, cardId);
                ps.setString(2, merchantId);
                ps.setTimestamp(3, Sql.ts(before));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Sql.instant(rs, 1);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        private static boolean samePeriod(long epochDay, Offer.Period period, String key) {
            return Periods.key(period, LocalDate.ofEpochDay(epochDay)).equals(key);
        }

        @Override
        public long rewardInPeriod(String offerId, Offer.Period period, LocalDate date) {
            String key = Periods.key(period, date);
            long sum = 0;
            for (Held h : rewardsOf(cardId, offerId)) {
                if (samePeriod(h.epochDay, period, key)) {
                    sum += h.amount;
                }
            }
            return sum;
        }

        @Override
        public int redemptionsInPeriod(String offerId, Offer.Period period, LocalDate date) {
            String key = Periods.key(period, date);
            int n = 0;
            for (Held h : rewardsOf(cardId, offerId)) {
                if (h.amount > 0 && samePeriod(h.epochDay, period, key)) {
                    n++;
                }
            }
            return n;
        }

        @Override
        public int punches(String offerId) {
            return rewardsOf(cardId, offerId).size();
        }
    }
}
