/*
 * One journal writer: its queue, its thread, the batch it is committing. The
 * journal hashes each message key to one writer, so no two batches race on a
 * key; several writers run side by side and their transactions overlap
 * (InnoDB flushes them together).
 *
 * The thread takes whatever has queued up (up to batchSizeMax), answers 96
 * at once those already past their deadline or arriving while the store is
 * known DOWN, decides each other message's outcome against the store in one
 * transaction, commits, and only then hands the answers to JournalReplies
 * and starts its next batch. Outcomes, in the order they are decided:
 *   key seen before, same PAN token and amount -> duplicate: the first answer again
 *   key seen before, other PAN or amount       -> 94, one processing exception
 *   card enrolled                              -> stored, 00
 *   card not enrolled                          -> counted (per day), 00
 * Any failure of the transaction answers the whole batch 96 and writes
 * nothing; the issuer resends and the resend is a first, never a double. A
 * lost connection also sets the StoreGate DOWN. A commit that returns after
 * the watchdog answered the batch 96 is counted stored (it is), and its
 * resends are answered as duplicates.
 */
package org.accrue.processor.intake;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.accrue.iso8583.Acknowledgement;
import org.accrue.iso8583.CardMessage;
import org.accrue.iso8583.ResponseCode;
import org.accrue.processor.intake.JournalLookup.CardKey;
import org.accrue.processor.intake.JournalLookup.CardRow;
import org.accrue.processor.intake.JournalLookup.Known;
import org.accrue.processor.intake.JournalLookup.Seen;
import org.accrue.rewards.enrollment.PanTokenizer.PanToken;
import org.hibernate.SessionFactory;
import org.hibernate.StatelessSession;
import org.hibernate.Transaction;
import org.hibernate.exception.JDBCConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class JournalWriter {
    // The journal's log category: operators filter intake lines by it, whichever part of the journal writes them.
    private static final Logger log = LoggerFactory.getLogger(MessageJournal.class);
    /** How long the thread waits for a first message before it looks at closing again. */
    private static final long POLL_MS = 100;

    /** What the writers share with the journal; the journal builds it once. */
    record Context(SessionFactory sessions, InstantSource clock, IntakeStats stats, int batchSizeMax,
                   long commitDeadlineNanos, MessageJournal.Pacer pacer, StoreGate gate, JournalReplies replies,
                   ExecutorService aborts, BooleanSupplier closing) {
    }

    final int index;
    final BlockingQueue<Pending> queue;
    final Thread thread;
    /** The batch being committed, for the watchdog; null between batches. */
    volatile JournalBatch current;
    private final Context ctx;
    private final JournalInserts inserts = new JournalInserts();

    JournalWriter(int index, int capacity, Context context) {
        this.index = index;
        this.ctx = context;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = Thread.ofPlatform().name("accrue-journal-" + index).daemon(true).unstarted(this::run);
    }

    private void run() {
        List<Pending> taken = new ArrayList<>(ctx.batchSizeMax());
        while (!ctx.closing().getAsBoolean() || !queue.isEmpty()) {
            JournalBatch b = null;
            try {
                Pending first = queue.poll(POLL_MS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                taken.add(first);
                // Before the batch is made: while the matcher is far behind, wait for it (MatchPace), at most until
                // half of the first message's time to its deadline is gone; messages queue up meanwhile.
                ctx.pacer().await(first.deadlineNanos() - ctx.commitDeadlineNanos() / 2);
                queue.drainTo(taken, ctx.batchSizeMax() - 1);
                List<Pending> batch = new ArrayList<>(taken.size());
                long now = System.nanoTime();
                for (Pending p : taken) {
                    if (now - p.deadlineNanos() >= 0) {
                        ctx.replies().notRecorded(p, NotRecorded.QUEUED_PAST_DEADLINE);
                    } else if (!ctx.gate().isUp()) {
                        ctx.replies().notRecorded(p, NotRecorded.STORE_DOWN);
                    } else {
                        batch.add(p);
                    }
                }
                if (batch.isEmpty()) {
                    continue;
                }
                b = new JournalBatch(batch);
                current = b;
                commit(b);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                log.error("journal batch failed unexpectedly; answered 96", e);
                if (b != null && b.claim()) {
                    ctx.replies().answerAll(b.messages, NotRecorded.STORE_ERROR);
                }
            } finally {
                current = null;
                taken.clear();
            }
        }
        List<Pending> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(p -> ctx.replies().notRecorded(p, NotRecorded.SHUTDOWN));
    }

    private void commit(JournalBatch b) {
        List<Pending> batch = b.messages;
        Instant now = ctx.clock().instant();
        List<Acknowledgement> acks = new ArrayList<>(batch.size());
        int storedCount = 0;
        int duplicateCount = 0;
        int conflictCount = 0;
        int notEnrolledCount = 0;
        try (StatelessSession s = ctx.sessions().openStatelessSession()) {
            s.setJdbcBatchSize(ctx.batchSizeMax());
            Transaction tx = s.beginTransaction();
            try {
                s.doWork(c -> b.attach(c, ctx.aborts()));
                Known known = JournalLookup.lookUp(s, batch);
                Map<CardKey, CardRow> cards = known.cards();
                Map<String, Seen> seen = known.seen();

                List<MessageConflict> conflictRows = new ArrayList<>();
                List<CardMessageEntity> rows = new ArrayList<>(batch.size());
                for (Pending p : batch) {
                    CardMessage m = p.message();
                    Seen before = seen.get(m.messageKey());
                    if (before != null) {
                        PanToken t = p.tokenFor(before.keyVersion());
                        boolean samePan = t != null && t.token().equals(before.panToken());
                        if (samePan && before.amountMinor() == m.amountMinor()) {
                            duplicateCount++;
                            acks.add(Acknowledgement.of(before.firstAnswer()));
                        } else {
                            conflictCount++;
                            conflictRows.add(MessageConflict.of(m, p.tokens().getFirst(), samePan, before, now));
                            acks.add(Acknowledgement.of(ResponseCode.DUPLICATE_KEY_CONFLICT));
                        }
                        continue;
                    }
                    PanToken matched = null;
                    CardRow card = null;
                    for (PanToken t : p.tokens()) {
                        card = cards.get(new CardKey(t.keyVersion(), t.token()));
                        if (card != null) {
                            matched = t;
                            break;
                        }
                    }
                    if (card == null || !card.enrolled()) {
                        notEnrolledCount++;
                        acks.add(Acknowledgement.RECORDED);
                        continue;
                    }
                    ResponseCode code = ResponseCode.RECORDED;
                    rows.add(new CardMessageEntity(m, card.id(), matched.token(), matched.keyVersion(), code.wire(), now));
                    seen.put(m.messageKey(), new Seen(matched.token(), matched.keyVersion(), m.amountMinor(), code));
                    storedCount++;
                    acks.add(Acknowledgement.RECORDED);
                }
                inserts.insertMessages(s, rows);
                JournalInserts.insertConflicts(s, conflictRows);
                if (notEnrolledCount > 0) {
                    JournalInserts.countNotEnrolled(s, index, now, notEnrolledCount);
                }
                tx.commit();
            } catch (RuntimeException e) {
                rollbackQuietly(tx);
                inserts.abandonIdBlock();
                throw e;
            } finally {
                b.release(); // before the session hands the connection back to the pool
            }
        } catch (RuntimeException e) {
            // Store down or a statement failed: the issuer resends (see MessageJournal for a commit that timed out).
            boolean lost = isConnectionFailure(e);
            if (lost) {
                ctx.gate().down("a batch lost its connection: " + e.getClass().getSimpleName());
            }
            if (b.claim()) {
                log.warn("journal batch of {} not recorded, answered 96: {}", batch.size(), e.getClass().getSimpleName());
                ctx.replies().answerAll(batch, NotRecorded.STORE_ERROR);
            }
            return;
        }
        // Committed: count it as stored even if the watchdog answered it 96 first; it is stored.
        IntakeStats stats = ctx.stats();
        stats.batch();
        stats.stored(storedCount);
        stats.duplicates(duplicateCount);
        stats.conflicts(conflictCount);
        stats.notEnrolled(notEnrolledCount);
        if (!b.claim()) {
            log.warn("journal batch of {} committed after its deadline; it was answered 96 and resends will be "
                    + "answered as duplicates", batch.size());
            return;
        }
        // Durable now: answer off the writer thread so it can start the next batch.
        ctx.replies().answer(batch, acks);
    }

    private static void rollbackQuietly(Transaction tx) {
        try {
            if (tx.isActive()) {
                tx.rollback();
            }
        } catch (RuntimeException suppressed) {
            // The connection is already gone; the transaction died with it.
        }
    }

    /** A failure that says the store, not this batch, is the problem: no connection, a dead one, or a timeout. */
    private static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JDBCConnectionException || t instanceof SQLTransientConnectionException
                    || t instanceof SQLNonTransientConnectionException || t instanceof SQLRecoverableException
                    || t instanceof SQLTimeoutException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
                return true;
            }
        }
        return false;
    }
}
