/*
 * How intake and matching share a node's cores (issue 13). On two cores a purchase costs more to match (a reward,
 * its ledger rows, its "why", about 20 index entries) than to store (a message row and its outbox row), and both
 * compete for the same CPU and the same MariaDB. Two rules, each one setting:
 *
 *   Bursts: while the intake is busy (at least busy-above-per-second messages stored per second on this node) and
 *   the backlog is under yield-backlog-max, the matcher waits, so a burst is acknowledged at the speed of storing
 *   alone; the backlog is matched as soon as the burst is over (an issuer's day has peaks and troughs).
 *
 *   Sustained overload: past intake backlog-max queued messages, each journal batch waits (up to backlog-wait-ms,
 *   never past half of its messages' commit deadline) for the matcher before it commits. Acknowledgements slow down
 *   to the pace the matcher keeps, a closed-loop issuer sends at that pace, and the backlog stays flat instead of
 *   growing for as long as the overload lasts. Nothing is refused for it: every message is still stored and 00.
 *
 * The backlog is estimated from this node's counters (queued at start + stored - matched - quarantined), which is
 * free; before a journal batch waits, the estimate is checked against the store (a count of match_queue bounded by
 * backlog-max + 1, at most every VERIFY_EVERY), because in a cluster another node may be matching what this one
 * stored. The matcher's yield relies on the estimate alone: being wrong costs only a delay while the intake is busy.
 */
package org.accrue.processor.matcher;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;

import org.accrue.config.AccrueConfig;

public final class MatchPace {
    /** The intake rate is measured over windows this long (nanoseconds). */
    static final long RATE_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** The store's own count is taken at most this often (nanoseconds), and only while the estimate is over. */
    static final long VERIFY_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** A waiting journal batch looks again this often (nanoseconds). */
    static final long WAIT_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final AccrueConfig.Pace config;
    private final LongSupplier stored;
    private final LongSupplier matched;
    private final LongUnaryOperator countQueueUpTo;
    private final long queuedAtStart;
    private final LongSupplier nanos;

    // The matcher workers': the intake rate (guarded by this).
    private long sampleNanos;
    private long sampleStored;
    private double ratePerSecond;
    private final AtomicBoolean yielding = new AtomicBoolean();

    // The journal writers': the last count the store gave, and the node's counters then.
    private final Object verifyLock = new Object();
    private long verifiedAtNanos;
    private long verified = -1;
    private long storedAtVerify;
    private long matchedAtVerify;
    private final AtomicBoolean pacing = new AtomicBoolean();
    private final LongAdder waits = new LongAdder();

    /**
     * @param stored         messages this node's journal stored since start
     * @param matched        messages this node's matcher took off the queue since start (matched and quarantined)
     * @param countQueueUpTo the store's match_queue rows, counted up to the given limit
     */
    public MatchPace(AccrueConfig.Pace config, LongSupplier stored, LongSupplier matched, LongUnaryOperator countQueueUpTo,
                     LongSupplier nanos) {
        this.config = config;
        this.stored = stored;
        this.matched = matched;
        this.countQueueUpTo = countQueueUpTo;
        this.nanos = nanos;
        long limit = Math.max(config.yieldBacklogMax(), config.intakeBacklogMax()) + 1L;
        this.queuedAtStart = config.yieldBacklogMax() == 0 && config.intakeBacklogMax() == 0 ? 0 : countQueueUpTo.applyAsLong(limit);
        // (At start the store is up: the node has just migrated it.)
        this.sampleNanos = nanos.getAsLong();
        this.sampleStored = stored.getAsLong();
    }

    /** Messages waiting to be matched, as this node's counters see it. */
    public long backlogEstimate() {
        return Math.max(0, queuedAtStart + stored.getAsLong() - matched.getAsLong());
    }

    /** The matcher's question before each batch: wait while a burst is being stored? Every worker asks it. */
    synchronized boolean matcherShouldYield() {
        long now = nanos.getAsLong();
        if (now - sampleNanos >= RATE_WINDOW_NANOS) {
            long s = stored.getAsLong();
            ratePerSecond = (s - sampleStored) * 1e9 / (now - sampleNanos);
            sampleNanos = now;
            sampleStored = s;
        }
        boolean y = config.yieldBacklogMax() > 0 && ratePerSecond >= config.busyAbovePerSecond()
                && backlogEstimate() < config.yieldBacklogMax();
        yielding.set(y);
        return y;
    }

    /** The journal's question before a batch commits: is the backlog over backlog-max (checked with the store)? */
    public boolean intakeShouldWait() {
        if (config.intakeBacklogMax() == 0 || backlogEstimate() <= config.intakeBacklogMax()) {
            pacing.set(false);
            return false;
        }
        synchronized (verifyLock) {
            long now = nanos.getAsLong();
            if (verified < 0 || now - verifiedAtNanos >= VERIFY_EVERY_NANOS) {
                storedAtVerify = stored.getAsLong();
                matchedAtVerify = matched.getAsLong();
                try {
                    verified = countQueueUpTo.applyAsLong(config.intakeBacklogMax() + 1L);
                } catch (RuntimeException e) {
                    // The store cannot be counted now: do not hold batches for it (the journal has its own deadline
                    // and gate for a store in trouble); try again after VERIFY_EVERY.
                    verified = 0;
                }
                verifiedAtNanos = now;
            }
            // The store's count, moved on by what this node stored and matched since.
            long now2 = verified + (stored.getAsLong() - storedAtVerify) - (matched.getAsLong() - matchedAtVerify);
            boolean over = now2 > config.intakeBacklogMax();
            pacing.set(over);
            return over;
        }
    }

    /**
     * Waits while intakeShouldWait(), for at most backlog-wait-ms and never past {@code latestNanos} (half of the
     * batch's time to its commit deadline). Called by a journal writer before it commits a batch.
     */
    public void awaitMatcher(long latestNanos) {
        if (config.intakeBacklogMax() == 0 || !intakeShouldWait()) {
            return;
        }
        waits.increment();
        long until = Math.min(latestNanos, nanos.getAsLong() + TimeUnit.MILLISECONDS.toNanos(config.intakeWaitMs()));
        while (nanos.getAsLong() - until < 0 && intakeShouldWait()) {
            java.util.concurrent.locks.LockSupport.parkNanos(WAIT_STEP_NANOS); // a pace, not a synchronization
            if (Thread.currentThread().isInterrupted()) {
                return; // the journal is closing: it answers what it holds
            }
        }
    }

    /** 1 while the matcher is waiting out a burst (a gauge). */
    public int yielding() {
        return yielding.get() ? 1 : 0;
    }

    /** 1 while journal batches wait for the matcher (a gauge). */
    public int pacing() {
        return pacing.get() ? 1 : 0;
    }

    /** Journal batches that waited for the matcher since start (a counter). */
    public long waits() {
        return waits.sum();
    }
}
