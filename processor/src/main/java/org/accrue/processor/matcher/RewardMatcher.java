/*
 * Turns stored card messages into rewards, off the acknowledgement path. The
 * journal leaves an outbox row (match_queue) with every stored message; this
 * worker takes due rows in arrival (seq) order, runs the pure matching engine and the
 * reward lifecycle on them, and writes rewards, ledger entries and the
 * "why" of each purchase in the same transaction that removes the rows from
 * the queue: a crash repeats a batch, never half of it, and a purchase is
 * never rewarded twice (unique lifecycle key per offer, checked first).
 *
 * This class is the queue worker: lanes and workers, the pace it shares with the intake, the catalog it matches
 * against, batches and their transactions, and what a failure costs (below). What a message does to rewards is
 * RewardLifecycle's, the batch's reads and writes MatchBatch's (reward and ledger rows through
 * rewardbook.MatcherRewards), the engine's questions about cards CardStates', the queue's rows MatchQueue's.
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
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.accrue.processor.catalog.Catalog;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.MatchingEngine;
import org.accrue.rewards.matching.MerchantDirectory;
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
    private static final Duration SWEEP_EVERY = Duration.ofSeconds(5);
    /** Rewards the sweep moves in one transaction, and the most pages it takes in one turn of the loop. */
    static final int SWEEP_PAGE_SIZE = 1000;
    private static final int SWEEP_PAGES_MAX = 20;
    private static final Duration CATALOG_RELOAD_EVERY = Duration.ofSeconds(30);

    private final SessionFactory sessions;
    private final Catalog catalog;
    private final InstantSource clock;
    private final Duration clearingWindow;
    private final org.accrue.processor.tiers.TierProgram defaultTiers; // the configuration's tier program, or null
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicLong matched = new AtomicLong();
    private final AtomicLong quarantined = new AtomicLong();
    private final RewardIds rewardIds = new RewardIds(); // shared by the workers and runOnce's callers (synchronized)
    private volatile boolean running = true;
    private MatchPace pace;
    private volatile MatchingEngine engine;
    private volatile ProgramPoints programPoints = ProgramPoints.NONE;
    private org.accrue.processor.points.PointsPrograms pointsPrograms; // null: reloaded with the catalog only
    private long programsVersion = -1;
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
     * (lane % workerCount == its index), and of those the lanes no other worker of the cluster holds (MatchQueue.takeDue):
     * a card's messages are always matched by one worker at a time, in arrival order, whichever node stored them.
     */
    public RewardMatcher(SessionFactory sessions, Catalog catalog, InstantSource clock, Duration clearingWindow,
                         String tierCurrency, Map<String, Long> tierThresholds, int workerCount) {
        if (workerCount < 1 || workerCount > LANES) {
            throw new IllegalArgumentException("matcher workers must be 1.." + LANES + ", was " + workerCount);
        }
        this.defaultTiers = org.accrue.processor.tiers.TierPrograms.fromConfig(tierCurrency, Map.copyOf(tierThresholds));
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
                    Thread.sleep(RewardLifecycle.RETRY_AFTER.toMillis() / 10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Programs created on this node are earned from the next batch on (else within CATALOG_RELOAD_EVERY). */
    public synchronized RewardMatcher earningFrom(org.accrue.processor.points.PointsPrograms programs) {
        this.pointsPrograms = programs;
        return this;
    }

    private synchronized void refreshCatalog(Instant now) {
        long v = catalog.version();
        long pv = pointsPrograms == null ? -1 : pointsPrograms.version();
        if (v != catalogVersion || pv != programsVersion
                || Duration.between(catalogLoadedAt, now).compareTo(CATALOG_RELOAD_EVERY) >= 0) {
            programPoints = new ProgramPoints(inTransaction(org.accrue.processor.points.PointsPrograms::stored));
            programsVersion = pv;
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
        List<MatchQueue.Queued> due = new ArrayList<>();
        int batchDone;
        boolean batchFailed = false;
        try {
            batchDone = inTransaction(c -> {
                due.addAll(MatchQueue.takeDue(c, now, lanes, BATCH_SIZE_MAX));
                List<Long> fresh = due.stream().filter(q -> q.failures() == 0).map(MatchQueue.Queued::messageId).toList();
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
        List<MatchQueue.Queued> alone = due.stream().filter(q -> wholeBatch || q.failures() > 0).toList();
        if (!alone.isEmpty()) {
            matchAlone(alone, batchDone, now);
        }
        return due.size();
    }

    /** Matches each message alone; charges those that fail alone, unless nothing shows the matcher itself works. */
    private void matchAlone(List<MatchQueue.Queued> alone, int batchDone, Instant now) {
        int done = 0;
        int freshFailed = 0;
        Map<Long, RuntimeException> failed = new java.util.LinkedHashMap<>();
        for (MatchQueue.Queued q : alone) {
            try {
                if (inTransaction(c -> MatchQueue.takeOne(c, q.messageId(), now) && match(c, List.of(q.messageId()), now) > 0)) {
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
            if (inTransaction(c -> MatchQueue.charge(c, f.getKey(), f.getValue(), now))) {
                quarantined.incrementAndGet();
            }
        }
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
        return MatchQueue.requeue(c, messageId, now);
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
     * A card's own messages never race: one lane, held by one worker of the cluster at a time (match_lane, V18).
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

    /** Matches the queued messages {@code ids} (locked by the caller) in this transaction; returns how many. */
    private int match(Connection c, List<Long> ids, Instant now) throws SQLException {
        List<StoredMessage> messages = new ArrayList<>(StoredMessage.read(c, ids));
        messages.removeIf(m -> m.issuerId() == null); // a message whose card cannot be read: reported just below
        if (messages.size() < ids.size()) {
            // A queue row whose message (or card) cannot be read would otherwise stay in the batch for good.
            List<Long> missing = new ArrayList<>(ids);
            messages.forEach(m -> missing.remove(Long.valueOf(m.id())));
            throw new IllegalStateException("no stored message with an enrolled card for queued message(s) " + missing);
        }
        MatchBatch w = batch(c, now);
        w.prefetch(messages);
        RewardLifecycle lifecycle = new RewardLifecycle(w, engine, offers::get, programPoints, clearingWindow, now);
        for (StoredMessage m : messages) {
            if (m.cardErased()) {
                // Stored by a journal batch that found the card before its erasure committed: it earns nothing, and
                // takes the erased card's token like the card's other messages.
                org.accrue.processor.intake.MessageJournal.relinkToCard(c, m.id());
                w.dequeue(m.id());
                continue;
            }
            switch (lifecycle.handle(m)) {
                case DONE -> {
                    w.dequeue(m.id());
                    w.counted(m); // toward the card's tier, once: a message is DONE once
                }
                case LATER -> w.retry(m.id(), now.plus(RewardLifecycle.RETRY_AFTER));
                case SOON -> w.retry(m.id(), now);
            }
        }
        w.finish();
        return ids.size();
    }

    private MatchBatch batch(Connection c, Instant now) {
        return new MatchBatch(c, now, rewardIds, defaultTiers);
    }

    /**
     * Makes cleared rewards available after their return period and expires auths never cleared, and takes back the
     * punches and threshold spend of auths never cleared; at most SWEEP_PAGE_SIZE rewards and as many auths' counts in
     * one transaction. Returns the larger of the two counts (SWEEP_PAGE_SIZE: a page was full, more may be due).
     */
    public int sweep(Instant now) {
        return inTransaction(c -> {
            MatchBatch w = batch(c, now);
            List<Reward> due = w.due(clearingWindow, SWEEP_PAGE_SIZE);
            RewardLifecycle life = new RewardLifecycle(w, engine, offers::get, clearingWindow, now);
            life.advance(due);
            int settled = life.settleUnclearedBonuses(SWEEP_PAGE_SIZE);
            w.finish();
            return Math.max(due.size(), Math.min(settled, SWEEP_PAGE_SIZE));
        });
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

    /**
     * Erasure of a card: waits for its lane (a batch matching the card's messages finishes first; the lane's row is
     * held until the caller commits, so no batch takes the lane meanwhile), then drops the card's messages still
     * waiting to be matched: an erased card earns nothing more. The messages stay stored.
     */
    public static int forgetCard(Connection c, long cardId) throws SQLException {
        return MatchQueue.forgetCard(c, cardId);
    }
}
