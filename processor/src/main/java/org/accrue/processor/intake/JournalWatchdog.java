/*
 * Deadlines. A store that hangs (paused, a stalled disk, packets dropped)
 * fails no call: it just never answers. So every message gets an answer
 * within accrue.journal.commit-deadline-ms of reaching the journal, queued
 * time included. This watchdog, on a thread of its own that never touches
 * the store and never waits for a writer (which may be blocked in a JDBC
 * call), ticks every twentieth of the deadline (WATCH_EVERY_MS_MIN..MAX) and
 * answers 96 (i) every batch whose transaction (look-up, inserts, commit) has
 * not returned by its deadline, setting the StoreGate DOWN and aborting the
 * batch's connection (JournalBatch), and (ii) every queued message whose
 * deadline has passed, or all of them once the store is known DOWN. It races
 * the writer for a batch's once-flag, and a queued message is owned by
 * whoever takes it out of the queue, so each message is answered exactly once.
 * Deadlines are elapsed time (System.nanoTime), not domain time.
 */
package org.accrue.processor.intake;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class JournalWatchdog {
    // The journal's log category: operators filter intake lines by it, whichever part of the journal writes them.
    private static final Logger log = LoggerFactory.getLogger(MessageJournal.class);
    static final long WATCH_EVERY_MS_MAX = 50;
    static final long WATCH_EVERY_MS_MIN = 5;

    private final List<JournalWriter> writers;
    private final IntakeStats stats;
    private final StoreGate gate;
    private final JournalReplies replies;
    private final ExecutorService aborts;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("accrue-journal-watchdog").daemon(true).factory());

    JournalWatchdog(List<JournalWriter> writers, IntakeStats stats, StoreGate gate, JournalReplies replies,
                    ExecutorService aborts) {
        this.writers = writers;
        this.stats = stats;
        this.gate = gate;
        this.replies = replies;
        this.aborts = aborts;
    }

    void start(Duration commitDeadline) {
        // A tick of a twentieth of the deadline: answers go out at most that late.
        long tickMs = Math.clamp(commitDeadline.toMillis() / 20, WATCH_EVERY_MS_MIN, WATCH_EVERY_MS_MAX);
        watchdog.scheduleWithFixedDelay(this::watch, tickMs, tickMs, TimeUnit.MILLISECONDS);
    }

    /**
     * One tick: answers 96 each batch past its deadline (and aborts its connection), then queued messages past
     * theirs, or every queued message once the store is known down.
     */
    private void watch() {
        try {
            long now = System.nanoTime();
            for (JournalWriter w : writers) {
                JournalBatch b = w.current;
                if (b != null && b.pastDeadline(now) && b.claim()) {
                    stats.batchTimedOut();
                    gate.down("a batch of " + b.messages.size() + " missed its commit deadline");
                    log.warn("journal batch of {} not committed within its deadline, answered 96; aborting its connection",
                            b.messages.size());
                    replies.answerAll(b.messages, NotRecorded.DEADLINE);
                    aborts.execute(() -> b.abort(aborts));
                }
                boolean down = !gate.isUp();
                Pending p;
                // Queues are in arrival order: the first message not yet due ends the scan (unless all must go).
                while ((p = w.queue.peek()) != null && (down || now - p.deadlineNanos() >= 0)) {
                    if (w.queue.remove(p)) { // else the writer took it first and answers it
                        replies.notRecorded(p, down ? NotRecorded.STORE_DOWN : NotRecorded.QUEUED_PAST_DEADLINE);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("journal watchdog tick failed", e); // the next tick runs anyway
        }
    }

    /** Stops after the tick under way, if any (bounded by {@code waitMs}). */
    void close(long waitMs) throws InterruptedException {
        watchdog.shutdown();
        watchdog.awaitTermination(waitMs, TimeUnit.MILLISECONDS);
    }
}
