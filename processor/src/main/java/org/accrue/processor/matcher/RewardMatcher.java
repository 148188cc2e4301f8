/*
 * Turns stored card messages into rewards, off the acknowledgement path. The
 * journal leaves an outbox row (match_queue) with every stored message; this
 * worker takes due rows in id order, runs the pure matching engine and the
 * reward lifecycle on them, and writes rewards, ledger entries and the
 * "why" of each purchase in the same transaction that removes the rows from
 * the queue: a crash repeats a batch, never half of it, and a purchase is
 * never rewarded twice (unique lifecycle key per offer, checked first).
 *
 *   01xx purchase            -> rewards PENDING (waiting for clearing)
 *   0200 purchase            -> rewards PENDING and cleared at once
 *   0220 clearing            -> clears the auth's rewards (or earns, when no auth came)
 *   02xx refund (DE3 20)     -> reduces the purchase's rewards in proportion (same DE37)
 *   04xx reversal            -> finds the original by DE90 (or, zero-filled, by token + DE37 + DE38 + amount);
 *                               DE95 reduces in proportion, otherwise all; an original not yet here is retried
 * A sweep makes cleared rewards AVAILABLE after their return period and expires auths never cleared.
 *
 * A message the matcher cannot process must not stop the others (issue 12: one stored 0220 in currency 820
 * failed every batch it was in, for good, and 160,851 purchases waited behind it). When a batch fails, the
 * failure is judged first:
 *   - the store's fault (an SQLException other than a data or constraint error: connection lost, deadlock,
 *     lock or query timeout, pool exhausted): the whole batch is tried again after a pause; nobody is charged;
 *   - otherwise it may be a message's fault (an exception from the domain code, or a data/constraint error):
 *     each message of the batch is matched alone, in its own transaction. The ones that go through are
 *     committed; one that fails alone is charged a failure (match_queue.failures) and waits
 *     FAILURE_RETRY_AFTER before its next try, so the batches after it go on without it. A message that has
 *     failed before is always matched alone, never again inside a batch.
 * A message is charged only when the same pass shows the matcher works: something else went through, or it
 * was the only one that failed. When two or more messages of a batch all fail alone and nothing goes through,
 * the fault is the matcher's (a bad catalog, a bug, a schema problem), not theirs: nobody is charged and the
 * batch is tried again after a pause, so a bad deploy cannot quarantine the stream.
 * After FAILURES_MAX (3) failures the message leaves the queue as one MATCH_QUARANTINED processing exception
 * (message key, card last four, amount, the reason), counted in accrue.rewards.messages.quarantined; ops RETRY
 * it (back into the queue) once the cause is fixed, or WRITE_OFF it. Why 3: a deterministic failure fails the
 * same way every time, so one would do for it; the two more tries, 30 s apart, absorb a failure that only looked
 * like the message's (a race with another node on a lifecycle's unique key, a generic error from a store in
 * trouble), and they cost that one message about a minute.
 */
package org.accrue.processor.matcher;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.accrue.processor.ids.Ids;
import org.accrue.processor.catalog.Catalog;
import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.CardState;
import org.accrue.rewards.matching.Earned;
import org.accrue.rewards.matching.MatchResult;
import org.accrue.rewards.matching.MatchingEngine;
import org.accrue.rewards.matching.MerchantDirectory;
import org.accrue.rewards.matching.Periods;
import org.accrue.rewards.matching.Purchase;
import org.accrue.rewards.matching.RewardUnit;
import org.accrue.rewards.money.Money;
import org.accrue.rewards.offers.Offer;
import org.hibernate.SessionFactory;
import org.hibernate.StatelessSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class RewardMatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RewardMatcher.class);
    public static final int BATCH_SIZE_MAX = 504; // 63 a lane when one worker takes all 8
    /** Queue lanes (V15; MessageJournal.matchLane): a card's messages all in one. */
    public static final int LANES = org.accrue.processor.intake.MessageJournal.MATCH_LANES;
    private static final int[] ALL_LANES = java.util.stream.IntStream.range(0, LANES).toArray();
    /** A message that fails alone this many times leaves the queue as a MATCH_QUARANTINED exception (header: why 3). */
    public static final int FAILURES_MAX = 3;
    /** How long a message that failed alone waits before it is tried (alone) again. */
    public static final Duration FAILURE_RETRY_AFTER = Duration.ofSeconds(30);
    private static final int REASON_CHARS_MAX = 300;
    private static final java.util.regex.Pattern DIGIT_RUN = java.util.regex.Pattern.compile("\\d{13,}");
    private static final Duration IDLE_POLL = Duration.ofMillis(200);
    private static final Duration YIELD_POLL = Duration.ofMillis(50);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(30);
    private static final Duration SWEEP_EVERY = Duration.ofSeconds(5);
    /** Rewards the sweep moves in one transaction, and the most pages it takes in one turn of the loop. */
    static final int SWEEP_PAGE_SIZE = 1000;
    private static final int SWEEP_PAGES_MAX = 20;
    private static final Duration CATALOG_RELOAD_EVERY = Duration.ofSeconds(30);

    private final SessionFactory sessions;
    private final Catalog catalog;
    private final InstantSource clock;
    private final Duration clearingWindow;
    private final String tierCurrency;
    private final Map<String, Long> tierThresholds;
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicLong matched = new AtomicLong();
    private final AtomicLong quarantined = new AtomicLong();
    private final RewardIds rewardIds = new RewardIds(); // shared by the workers and runOnce's callers (synchronized)
    private volatile boolean running = true;
    private MatchPace pace;
    private volatile MatchingEngine engine;
    private volatile Map<String, Offer> offers = Map.of();
    private long catalogVersion = -1;
    private Instant catalogLoadedAt = Instant.MIN;
    private Instant lastSweep = Instant.MIN;

    public RewardMatcher(SessionFactory sessions, Catalog catalog, InstantSource clock, Duration clearingWindow) {
        this(sessions, catalog, clock, clearingWindow, "840", Map.of());
    }

    public RewardMatcher(SessionFactory sessions, Catalog catalog, InstantSource clock, Duration clearingWindow,
                         String tierCurrency, Map<String, Long> tierThresholds) {
        this(sessions, catalog, clock, clearingWindow, tierCurrency, tierThresholds, 1);
    }

    /**
     * {@code workerCount} workers (1..LANES), each on its own connection, each taking only its own lanes of the queue
     * (lane % workerCount == its index): a card's messages are always matched by one worker, in id order.
     */
    public RewardMatcher(SessionFactory sessions, Catalog catalog, InstantSource clock, Duration clearingWindow,
                         String tierCurrency, Map<String, Long> tierThresholds, int workerCount) {
        if (workerCount < 1 || workerCount > LANES) {
            throw new IllegalArgumentException("matcher workers must be 1.." + LANES + ", was " + workerCount);
        }
        this.tierCurrency = tierCurrency;
        this.tierThresholds = Map.copyOf(tierThresholds);
        this.sessions = sessions;
        this.catalog = catalog;
        this.clock = clock;
        this.clearingWindow = clearingWindow;
        for (int i = 0; i < workerCount; i++) {
            int index = i;
            int[] own = java.util.stream.IntStream.range(0, LANES).filter(l -> l % workerCount == index).toArray();
            workers.add(Thread.ofPlatform().name(workerCount == 1 ? "accrue-matcher" : "accrue-matcher-" + i).daemon(true)
                    .unstarted(() -> loop(index, own)));
        }
    }

    public RewardMatcher start() {
        workers.forEach(Thread::start);
        return this;
    }

    /** True while every worker thread runs (health). */
    public boolean isRunning() {
        return workers.stream().allMatch(Thread::isAlive);
    }

    /** Messages matched since start (a gauge). */
    public long matched() {
        return matched.get();
    }

    /** Messages this matcher moved out of the queue into MATCH_QUARANTINED exceptions since start (a counter). */
    public long quarantined() {
        return quarantined.get();
    }

    /** Shares the node with the intake as {@code pace} says (bursts first); call before start(). */
    public RewardMatcher pacedBy(MatchPace pace) {
        this.pace = pace;
        return this;
    }

    private void loop(int index, int[] lanes) {
        while (running) {
            try {
                if (pace != null && pace.matcherShouldYield()) {
                    Thread.sleep(YIELD_POLL.toMillis()); // a burst is being stored: match it when it is over
                    continue;
                }
                int n = runOnce(lanes);
                Instant now = clock.instant();
                if (index == 0 && Duration.between(lastSweep, now).compareTo(SWEEP_EVERY) >= 0) {
                    // Page after page while pages come full, a bounded number per turn so the queue is not starved.
                    for (int page = 0; page < SWEEP_PAGES_MAX && sweep(now) == SWEEP_PAGE_SIZE; page++) {
                        now = clock.instant();
                    }
                    lastSweep = now;
                }
                if (n == 0) {
                    Thread.sleep(IDLE_POLL.toMillis()); // idle: nothing due in the queue
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.warn("matching batch failed, will retry: {}", e.toString());
                try {
                    Thread.sleep(RETRY_AFTER.toMillis() / 10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private synchronized void refreshCatalog(Instant now) {
        long v = catalog.version();
        if (v != catalogVersion || Duration.between(catalogLoadedAt, now).compareTo(CATALOG_RELOAD_EVERY) >= 0) {
            List<Offer> all = catalog.offers();
            Map<String, Offer> byId = new HashMap<>();
            all.forEach(o -> byId.put(o.id(), o));
            engine = new MatchingEngine(new MerchantDirectory(catalog.merchants()), all);
            offers = byId;
            catalogVersion = v;
            catalogLoadedAt = now;
        }
    }

    /**
     * Matches one batch of due queue rows, and alone each due message that failed before (or all of the batch, when
     * the batch failed not by the store's fault); returns how many messages it took. Visible for tests and the demo.
     * Throws when the store is at fault, or when a whole batch fails alone (the matcher's fault): nobody is charged.
     */
    public int runOnce() {
        return runOnce(ALL_LANES);
    }

    /** As runOnce(), for the queue rows of these lanes only (a worker's; tests race two of them). */
    int runOnce(int[] lanes) {
        Instant now = clock.instant();
        refreshCatalog(now);
        List<Queued> due = new ArrayList<>();
        int batchDone;
        boolean batchFailed = false;
        try {
            batchDone = inTransaction(c -> {
                due.addAll(takeDue(c, now, lanes));
                List<Long> fresh = due.stream().filter(q -> q.failures() == 0).map(Queued::messageId).toList();
                return fresh.isEmpty() ? 0 : match(c, fresh, now);
            });
        } catch (RuntimeException e) {
            if (due.isEmpty() || Fault.of(e) == Fault.STORE) {
                throw e; // the store's fault (or nothing taken): the whole batch again after a pause
            }
            log.warn("a matching batch of {} failed ({}); matching its messages one at a time", due.size(), reason(e));
            batchDone = 0;
            batchFailed = true;
        }
        matched.addAndGet(batchDone);
        boolean wholeBatch = batchFailed;
        List<Queued> alone = due.stream().filter(q -> wholeBatch || q.failures() > 0).toList();
        if (!alone.isEmpty()) {
            matchAlone(alone, batchDone, now);
        }
        return due.size();
    }

    /** Matches each message alone; charges those that fail alone, unless nothing shows the matcher itself works. */
    private void matchAlone(List<Queued> alone, int batchDone, Instant now) {
        int done = 0;
        int freshFailed = 0;
        Map<Long, RuntimeException> failed = new java.util.LinkedHashMap<>();
        for (Queued q : alone) {
            try {
                if (inTransaction(c -> takeOne(c, q.messageId(), now) && match(c, List.of(q.messageId()), now) > 0)) {
                    done++;
                }
            } catch (RuntimeException e) {
                if (Fault.of(e) == Fault.STORE) {
                    matched.addAndGet(done);
                    throw e; // nobody is charged for the store's trouble
                }
                failed.put(q.messageId(), e);
                freshFailed += q.failures() == 0 ? 1 : 0;
            }
        }
        matched.addAndGet(done);
        if (failed.isEmpty()) {
            return;
        }
        if (batchDone == 0 && done == 0 && freshFailed >= 2) {
            RuntimeException first = failed.values().iterator().next();
            throw new IllegalStateException("all " + failed.size() + " messages of a batch failed alone, so the fault is "
                    + "the matcher's or the store's, not theirs; nobody is charged; the first: " + reason(first), first);
        }
        for (Map.Entry<Long, RuntimeException> f : failed.entrySet()) {
            if (inTransaction(c -> charge(c, f.getKey(), f.getValue(), now))) {
                quarantined.incrementAndGet();
            }
        }
    }

    /** A due queue row as taken: the message, and how often it failed alone before. */
    private record Queued(long messageId, int failures) {
    }

    /** Whose fault a failure is: the store's (try the batch again, charge nobody) or maybe a message's. */
    enum Fault {
        STORE, MESSAGE;

        /**
         * The first SQLException in the cause chain decides: a data error (SQLState class 22) or a constraint
         * violation (23) can come from a message's content; every other one (08 connection, 40 deadlock or
         * rollback, HY000 lock wait timeout, HYT00 query timeout, 42 a schema that is not what the code expects)
         * is the store's. No SQLException at all: an exception of the domain code, maybe the message's.
         */
        static Fault of(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SQLException sql) {
                    String state = sql.getSQLState();
                    return state != null && (state.startsWith("22") || state.startsWith("23")) ? MESSAGE : STORE;
                }
            }
            return MESSAGE;
        }
    }

    /** Charges a failure alone to a message: it waits, or after FAILURES_MAX leaves the queue for ops. True: it left. */
    private boolean charge(Connection c, long messageId, RuntimeException cause, Instant now) throws SQLException {
        int failures;
        try (PreparedStatement ps = c.prepareStatement("select failures from match_queue where message_id = ? for update")) {
            ps.setLong(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false; // matched meanwhile by another node
                }
                failures = rs.getInt(1) + 1;
            }
        }
        String reason = reason(cause);
        if (failures < FAILURES_MAX) {
            try (PreparedStatement ps = c.prepareStatement("update match_queue set failures = ?, not_before = ? "
                    + "where message_id = ?")) {
                ps.setInt(1, failures);
                ps.setTimestamp(2, ts(now.plus(FAILURE_RETRY_AFTER)));
                ps.setLong(3, messageId);
                ps.executeUpdate();
            }
            log.warn("message {} failed matching alone ({} of {}); tried again alone after {}: {}", messageId, failures,
                    FAILURES_MAX, FAILURE_RETRY_AFTER, reason);
            return false;
        }
        quarantine(c, messageId, failures, reason, now);
        try (PreparedStatement ps = c.prepareStatement("delete from match_queue where message_id = ?")) {
            ps.setLong(1, messageId);
            ps.executeUpdate();
        }
        log.error("message {} failed matching alone {} times and left the queue: MATCH_QUARANTINED exception for ops: {}",
                messageId, failures, reason);
        return true;
    }

    /** The MATCH_QUARANTINED exception of a message: its key, card (last four), amount, and why it failed. */
    private static void quarantine(Connection c, long messageId, int failures, String reason, Instant now) throws SQLException {
        String key = null;
        String mti = null;
        Long amount = null;
        String currency = null;
        Long cardId = null;
        String issuerId = null;
        String last4 = null;
        try (PreparedStatement ps = c.prepareStatement("select m.message_key, m.mti, m.amount_minor, m.currency, m.card_id, "
                + "k.issuer_id, k.last4 from card_message m left join card k on k.id = m.card_id where m.id = ?")) {
            ps.setLong(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    key = rs.getString(1);
                    mti = rs.getString(2);
                    amount = rs.getLong(3);
                    currency = rs.getString(4);
                    cardId = rs.getLong(5);
                    issuerId = rs.getString(6);
                    last4 = rs.getString(7);
                }
            }
        }
        int earlier;
        try (PreparedStatement ps = c.prepareStatement("select count(*) from processing_exception where type = ? "
                + "and message_id = ?")) {
            ps.setString(1, Exceptions.Type.MATCH_QUARANTINED.name());
            ps.setLong(2, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                earlier = rs.getInt(1);
            }
        }
        String alpha = alphaOrNull(currency);
        String stored = key == null ? "; no stored message or card was found for it"
                : alpha == null ? "; amount " + amount + " in currency '" + currency + "' as stored" : "";
        String detail = "message " + messageId + (mti == null ? "" : " (MTI " + mti + ")") + " failed matching alone "
                + failures + " times and left the queue: " + reason + stored + ". Once the cause is fixed, RETRY puts it "
                + "back in the queue; WRITE_OFF leaves it unmatched.";
        // A message RETRIED and quarantined again is a new exception (the resolved one stays as it was).
        Exceptions.raise(c, new Exceptions.Raise(Exceptions.Type.MATCH_QUARANTINED,
                "message " + messageId + " #" + (earlier + 1), issuerId, cardId, last4, alpha == null ? null : amount, alpha,
                detail, null, null, key, messageId), now);
    }

    private static String alphaOrNull(String numeric) {
        try {
            return numeric == null ? null : Money.alphaOf(numeric);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** What failed, short, for logs and ops: class and message, with any long digit run blanked (never a PAN). */
    static String reason(Throwable e) {
        String r = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        r = DIGIT_RUN.matcher(r).replaceAll("<digits>");
        return r.length() > REASON_CHARS_MAX ? r.substring(0, REASON_CHARS_MAX) + "..." : r;
    }

    /**
     * Puts a quarantined message back in the queue, to be matched again (alone first, as a message that failed); the
     * exceptions queue calls it when ops RETRY. False when the message is not stored.
     */
    public static boolean requeue(Connection c, long messageId, Instant now) throws SQLException {
        long cardId;
        try (PreparedStatement ps = c.prepareStatement("select card_id from card_message where id = ?")) {
            ps.setLong(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                cardId = rs.getLong(1);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("insert into match_queue (message_id, lane, not_before, attempts, failures) "
                + "values (?, ?, ?, 0, 0) on duplicate key update failures = 0, not_before = values(not_before)")) {
            ps.setLong(1, messageId);
            ps.setInt(2, org.accrue.processor.intake.MessageJournal.matchLane(cardId));
            ps.setTimestamp(3, ts(now));
            ps.executeUpdate();
        }
        return true;
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** One transaction of the matcher's own: committed if {@code work} returns, rolled back if it throws. */
    private <T> T inTransaction(Work<T> work) {
        try (StatelessSession s = sessions.openStatelessSession()) {
            var tx = s.beginTransaction();
            try {
                T t = s.doReturningWork(c -> {
                    readCommitted(c);
                    return work.run(c);
                });
                tx.commit();
                return t;
            } catch (RuntimeException e) {
                try {
                    if (tx.isActive()) {
                        tx.rollback();
                    }
                } catch (RuntimeException rollback) {
                    e.addSuppressed(rollback); // the connection is gone: the transaction went with it
                }
                throw e;
            }
        }
    }

    /**
     * The matcher's transactions read what is committed when each statement runs (the pool restores the default after):
     * workers match side by side, and an offer's budget is summed after its row lock is held (MatchBatch.budgetSpent),
     * so the sum must see what the worker that held the lock before has committed, not a snapshot from before it.
     * A card's own messages never race: one lane, one worker.
     */
    private static void readCommitted(Connection c) throws SQLException {
        if (c.getTransactionIsolation() != Connection.TRANSACTION_READ_COMMITTED) {
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        }
    }

    /** Messages still waiting to be matched. */
    public long backlog() {
        return sessions.fromSession(s -> ((Number) s.createNativeQuery("select count(*) from match_queue", Object.class)
                .getSingleResult()).longValue());
    }

    /**
     * Due queue rows of the lanes, oldest first in each lane (ix_match_queue_lane), locked for this transaction
     * (another node skips them); in id order, so each card's messages are handled in the order they were stored.
     */
    private static List<Queued> takeDue(Connection c, Instant now, int[] lanes) throws SQLException {
        List<Queued> due = new ArrayList<>();
        int perLane = Math.max(1, BATCH_SIZE_MAX / lanes.length);
        try (PreparedStatement ps = c.prepareStatement("select message_id, failures from match_queue where lane = ? "
                + "and not_before <= ? order by message_id limit ? for update skip locked")) {
            for (int lane : lanes) {
                ps.setInt(1, lane);
                ps.setTimestamp(2, ts(now));
                ps.setInt(3, perLane);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        due.add(new Queued(rs.getLong(1), rs.getInt(2)));
                    }
                }
            }
        }
        due.sort(java.util.Comparator.comparingLong(Queued::messageId));
        return due;
    }

    /** Locks one queue row if it is still due and no other node has it. */
    private static boolean takeOne(Connection c, long messageId, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from match_queue where message_id = ? and not_before <= ? "
                + "for update skip locked")) {
            ps.setLong(1, messageId);
            ps.setTimestamp(2, ts(now));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Matches the queued messages {@code ids} (locked by the caller) in this transaction; returns how many. */
    private int match(Connection c, List<Long> ids, Instant now) throws SQLException {
        List<StoredMessage> messages = new ArrayList<>();
        // The messages alone, by primary key; then their cards' issuers in a statement of their own. Every join of the
        // two was planned badly as the tables grew: a plain join read each card's whole history through
        // ix_card_message_card (1,900 purchases/s at 2 million stored), a straight_join copied every message row into
        // a join buffer and compared it with every card (a fifth of mariadbd's CPU under perf). Issue 13.
        try (PreparedStatement ps = c.prepareStatement("select " + StoredMessage.COLUMNS
                + " from card_message m where m.id in (" + Sql.marks(ids.size()) + ") order by m.id")) {
            for (int i = 0; i < ids.size(); i++) {
                ps.setLong(i + 1, ids.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    messages.add(StoredMessage.read(rs));
                }
            }
        }
        List<Long> cardIds = messages.stream().map(StoredMessage::cardId).distinct().toList();
        Map<Long, String> issuers = new HashMap<>();
        if (!cardIds.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("select id, issuer_id from card where id in ("
                    + Sql.marks(cardIds.size()) + ")")) {
                for (int i = 0; i < cardIds.size(); i++) {
                    ps.setLong(i + 1, cardIds.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        issuers.put(rs.getLong(1), rs.getString(2));
                    }
                }
            }
        }
        messages.replaceAll(m -> m.withIssuer(issuers.get(m.cardId())));
        messages.removeIf(m -> m.issuerId() == null); // a message whose card cannot be read: reported just below
        if (messages.size() < ids.size()) {
            // A queue row whose message (or card) cannot be read would otherwise stay in the batch for good.
            List<Long> missing = new ArrayList<>(ids);
            messages.forEach(m -> missing.remove(Long.valueOf(m.id())));
            throw new IllegalStateException("no stored message with an enrolled card for queued message(s) " + missing);
        }
        MatchBatch w = batch(c, now);
        w.prefetch(messages);
        for (StoredMessage m : messages) {
            Handled h = handle(w, m, now);
            switch (h) {
                case DONE -> w.dequeue(m.id());
                case LATER -> w.retry(m.id(), now.plus(RETRY_AFTER));
                case SOON -> w.retry(m.id(), now);
            }
        }
        w.finish();
        return ids.size();
    }

    private MatchBatch batch(Connection c, Instant now) {
        return new MatchBatch(c, now, rewardIds, tierCurrency, tierThresholds);
    }

    /** What to do with a message's queue row after handling it. */
    private enum Handled { DONE, LATER, SOON }

    private Handled handle(MatchBatch w, StoredMessage m, Instant now) throws SQLException {
        String cls = m.messageClass();
        if (cls.equals("04")) {
            return reverse(w, m, now);
        }
        handleNonReversal(w, m, now);
        return Handled.DONE;
    }

    private void handleNonReversal(MatchBatch w, StoredMessage m, Instant now) throws SQLException {
        String cls = m.messageClass();
        if (m.isRefund() && cls.equals("02")) {
            List<Reward> rewards = w.rewardsByRrn(m.rrnKey());
            if (rewards.isEmpty()) {
                rewards = w.rewardsOfLatestPurchaseAt(m); // failing DE37: same card and MID, within the return period
            }
            if (rewards.isEmpty()) {
                w.outcome(m, null, "NONE", 0, "refund: no rewarded purchase with this DE37, or at this MID within its return period");
                return;
            }
            for (Reward r : rewards) {
                long purchase = w.purchaseMinor(r.id());
                long returnedBase = purchase == 0 ? 0 : Money.divide(Math.multiplyExact(m.amountMinor(), r.originalBase()),
                        purchase, java.math.RoundingMode.HALF_UP);
                w.save(r, r.returned(returnedBase, now));
            }
            w.outcome(m, null, "NONE", 0, "refund of " + m.amountMinor() + " reduced " + rewards.size() + " reward(s)");
            return;
        }
        if (!m.isPurchase()) {
            w.outcome(m, null, "NONE", 0, "processing code " + m.processingCode() + " is not rewarded");
            return;
        }
        List<Reward> existing = w.rewardsByLifecycle(m.lifecycleKey());
        boolean clears = cls.equals("02");
        if (!existing.isEmpty() || (m.mti().startsWith("022") && w.authSeen(m))) {
            if (clears) {
                for (Reward r : existing) {
                    w.save(r, r.clear(now));
                }
            }
            w.outcome(m, null, "NONE", 0, clears ? "clearing of an earlier purchase" : "repeat of an earlier purchase");
            return;
        }
        earn(w, m, now, clears);
        return;
    }

    private void earn(MatchBatch w, StoredMessage m, Instant now, boolean cleared) throws SQLException {
        Purchase p = purchase(m);
        MatchResult r = engine.match(p, w.cardState(m.cardId(), m.id()), w::budgetSpent);
        StringBuilder detail = new StringBuilder();
        for (Earned e : r.earned()) {
            Offer o = e.offer();
            String funder = switch (o.funding()) {
                case MERCHANT -> "MERCHANT:" + (o.merchantId() != null ? o.merchantId() : r.merchantId());
                case ISSUER -> "ISSUER:" + m.issuerId();
                case PARTNER -> "PARTNER:" + o.id();
            };
            Reward.Earning earning = Reward.earn(Ids.next("rw"),
                    Long.toString(m.cardId()), m.issuerId(), funder, e.unit(), e.amount(), Math.max(1, e.baseMinor()),
                    m.receivedAt(), Duration.ofDays(o.returnPeriodDays()));
            List<LedgerTransaction> txns = new ArrayList<>(earning.transactions());
            if (cleared) {
                txns.addAll(earning.reward().clear(now));
                // A return period that is over when the purchase clears (0 days) makes the reward available now, in
                // this transaction, as the sweep would a moment later (issue 13: the sweep took 1,000 every 5 s).
                txns.addAll(earning.reward().advance(now, clearingWindow));
            }
            w.insert(earning.reward(), m, o, r.merchantId(), e, p.local().toLocalDate(), txns);
            detail.append("earned ").append(o.id()).append(' ').append(e.amount()).append(' ').append(e.unit().code()).append("; ");
        }
        for (MatchResult.Declined d : r.declined()) {
            detail.append(d.offerId()).append(": ").append(d.reason()).append("; ");
        }
        if (r.suggestion() != null) {
            w.midSuggestion(r.suggestion(), m);
            detail.append("MID ").append(m.merchantId()).append(" looks like merchant ").append(r.suggestion().merchantId())
                    .append(" (suggested to ops); ");
        }
        if (r.earned().isEmpty() && r.declined().isEmpty()) {
            detail.append(r.resolution() == MatchResult.Resolution.NONE ? "no merchant or category offer matched" : "no offers for this merchant");
        }
        w.outcome(m, r.merchantId(), r.resolution().name(), r.earned().size(), detail.toString());
    }

    private Handled reverse(MatchBatch w, StoredMessage m, Instant now) throws SQLException {
        if (m.origMti() == null) {
            w.outcome(m, null, "NONE", 0, "reversal without DE90");
            return Handled.DONE;
        }
        StoredOriginal orig = w.original(m);
        if (orig == null) {
            if (!now.isBefore(m.receivedAt().plus(clearingWindow))) {
                w.outcome(m, null, "NONE", 0, "reversal: original never arrived");
                return Handled.DONE;
            }
            return Handled.LATER; // the original may still come: look again later
        }
        if (w.queued(orig.messageId())) {
            // The original is stored but not matched yet (it came later, so it has a higher id): its rewards do not
            // exist yet. Look again as soon as this batch has matched it.
            return Handled.SOON;
        }
        List<Reward> rewards = w.rewardsByLifecycle(orig.lifecycleKey());
        for (Reward r : rewards) {
            if (m.replacementAmountMinor() == null || orig.amountMinor() == 0) {
                w.save(r, r.reduceTo(0, now));
            } else {
                long remaining = Money.divide(Math.multiplyExact(r.originalBase(), m.replacementAmountMinor()), orig.amountMinor(),
                        java.math.RoundingMode.DOWN);
                w.save(r, r.reduceTo(remaining, now));
            }
        }
        w.outcome(m, null, "NONE", 0, (m.replacementAmountMinor() == null ? "full" : "partial") + " reversal of "
                + rewards.size() + " reward(s)");
        return Handled.DONE;
    }

    record StoredOriginal(long messageId, String lifecycleKey, long amountMinor) {
    }

    /**
     * Makes cleared rewards available after their return period and expires auths never cleared, at most
     * SWEEP_PAGE_SIZE in one transaction; returns how many it moved.
     */
    public int sweep(Instant now) {
        return inTransaction(c -> {
            MatchBatch w = batch(c, now);
            List<Reward> due = w.due(clearingWindow, SWEEP_PAGE_SIZE);
            for (Reward r : due) {
                w.save(r, r.advance(now, clearingWindow));
            }
            w.finish();
            return due.size();
        });
    }

    static Purchase purchase(StoredMessage m) {
        LocalDateTime local = localTime(m);
        Money amount = Money.of(m.amountMinor(), Money.alphaOf(m.currency()));
        Money billing = m.billingAmountMinor() == null ? null : Money.of(m.billingAmountMinor(), Money.alphaOf(m.billingCurrency()));
        return new Purchase(m.receivedAt(), local, m.posEntryMode() != null && m.posEntryMode().startsWith("81"), amount,
                billing, m.tipMinor(), m.acquirerId(), m.merchantId(), m.acceptorName(), m.mcc());
    }

    /** The merchant's local date and time (DE13/DE12); the year is the one that puts it nearest the receipt time. */
    static LocalDateTime localTime(StoredMessage m) {
        LocalDateTime received = LocalDateTime.ofInstant(m.receivedAt(), ZoneOffset.UTC);
        if (m.localDate() == null || m.localTime() == null) {
            return received;
        }
        int month = Integer.parseInt(m.localDate().substring(0, 2));
        int day = Integer.parseInt(m.localDate().substring(2));
        LocalTime t = LocalTime.of(Integer.parseInt(m.localTime().substring(0, 2)), Integer.parseInt(m.localTime().substring(2, 4)),
                Integer.parseInt(m.localTime().substring(4)));
        LocalDateTime best = null;
        for (int y = received.getYear() - 1; y <= received.getYear() + 1; y++) {
            if (month == 2 && day == 29 && !java.time.Year.isLeap(y)) {
                continue;
            }
            LocalDateTime c = LocalDateTime.of(LocalDate.of(y, month, day), t);
            if (best == null || Duration.between(c, received).abs().compareTo(Duration.between(best, received).abs()) < 0) {
                best = c;
            }
        }
        return best == null ? received : best;
    }

    static Timestamp ts(Instant i) {
        return Timestamp.valueOf(LocalDateTime.ofInstant(i, ZoneOffset.UTC));
    }

    static Instant instant(ResultSet rs, int col) throws SQLException {
        LocalDateTime t = rs.getObject(col, LocalDateTime.class);
        return t == null ? null : t.toInstant(ZoneOffset.UTC);
    }

    @Override
    public void close() {
        running = false;
        workers.forEach(Thread::interrupt);
        try {
            for (Thread w : workers) {
                w.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
