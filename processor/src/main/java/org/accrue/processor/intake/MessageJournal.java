/*
 * Group commit for card messages, the package's entry point: the listener's
 * connection threads hand in messages and return at once; a writer thread
 * takes whatever has queued up (up to batchSizeMax), decides each message's
 * outcome against the store in one transaction, commits, and only then
 * answers. Throughput comes from many messages sharing one commit, never
 * from answering before the commit. Several writers run side by side, each
 * owning the message keys that hash to it, so their transactions overlap
 * (InnoDB flushes them together) and no two writers ever race on one key;
 * answers go out on another thread while the writer starts its next batch.
 *
 * The parts, each a class of its own:
 *   JournalWriter    a writer's queue and thread: forms the batch, decides each
 *                    outcome (duplicate, 94 conflict, stored, not enrolled) and
 *                    commits; any failure answers the whole batch 96 and writes
 *                    nothing, so the resend is a first, never a double;
 *   JournalLookup    the cards and already-seen keys of a batch, one round trip;
 *   JournalInserts   what a batch writes: messages and their match_queue outbox
 *                    rows (JDBC batches, ids in blocks), conflicts, the count
 *                    of messages for cards not enrolled;
 *   JournalBatch     a batch's once-flag, deadline and connection;
 *   JournalWatchdog  answers 96 whatever is past its commit deadline;
 *   JournalReplies   sends and counts the answers, off the writers' threads.
 *
 * A commit that timed out may still have reached the server and applied.
 * That is safe: its messages were answered 96, the issuer resends, and the
 * resend finds the stored first by its message key and is answered as a
 * duplicate (00, the same answer), never stored twice. Stats count what is
 * known: a batch is counted stored only when its commit returned, even late.
 * The clock stamps received_at; deadlines are elapsed time.
 *
 * A deadline miss or a lost connection sets the StoreGate DOWN: new messages
 * are answered 96 at once (not after a deadline each) until its probe reaches
 * the store again, then the node resumes by itself.
 */
package org.accrue.processor.intake;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

import org.accrue.iso8583.Acknowledgement;
import org.accrue.iso8583.CardMessage;
import org.accrue.iso8583.CardMessageHandler;
import org.accrue.iso8583.ResponseCode;
import org.accrue.rewards.enrollment.PanTokenizer;
import org.hibernate.SessionFactory;

public final class MessageJournal implements CardMessageHandler, AutoCloseable {
    private static final long SHUTDOWN_WAIT_MS = 10_000;

    /** Matcher lanes (V15): a card's messages all go to one lane, so one matcher worker takes them in order. */
    public static final int MATCH_LANES = 8;

    /**
     * Waits, before a batch commits, while the matcher is too far behind (MatchPace); must return by
     * {@code latestNanos} (System.nanoTime).
     */
    @FunctionalInterface
    public interface Pacer {
        Pacer NONE = latestNanos -> { };

        void await(long latestNanos);
    }

    private final PanTokenizer tokenizer;
    private final IntakeStats stats;
    private final long commitDeadlineNanos;
    private final List<JournalWriter> writers = new ArrayList<>();
    private final JournalReplies replies;
    private final ExecutorService aborts =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("accrue-journal-abort-", 0).factory());
    private final JournalWatchdog watchdog;
    private final StoreGate gate;
    private volatile boolean closing;

    public MessageJournal(SessionFactory sessions, PanTokenizer tokenizer, InstantSource clock, IntakeStats stats,
                          int batchSizeMax, int queueCapacity, int writerCount, Duration commitDeadline) {
        this(sessions, tokenizer, clock, stats, batchSizeMax, queueCapacity, writerCount, commitDeadline, Pacer.NONE);
    }

    public MessageJournal(SessionFactory sessions, PanTokenizer tokenizer, InstantSource clock, IntakeStats stats,
                          int batchSizeMax, int queueCapacity, int writerCount, Duration commitDeadline, Pacer pacer) {
        this.tokenizer = tokenizer;
        this.stats = stats;
        this.commitDeadlineNanos = commitDeadline.toNanos();
        this.replies = new JournalReplies(stats);
        this.gate = new StoreGate(sessions);
        JournalWriter.Context context = new JournalWriter.Context(sessions, clock, stats, batchSizeMax,
                commitDeadlineNanos, pacer, gate, replies, aborts, () -> closing);
        for (int i = 0; i < writerCount; i++) {
            writers.add(new JournalWriter(i, Math.max(1, queueCapacity / writerCount), context));
        }
        writers.forEach(w -> w.thread.start());
        this.watchdog = new JournalWatchdog(writers, stats, gate, replies, aborts);
        watchdog.start(commitDeadline);
    }

    /** The matcher lane of a card's messages (JournalInserts computes the same in SQL: mod(card_id, MATCH_LANES)). */
    public static int matchLane(long cardId) {
        return (int) Math.floorMod(cardId, (long) MATCH_LANES);
    }

    @Override
    public void onCardMessage(CardMessage message, Consumer<Acknowledgement> reply) {
        stats.received();
        Consumer<Acknowledgement> counted = ack -> {
            stats.answered(ack.code().wire());
            reply.accept(ack);
        };
        if (closing) {
            replies.notRecorded(counted, NotRecorded.SHUTDOWN);
            return;
        }
        if (!gate.isUp()) {
            // Known down: say so now rather than let the message wait out a deadline.
            replies.notRecorded(counted, NotRecorded.STORE_DOWN);
            return;
        }
        // The reply as the listener made it (not wrapped), so that a batch's answers to one connection go in one
        // write (Answers.sendAll); JournalReplies counts them.
        Pending p = new Pending(message, tokenizer.all(message.pan()), reply, System.nanoTime() + commitDeadlineNanos);
        JournalWriter w = writers.get(Math.floorMod(message.messageKey().hashCode(), writers.size()));
        if (!w.queue.offer(p)) {
            // Full queue: the store is behind. Say so now rather than let the issuer time out.
            replies.notRecorded(counted, NotRecorded.QUEUE_FULL);
        }
    }

    /** True unless the journal has seen the store fail and its probe has not reached it since (health, a gauge). */
    public boolean storeUp() {
        return gate.isUp();
    }

    @Override
    public void onAnsweredByListener(String mti, ResponseCode code) {
        stats.received();
        stats.answered(code.wire());
    }

    /** Messages waiting for a batch (a gauge for health). */
    public int queued() {
        return writers.stream().mapToInt(w -> w.queue.size()).sum();
    }

    /** Stops taking messages, lets the writers finish what is queued (the watchdog still bounds it), then stops. */
    @Override
    public void close() {
        closing = true;
        try {
            for (JournalWriter w : writers) {
                w.thread.join(SHUTDOWN_WAIT_MS);
            }
            watchdog.close(SHUTDOWN_WAIT_MS);
            gate.close();
            replies.close(SHUTDOWN_WAIT_MS);
            aborts.shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Erasure of a card: its stored messages take the card's new random token in place of the number's, so nothing
     * that knows the number (a new message, an enrollment) finds them again. Returns the messages changed.
     */
    public static int unlinkCard(java.sql.Connection c, long cardId, String token) throws java.sql.SQLException {
        try (java.sql.PreparedStatement ps = c.prepareStatement("update card_message set pan_token = ? where card_id = ?")) {
            ps.setString(1, token);
            ps.setLong(2, cardId);
            return ps.executeUpdate();
        }
    }

    /** A message stored on a card after its erasure committed takes the card's random token (see RewardMatcher). */
    public static void relinkToCard(java.sql.Connection c, long messageId) throws java.sql.SQLException {
        try (java.sql.PreparedStatement ps = c.prepareStatement("update card_message m join card k on k.id = m.card_id "
                + "set m.pan_token = k.pan_token where m.id = ?")) {
            ps.setLong(1, messageId);
            ps.executeUpdate();
        }
    }
}
