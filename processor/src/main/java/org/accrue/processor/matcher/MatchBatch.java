/*
 * The store side of one matching batch: what the matcher reads and writes for up to RewardMatcher.BATCH_SIZE_MAX
 * messages in one transaction, with a fixed number of round trips per batch instead of several per message (issue 13:
 * 2,000 purchases/s through the store when each message made its own).
 *
 * Method. The reward and ledger rows go through MatcherRewards (prefetch of every lifecycle and refund DE37 the batch
 * names in one SELECT ... FOR UPDATE, an identity map, inserts and updates as JDBC batches), the engine's questions
 * about cards through CardStates (answered for all the batch's cards at once), and the rest is here: an offer's budget
 * (its row lock, then the store's sum once, then what the batch earned), the purchase a reversal names, the outcomes
 * (one batch), MID suggestions, and one batched DELETE of the queue rows matched. finish() sends everything.
 * The caches live only as long as the batch (one transaction), so a second node matching at the same time sees
 * nothing stale.
 */
package org.accrue.processor.matcher;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.iso8583.TransactionKind;
import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.posting.Clawbacks;
import org.accrue.processor.rewardbook.MatcherRewards;
import org.accrue.processor.store.Sql;
import org.accrue.processor.tiers.MatcherTiers;
import org.accrue.processor.tiers.TierProgram;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.CardState;
import org.accrue.rewards.matching.Earned;
import org.accrue.rewards.matching.MatchResult;
import org.accrue.rewards.matching.MerchantDirectory;
import org.accrue.rewards.matching.RewardUnit;
import org.accrue.rewards.money.Money;
import org.accrue.rewards.offers.Offer;

final class MatchBatch {
    private final Connection c;
    private final Instant now;
    private final RewardIds ids;
    private final MatcherRewards rewards;
    private final CardStates cardStates;
    private final MatcherTiers tiers;
    private final Map<String, Long> budgetDelta = new HashMap<>();
    private final Map<String, Long> budgetBase = new HashMap<>();
    private final Set<Long> done = new LinkedHashSet<>();
    private final Set<String> pointsCounted = new java.util.HashSet<>();
    private PreparedStatement outcomes;
    private int outcomesPending;

    /** The purchase a reversal names: its message, lifecycle and amount (DE4). */
    record Original(long messageId, String lifecycleKey, long amountMinor) {
    }

    MatchBatch(Connection c, Instant now, RewardIds ids, TierProgram defaultTiers) {
        this.c = c;
        this.now = now;
        this.ids = ids;
        this.rewards = new MatcherRewards(c, now);
        this.tiers = new MatcherTiers(c, now, defaultTiers);
        this.cardStates = new CardStates(c, now, rewards, tiers);
    }

    /** Reads, in one statement, the rewards of every purchase lifecycle and refund DE37 the batch's messages name. */
    void prefetch(List<StoredMessage> messages) throws SQLException {
        Set<String> lifecycles = new LinkedHashSet<>();
        Set<String> rrns = new LinkedHashSet<>();
        for (StoredMessage m : messages) {
            cardStates.add(m.cardId());
            tiers.add(m.cardId(), m.issuerId());
            if (m.mti().isReversal()) {
                continue;
            }
            if (m.kind() == TransactionKind.REFUND && m.mti().isFinancial()) {
                if (m.rrnKey() != null) {
                    rrns.add(m.rrnKey());
                }
            } else if (m.kind() == TransactionKind.PURCHASE) {
                lifecycles.add(m.lifecycleKey());
            }
        }
        rewards.prefetch(lifecycles, rrns);
    }

    /** The rewards of a purchase lifecycle (token|DE37|DE38), locked; from the batch when it has them. */
    List<Reward> rewardsByLifecycle(String key) throws SQLException {
        return rewards.byLifecycle(key);
    }

    /** The rewards of a purchase by its token|DE37 (refunds), locked; from the batch when it has them. */
    List<Reward> rewardsByRrn(String key) throws SQLException {
        return rewards.byRrn(key);
    }

    /** A refund without a DE37 match: the rewards of the card's latest open purchase at the MID within its return period. */
    List<Reward> rewardsOfLatestPurchaseAt(StoredMessage refund) throws SQLException {
        return refund.merchantId() == null ? List.of() : rewards.ofLatestPurchaseAt(refund.panToken(), refund.merchantId());
    }

    /** Rewards the sweep moves on: cleared past their return period, or auths never cleared. */
    List<Reward> due(Duration window, int limit) throws SQLException {
        return rewards.due(window, limit);
    }

    /** The purchase of a reward read or earned in this batch, in the currency of the reward's base. */
    Money purchase(String rewardId) {
        return rewards.purchase(rewardId);
    }

    void dequeue(long messageId) {
        done.add(messageId);
    }

    /** True while the message waits in the queue: not matched earlier in this batch, and still queued in the store. */
    boolean queued(long messageId) throws SQLException {
        return !done.contains(messageId) && MatchQueue.queued(c, messageId);
    }

    /**
     * The purchase a refund names by DE37 (token + DE37, not a refund or reversal itself) that is stored but not matched
     * yet: its message id, or null. Stored on another node, or put back for later, it may not have rewards yet.
     */
    Long unmatchedPurchase(StoredMessage refund) throws SQLException {
        if (refund.rrn() == null) {
            return null;
        }
        try (PreparedStatement ps = c.prepareStatement("select m.id from card_message m join match_queue q on q.message_id = m.id "
                + "where m.pan_token = ? and m.rrn = ? and m.id <> ? and m.mti not like '04%' "
                + "and m.processing_code not like '20%' order by m.seq")) {
            ps.setString(1, refund.panToken());
            ps.setString(2, refund.rrn());
            ps.setLong(3, refund.id());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!done.contains(rs.getLong(1))) {
                        return rs.getLong(1);
                    }
                }
            }
        }
        return null;
    }

    /** When a message still queued is due: null when it is not queued (or matched earlier in this batch). */
    Instant dueAt(long messageId) throws SQLException {
        return done.contains(messageId) ? null : MatchQueue.dueAt(c, messageId);
    }

    void retry(long messageId, Instant notBefore) throws SQLException {
        MatchQueue.retry(c, messageId, notBefore);
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
                base = rewards.spent(offerId);
                budgetBase.put(offerId, base);
            }
            return base + budgetDelta.getOrDefault(offerId, 0L);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether a clearing (02xx) of the authorization stored as {@code authMessageId} came after it. */
    boolean clearedAfter(long authMessageId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from card_message a join card_message x "
                + "on x.pan_token = a.pan_token and x.rrn <=> a.rrn and x.auth_id <=> a.auth_id "
                + "where a.id = ? and x.mti like '02%' and x.seq > a.seq limit 1")) {
            ps.setLong(1, authMessageId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Whether an auth of the message's purchase arrived before it (seq: arrival order, whatever node stored it). */
    boolean authSeen(StoredMessage m) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from card_message where pan_token = ? and rrn <=> ? "
                + "and auth_id <=> ? and mti like '01%' and seq < ? limit 1")) {
            ps.setString(1, m.panToken());
            ps.setString(2, m.rrn());
            ps.setString(3, m.authId());
            ps.setLong(4, m.seq());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * The purchase a reversal names (DE90, or token + DE37 + DE38 + amount when DE90 is zero-filled), the first to
     * arrive (seq) when several match; null if not here.
     */
    Original original(StoredMessage m) throws SQLException {
        StoredMessage.Original de90 = m.original();
        boolean zeroFilled = de90.zeroFilledKey();
        String sql = zeroFilled
                ? "select pan_token, rrn, auth_id, amount_minor, acquirer_id, id from card_message where pan_token = ? "
                + "and rrn <=> ? and auth_id <=> ? and amount_minor = ? and (mti like '01%' or mti like '02%') order by seq limit 1"
                : "select pan_token, rrn, auth_id, amount_minor, acquirer_id, id from card_message where mti like ? and stan = ? "
                + "and transmitted = ? and (mti like '01%' or mti like '02%') order by seq";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (zeroFilled) {
                ps.setString(1, m.panToken());
                ps.setString(2, m.rrn());
                ps.setString(3, m.authId());
                ps.setLong(4, m.amount().minor());
            } else {
                ps.setString(1, de90.mti().messageClass() + "%");
                ps.setString(2, de90.stan());
                ps.setString(3, de90.transmitted());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!zeroFilled && !MerchantDirectory.stripZeros(rs.getString(5))
                            .equals(MerchantDirectory.stripZeros(de90.acquirerId()))) {
                        continue;
                    }
                    String key = rs.getString(1) + "|" + (rs.getString(2) == null ? "" : rs.getString(2)) + "|"
                            + (rs.getString(3) == null ? "" : rs.getString(3));
                    return new Original(rs.getLong(6), key, rs.getLong(4));
                }
            }
        }
        return null;
    }

    /** A new reward of message {@code m}: its row, its ledger transactions, and the batch's caches, all in this batch. */
    void insert(Reward r, StoredMessage m, Offer o, String merchantId, Earned e, LocalDate localDate,
                List<LedgerTransaction> txns) throws SQLException {
        Money purchase = m.amountIn(e.baseCurrency());
        if (purchase == null) {
            // The engine takes a reward's base from DE4 or DE6, whichever is in the offer's currency: one of them is.
            throw new IllegalStateException("message " + m.id() + " carries no amount in " + e.baseCurrency()
                    + ", the currency of the base offer " + o.id() + " earned on");
        }
        rewards.insert(ids.next(c), r, new MatcherRewards.Origin(m.cardId(), m.issuerId(), o.id(), merchantId, m.id(),
                m.lifecycleKey(), m.rrnKey(), purchase, m.receivedAt(), localDate, o.returnPeriodDays()), txns);
        cardStates.earned(r, m.cardId(), o.id(), localDate);
        budgetDelta.merge(o.id(), r.amount(), Long::sum);
        pointsCleared(r);
    }

    /** Bank points earned and cleared now count toward a POINTS tier program, once per reward. */
    private void pointsCleared(Reward r) {
        if (r.unit().kind() == RewardUnit.Kind.POINTS && now.equals(r.clearedAt()) && r.status() != Reward.Status.REVERSED
                && pointsCounted.add(r.id())) {
            tiers.points(Long.parseLong(r.cardId()), r.amount(), r.authorizedAt());
        }
    }

    /** A message finished (DONE): what it does to its card's tier measure (a cleared purchase, a refund, a reversal). */
    void counted(StoredMessage m) {
        MatcherTiers.Kind kind;
        if (m.mti().isReversal()) {
            if (m.original() == null || !m.original().mti().isFinancial() || m.kind() == TransactionKind.OTHER) {
                return;
            }
            kind = m.kind() == TransactionKind.REFUND ? MatcherTiers.Kind.REVERSAL_OF_REFUND : MatcherTiers.Kind.REVERSAL_OF_PURCHASE;
        } else if (!m.mti().isFinancial() || m.kind() == TransactionKind.OTHER) {
            return;
        } else {
            kind = m.kind() == TransactionKind.REFUND ? MatcherTiers.Kind.REFUND : MatcherTiers.Kind.PURCHASE;
        }
        tiers.counted(m.cardId(), kind, m.amount(), m.billing(), m.replacementAmountMinor(), m.receivedAt());
    }

    /** A reward the batch changed (through its own transitions): its row, its ledger transactions, the caches. */
    void save(Reward r, List<LedgerTransaction> txns) throws SQLException {
        long rowId = rewards.update(r, txns);
        cardStates.changed(r);
        pointsCleared(r);
        if (r.status() == Reward.Status.SENT || r.status() == Reward.Status.POSTED) {
            Clawbacks.record(c, rowId, r, txns, now);
        }
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
                null, m.cardId(), null, m.amount().minor(), m.amount().currency(), "acquirer " + s.acquirerId()
                + " MID " + s.mid() + " (\"" + s.descriptor() + "\") looks like merchant " + s.merchantId()
                + ": add the MID to it?"), now);
    }

    /** Sends the pending reward and ledger writes: the store then holds all the batch wrote to them. */
    void flush() throws SQLException {
        rewards.flush();
        cardStates.bonus().flush();
    }

    /** Sends everything: the writes, the outcomes, and one DELETE of the finished queue rows. Then closes. */
    void finish() throws SQLException {
        try {
            flush();
            if (outcomesPending > 0) {
                outcomes.executeBatch();
                outcomesPending = 0;
            }
            MatchQueue.remove(c, done);
            tiers.finish();
        } finally {
            close();
        }
    }

    private void close() throws SQLException {
        try {
            if (outcomes != null) {
                outcomes.close();
            }
        } finally {
            try {
                rewards.close();
            } finally {
                cardStates.bonus().close();
            }
        }
    }

    /** The batch's punches and threshold spend (bonus offers, V26). */
    BonusCounts bonus() {
        return cardStates.bonus();
    }

    /** The offer of a reward read or earned in this batch. */
    String offerOf(String rewardId) {
        return rewards.offerOf(rewardId);
    }

    /** A card's live rewards for an offer with the purchase's local date in [from, to), locked. */
    List<MatcherRewards.Dated> liveOf(long cardId, String offerId, LocalDate from, LocalDate to) throws SQLException {
        return rewards.liveOf(cardId, offerId, from, to);
    }

    /** The card's history for the engine, for the message that arrived {@code beforeSeq}: caps and activations from the batch. */
    CardState cardState(long cardId, long beforeSeq) {
        return cardStates.of(cardId, beforeSeq);
    }
}
