/*
 * Group commit for card messages: the listener's connection threads hand in
 * messages and return at once; a writer thread takes whatever has queued up
 * (up to batchSizeMax), decides each message's outcome against the store in
 * one transaction, commits, and only then answers. Throughput comes from
 * many messages sharing one commit, never from answering before the commit.
 * Several writers run side by side, each owning the message keys that hash
 * to it, so their transactions overlap (InnoDB flushes them together) and no
 * two writers ever race on one key; answers go out on another thread while
 * the writer starts its next batch.
 *
 * Outcomes, in the order they are decided per message:
 *   key seen before, same PAN token and amount -> duplicate: the first answer again
 *   key seen before, other PAN or amount       -> 94, one processing exception
 *   card enrolled                              -> stored, 00
 *   card not enrolled                          -> counted (per day), 00
 * Any failure of the transaction answers the whole batch 96 and writes
 * nothing; the issuer resends and the resend is a first, never a double.
 * A key always goes to the same writer, so no two batches race on one key.
 *
 * Deadlines. A store that hangs (paused, a stalled disk, packets dropped)
 * fails no call: it just never answers. So every message gets an answer
 * within accrue.journal.commit-deadline-ms of reaching the journal, queued
 * time included: a batch's deadline is its oldest message's. A watchdog
 * thread, which never touches the store, answers 96 (i) every batch whose
 * transaction (look-up, inserts, commit) has not returned by its deadline and
 * (ii) every queued message whose deadline has passed, or all of them once
 * the store is known to be DOWN: the writer may be blocked in a JDBC call,
 * and nothing here waits for it. Each batch has a once-flag: the writer
 * (after commit or failure) and the watchdog race for it, and only the
 * winner answers, so each message is answered exactly once; a queued message
 * is owned by whoever takes it out of the queue. The stuck connection is
 * freed two ways: its network timeout (set by the writer at the start of the
 * batch to the time left plus NETWORK_SLACK_MS) ends a blocked read, and the
 * watchdog aborts it at the deadline (Connection.abort, on a thread of its
 * own: the driver first tries a KILL over a new connection, bounded by the
 * login timeout) for a blocked write; either way the driver closes the
 * socket and the pool evicts the connection. The abort and the writer's
 * release of the connection hold one lock, so a connection already back in
 * the pool is never aborted under its next user.
 *
 * A commit that timed out may still have reached the server and applied.
 * That is safe: its messages were answered 96, the issuer resends, and the
 * resend finds the stored first by its message key and is answered as a
 * duplicate (00, the same answer), never stored twice. Stats count what is
 * known: a batch is counted stored only when its commit returned, even late.
 * Deadlines are elapsed time (System.nanoTime), not domain time; the clock
 * still stamps received_at.
 *
 * A deadline miss or a lost connection sets the StoreGate DOWN: new messages
 * are answered 96 at once (not after a deadline each) until its probe reaches
 * the store again, then the node resumes by itself.
 */
package org.accrue.processor.intake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.accrue.iso8583.Acknowledgement;
import org.accrue.iso8583.Answers;
import org.accrue.iso8583.CardMessage;
import org.accrue.iso8583.CardMessageHandler;
import org.accrue.iso8583.ResponseCode;
import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.enrollment.PanTokenizer;
import org.accrue.rewards.enrollment.PanTokenizer.PanToken;
import org.hibernate.SessionFactory;
import org.hibernate.StatelessSession;
import org.hibernate.Transaction;
import org.hibernate.exception.JDBCConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class MessageJournal implements CardMessageHandler, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MessageJournal.class);
    private static final long SHUTDOWN_WAIT_MS = 10_000;

    /**
     * A message waiting for its batch: tokens are computed on the connection thread, off the writer's path. Its
     * deadline (System.nanoTime) is when it must have been answered.
     */
    private record Pending(CardMessage message, List<PanToken> tokens, Consumer<Acknowledgement> reply,
                           long deadlineNanos) {
        PanToken tokenFor(int version) {
            for (PanToken t : tokens) {
                if (t.keyVersion() == version) {
                    return t;
                }
            }
            return null;
        }
    }

    /** What the store knows of a message key: enough to tell a duplicate from a conflict. */
    private record Seen(String panToken, int keyVersion, long amountMinor, String responseCode) {
    }

    private record CardRow(long id, String status) {
    }

    /**
     * Messages that share one transaction, answered once: by the writer when its transaction ends, or by the
     * watchdog at the deadline, whichever claims it first. While the transaction runs, it holds its connection
     * here so that the watchdog can abort it.
     */
    private static final class Batch {
        final List<Pending> messages;
        final long deadlineNanos;
        private final AtomicBoolean answered = new AtomicBoolean();
        private final ReentrantLock connectionLock = new ReentrantLock();
        private Connection connection; // guarded by connectionLock
        private boolean aborted; // guarded by connectionLock

        Batch(List<Pending> messages) {
            this.messages = messages;
            long oldest = messages.getFirst().deadlineNanos();
            for (Pending p : messages) {
                oldest = p.deadlineNanos() - oldest < 0 ? p.deadlineNanos() : oldest;
            }
            this.deadlineNanos = oldest;
        }

        /** True for the one caller that may answer this batch. */
        boolean claim() {
            return answered.compareAndSet(false, true);
        }

        boolean pastDeadline(long nowNanos) {
            return nowNanos - deadlineNanos >= 0;
        }

        /** The writer's connection for this batch, with reads bounded by the time left; refused once aborted. */
        void attach(Connection c, ExecutorService executor) throws SQLException {
            long leftMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (leftMs <= 0) {
                throw new SQLTimeoutException("the commit deadline passed before the transaction started");
            }
            c.setNetworkTimeout(executor, (int) Math.min(Integer.MAX_VALUE, leftMs + NETWORK_SLACK_MS));
            connectionLock.lock();
            try {
                if (aborted) {
                    throw new SQLTimeoutException("the commit deadline passed before the transaction started");
                }
                connection = c;
            } finally {
                connectionLock.unlock();
            }
        }

        /** The writer is done with the connection; after this the pool may hand it to someone else. */
        void release() {
            connectionLock.lock();
            try {
                connection = null;
            } finally {
                connectionLock.unlock();
            }
        }

        /** At the deadline: close the stuck connection under the writer, so that it returns and the pool evicts it. */
        void abort(ExecutorService executor) {
            connectionLock.lock();
            try {
                aborted = true;
                if (connection != null) {
                    connection.abort(executor);
                    connection = null;
                }
            } catch (SQLException | RuntimeException e) {
                log.debug("aborting a timed-out journal connection: {}", e.getClass().getSimpleName());
            } finally {
                connectionLock.unlock();
            }
        }
    }

    private final SessionFactory sessions;
    private final Pacer pacer;
    private final PanTokenizer tokenizer;
    private final InstantSource clock;
    private final IntakeStats stats;
    private final int batchSizeMax;
    private final long commitDeadlineNanos;
    private final List<Writer> writers = new ArrayList<>();
    private final ExecutorService replies =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("accrue-reply-", 0).factory());
    private final ExecutorService aborts =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("accrue-journal-abort-", 0).factory());
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("accrue-journal-watchdog").daemon(true).factory());
    private final StoreGate gate;
    private volatile boolean closing;
    static final int ID_BLOCK = 1000;
    /** Reads of a batch's connection end this long after its deadline, when the watchdog has answered it. */
    static final long NETWORK_SLACK_MS = 250;
    static final long WATCH_EVERY_MS_MAX = 50;
    static final long WATCH_EVERY_MS_MIN = 5;

    /** One writer: its queue, its thread, the batch it is committing, and its own block of card_message ids. */
    private final class Writer {
        final int index;
        final BlockingQueue<Pending> queue;
        final Thread thread;
        volatile Batch current;
        long nextId;
        long idLimit;

        Writer(int index, int capacity) {
            this.index = index;
            this.queue = new ArrayBlockingQueue<>(capacity);
            this.thread = Thread.ofPlatform().name("accrue-journal-" + index).daemon(true).unstarted(() -> run(this));
        }
    }

    /**
     * Waits, before a batch commits, while the matcher is too far behind (MatchPace); must return by
     * {@code latestNanos} (System.nanoTime).
     */
    @FunctionalInterface
    public interface Pacer {
        Pacer NONE = latestNanos -> { };

        void await(long latestNanos);
    }

    public MessageJournal(SessionFactory sessions, PanTokenizer tokenizer, InstantSource clock, IntakeStats stats,
                          int batchSizeMax, int queueCapacity, int writerCount, Duration commitDeadline) {
        this(sessions, tokenizer, clock, stats, batchSizeMax, queueCapacity, writerCount, commitDeadline, Pacer.NONE);
    }

    public MessageJournal(SessionFactory sessions, PanTokenizer tokenizer, InstantSource clock, IntakeStats stats,
                          int batchSizeMax, int queueCapacity, int writerCount, Duration commitDeadline, Pacer pacer) {
        this.pacer = pacer;
        this.sessions = sessions;
        this.tokenizer = tokenizer;
        this.clock = clock;
        this.stats = stats;
        this.batchSizeMax = batchSizeMax;
        this.commitDeadlineNanos = commitDeadline.toNanos();
        this.gate = new StoreGate(sessions);
        for (int i = 0; i < writerCount; i++) {
            writers.add(new Writer(i, Math.max(1, queueCapacity / writerCount)));
        }
        writers.forEach(w -> w.thread.start());
        // A tick of a twentieth of the deadline: answers go out at most that late.
        long tickMs = Math.clamp(commitDeadline.toMillis() / 20, WATCH_EVERY_MS_MIN, WATCH_EVERY_MS_MAX);
        watchdog.scheduleWithFixedDelay(this::watch, tickMs, tickMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onCardMessage(CardMessage message, Consumer<Acknowledgement> reply) {
        stats.received();
        Consumer<Acknowledgement> counted = ack -> {
            stats.answered(ack.code().wire());
            reply.accept(ack);
        };
        if (closing) {
            notRecorded(counted, NotRecorded.SHUTDOWN);
            return;
        }
        if (!gate.isUp()) {
            // Known down: say so now rather than let the message wait out a deadline.
            notRecorded(counted, NotRecorded.STORE_DOWN);
            return;
        }
        // The reply as the listener made it (not wrapped), so that a batch's answers to one connection go in one
        // write (Answers.sendAll); reply() and sendAnswers() count them.
        Pending p = new Pending(message, tokenizer.all(message.pan()), reply, System.nanoTime() + commitDeadlineNanos);
        Writer w = writers.get(Math.floorMod(message.messageKey().hashCode(), writers.size()));
        if (!w.queue.offer(p)) {
            // Full queue: the store is behind. Say so now rather than let the issuer time out.
            notRecorded(counted, NotRecorded.QUEUE_FULL);
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

    private void run(Writer w) {
        List<Pending> taken = new ArrayList<>(batchSizeMax);
        while (!closing || !w.queue.isEmpty()) {
            Batch b = null;
            try {
                Pending first = w.queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                taken.add(first);
                // Before the batch is made: while the matcher is far behind, wait for it (MatchPace), at most until
                // half of the first message's time to its deadline is gone; messages queue up meanwhile.
                pacer.await(first.deadlineNanos() - commitDeadlineNanos / 2);
                w.queue.drainTo(taken, batchSizeMax - 1);
                List<Pending> batch = new ArrayList<>(taken.size());
                long now = System.nanoTime();
                for (Pending p : taken) {
                    if (now - p.deadlineNanos() >= 0) {
                        notRecorded(p, NotRecorded.QUEUED_PAST_DEADLINE);
                    } else if (!gate.isUp()) {
                        notRecorded(p, NotRecorded.STORE_DOWN);
                    } else {
                        batch.add(p);
                    }
                }
                if (batch.isEmpty()) {
                    continue;
                }
                b = new Batch(batch);
                w.current = b;
                commit(w, b);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                log.error("journal batch failed unexpectedly; answered 96", e);
                if (b != null && b.claim()) {
                    answerAll(b.messages, NotRecorded.STORE_ERROR);
                }
            } finally {
                w.current = null;
                taken.clear();
            }
        }
        List<Pending> left = new ArrayList<>();
        w.queue.drainTo(left);
        left.forEach(p -> notRecorded(p, NotRecorded.SHUTDOWN));
    }

    /**
     * The watchdog's tick: answers 96 each batch past its deadline (and aborts its connection), then queued
     * messages past theirs, or every queued message once the store is known down. It never touches the store
     * and never waits for a writer.
     */
    private void watch() {
        try {
            long now = System.nanoTime();
            for (Writer w : writers) {
                Batch b = w.current;
                if (b != null && b.pastDeadline(now) && b.claim()) {
                    stats.batchTimedOut();
                    gate.down("a batch of " + b.messages.size() + " missed its commit deadline");
                    log.warn("journal batch of {} not committed within its deadline, answered 96; aborting its connection",
                            b.messages.size());
                    answerAll(b.messages, NotRecorded.DEADLINE);
                    aborts.execute(() -> b.abort(aborts));
                }
                boolean down = !gate.isUp();
                Pending p;
                // Queues are in arrival order: the first message not yet due ends the scan (unless all must go).
                while ((p = w.queue.peek()) != null && (down || now - p.deadlineNanos() >= 0)) {
                    if (w.queue.remove(p)) { // else the writer took it first and answers it
                        notRecorded(p, down ? NotRecorded.STORE_DOWN : NotRecorded.QUEUED_PAST_DEADLINE);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("journal watchdog tick failed", e); // the next tick runs anyway
        }
    }

    private void commit(Writer w, Batch b) {
        List<Pending> batch = b.messages;
        Instant now = clock.instant();
        List<Acknowledgement> acks = new ArrayList<>(batch.size());
        int storedCount = 0;
        int duplicateCount = 0;
        int conflictCount = 0;
        int notEnrolledCount = 0;
        try (StatelessSession s = sessions.openStatelessSession()) {
            s.setJdbcBatchSize(batchSizeMax);
            Transaction tx = s.beginTransaction();
            try {
                s.doWork(c -> b.attach(c, aborts));
                Known known = lookUp(s, batch);
                Map<String, CardRow> cards = known.cards();
                Map<String, Seen> seen = known.seen();

                List<Conflict> conflictRows = new ArrayList<>();
                List<CardMessageEntity> rows = new ArrayList<>(batch.size());
                for (Pending p : batch) {
                    CardMessage m = p.message();
                    Seen before = seen.get(m.messageKey());
                    if (before != null) {
                        PanToken t = p.tokenFor(before.keyVersion());
                        boolean samePan = t != null && t.token().equals(before.panToken());
                        if (samePan && before.amountMinor() == m.amountMinor()) {
                            duplicateCount++;
                            acks.add(Acknowledgement.of(ResponseCode.fromWire(before.responseCode())));
                        } else {
                            conflictCount++;
                            conflictRows.add(conflict(m, p.tokens().getFirst(), samePan, before, now));
                            acks.add(Acknowledgement.of(ResponseCode.DUPLICATE_KEY_CONFLICT));
                        }
                        continue;
                    }
                    PanToken matched = null;
                    CardRow card = null;
                    for (PanToken t : p.tokens()) {
                        card = cards.get(t.keyVersion() + ":" + t.token());
                        if (card != null) {
                            matched = t;
                            break;
                        }
                    }
                    if (card == null || !"ENROLLED".equals(card.status())) {
                        notEnrolledCount++;
                        acks.add(Acknowledgement.RECORDED);
                        continue;
                    }
                    String code = ResponseCode.RECORDED.wire();
                    rows.add(new CardMessageEntity(m, card.id(), matched.token(), matched.keyVersion(), code, now));
                    seen.put(m.messageKey(), new Seen(matched.token(), matched.keyVersion(), m.amountMinor(), code));
                    storedCount++;
                    acks.add(Acknowledgement.RECORDED);
                }
                insertMessages(w, s, rows);
                insertConflicts(s, conflictRows);
                if (notEnrolledCount > 0) {
                    countNotEnrolled(s, w.index, now, notEnrolledCount);
                }
                tx.commit();
            } catch (RuntimeException e) {
                rollbackQuietly(tx);
                w.idLimit = w.nextId; // a rolled-back block is abandoned, never reused
                throw e;
            } finally {
                b.release(); // before the session hands the connection back to the pool
            }
        } catch (RuntimeException e) {
            // Store down or a statement failed: the issuer resends (see the header for a commit that timed out).
            boolean lost = isConnectionFailure(e);
            if (lost) {
                gate.down("a batch lost its connection: " + e.getClass().getSimpleName());
            }
            if (b.claim()) {
                log.warn("journal batch of {} not recorded, answered 96: {}", batch.size(), e.getClass().getSimpleName());
                answerAll(batch, NotRecorded.STORE_ERROR);
            }
            return;
        }
        // Committed: count it as stored even if the watchdog answered it 96 first; it is stored.
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
        replies.execute(() -> sendAnswers(batch, acks));
    }

    /**
     * The hot insert: one JDBC batch (sent as a MariaDB bulk statement) rather
     * than Hibernate's per-entity insert. Ids come in blocks of ID_BLOCK from
     * card_message_seq, whose INCREMENT BY is the same (V1 migration).
     */
    private void insertMessages(Writer w, StatelessSession s, List<CardMessageEntity> rows) {
        if (rows.isEmpty()) {
            return;
        }
        s.doWork(c -> {
            try (PreparedStatement ps = c.prepareStatement(CardMessageEntity.INSERT_SQL);
                 PreparedStatement outbox = c.prepareStatement("insert into match_queue (message_id, lane) values (?, ?)")) {
                for (CardMessageEntity e : rows) {
                    long id = nextId(w, c);
                    e.bind(ps, id);
                    ps.addBatch();
                    outbox.setLong(1, id);
                    outbox.setInt(2, matchLane(e.cardId()));
                    outbox.addBatch();
                }
                ps.executeBatch();
                // The outbox row commits with the message: matching sees every stored message exactly once.
                outbox.executeBatch();
            }
        });
    }

    /** Matcher lanes (V15): a card's messages all go to one lane, so one matcher worker takes them in order. */
    public static final int MATCH_LANES = 8;

    /** The matcher lane of a card's messages. */
    public static int matchLane(long cardId) {
        return (int) Math.floorMod(cardId, (long) MATCH_LANES);
    }

    private static long nextId(Writer w, Connection c) throws SQLException {
        if (w.nextId >= w.idLimit) {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select next value for card_message_seq")) {
                rs.next();
                w.nextId = rs.getLong(1);
                w.idLimit = w.nextId + ID_BLOCK;
            }
        }
        return w.nextId++;
    }

    /** What the store knows for a batch: the cards its PAN tokens belong to, and the keys it has seen. */
    private record Known(Map<String, CardRow> cards, Map<String, Seen> seen) {
    }

    /**
     * Both look-ups in one round trip, as plain JDBC inside the Hibernate
     * session's transaction: on this path Hibernate's native-query handling and
     * a second round trip cost more than the queries (bench/RESULTS.md).
     */
    private static Known lookUp(StatelessSession s, List<Pending> batch) {
        Set<String> tokens = new LinkedHashSet<>();
        Set<String> keys = new LinkedHashSet<>();
        for (Pending p : batch) {
            p.tokens().forEach(t -> tokens.add(t.token()));
            keys.add(p.message().messageKey());
        }
        Map<String, CardRow> cards = new HashMap<>();
        Map<String, Seen> seen = new HashMap<>();
        s.doWork(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select 'C', id, pan_token, key_version, status, 0, null from card where pan_token in ("
                            + Sql.marks(tokens.size()) + ") union all "
                            + "select 'M', 0, pan_token, key_version, response_code, amount_minor, message_key "
                            + "from card_message where message_key in (" + Sql.marks(keys.size()) + ")")) {
                int i = 1;
                for (String t : tokens) {
                    ps.setString(i++, t);
                }
                for (String k : keys) {
                    ps.setString(i++, k);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getString(1).equals("C")) {
                            cards.put(rs.getInt(4) + ":" + rs.getString(3), new CardRow(rs.getLong(2), rs.getString(5)));
                        } else {
                            seen.put(rs.getString(7), new Seen(rs.getString(3), rs.getInt(4), rs.getLong(6), rs.getString(5)));
                        }
                    }
                }
            }
        });
        return new Known(cards, seen);
    }

    /** A MESSAGE_CONFLICT exception to raise: the message's key, last four, amount and DE49 (numeric), and why. */
    private record Conflict(String fingerprint, String messageKey, String last4, long amountMinor, String currency,
                            String detail, Instant at) {
    }

    private Conflict conflict(CardMessage m, PanToken token, boolean samePan, Seen before, Instant now) {
        String what = samePan ? "amount " + before.amountMinor() + " then " + m.amountMinor()
                : "a different card number";
        String detail = "message key " + m.messageKey() + " (MTI " + m.mti() + ") arrived again with " + what
                + "; answered 94, the first message stands";
        String fingerprint = sha256(m.messageKey() + "|" + token.keyVersion() + ":" + token.token() + "|" + m.amountMinor());
        return new Conflict(fingerprint, m.messageKey(), m.panLast4(), m.amountMinor(), m.currency(), detail, now);
    }

    private static void insertConflicts(StatelessSession s, List<Conflict> rows) {
        Set<String> fingerprints = new LinkedHashSet<>();
        for (Conflict r : rows) {
            if (!fingerprints.add(r.fingerprint())) {
                continue; // the same conflicting message twice in one batch
            }
            // INSERT IGNORE: the same conflicting message resent adds no second exception.
            s.createNativeMutationQuery("insert ignore into processing_exception "
                            + "(id, type, fingerprint, message_key, last4, amount_minor, currency, detail, status, created_at) "
                            + "values (next value for processing_exception_seq, :type, :fp, :key, :last4, :amount, :cur, "
                            + ":detail, :status, :at)")
                    .setParameter("type", Exceptions.Type.MESSAGE_CONFLICT.name())
                    .setParameter("fp", r.fingerprint()).setParameter("key", r.messageKey()).setParameter("last4", r.last4())
                    .setParameter("amount", r.amountMinor()).setParameter("cur", r.currency())
                    .setParameter("detail", r.detail()).setParameter("status", Exceptions.Status.OPEN.name())
                    .setParameter("at", r.at())
                    .executeUpdate();
        }
    }

    /** Per day and writer, so writers never wait on each other's counter row. */
    private static void countNotEnrolled(StatelessSession s, int writer, Instant now, int n) {
        s.createNativeMutationQuery("insert into unenrolled_message_count (day, writer, messages) values (:d, :w, :n) "
                        + "on duplicate key update messages = messages + values(messages)")
                .setParameter("d", Date.valueOf(now.atZone(ZoneOffset.UTC).toLocalDate()))
                .setParameter("w", writer)
                .setParameter("n", n)
                .executeUpdate();
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

    /** Answers 96 off the calling thread (the watchdog must not wait on a socket). */
    private void answerAll(List<Pending> batch, NotRecorded cause) {
        replies.execute(() -> batch.forEach(p -> notRecorded(p, cause)));
    }

    private void notRecorded(Pending p, NotRecorded cause) {
        stats.notRecorded(cause);
        reply(p, Acknowledgement.of(ResponseCode.NOT_RECORDED_STORE_UNAVAILABLE));
    }

    private void notRecorded(Consumer<Acknowledgement> reply, NotRecorded cause) {
        stats.notRecorded(cause);
        reply.accept(Acknowledgement.of(ResponseCode.NOT_RECORDED_STORE_UNAVAILABLE));
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

    /** A committed batch's answers: counted, then sent, those for one issuer connection in one write. */
    private void sendAnswers(List<Pending> batch, List<Acknowledgement> acks) {
        List<Consumer<Acknowledgement>> to = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            stats.answered(acks.get(i).code().wire());
            to.add(batch.get(i).reply());
        }
        Answers.sendAll(to, acks);
    }

    private void reply(Pending p, Acknowledgement ack) {
        stats.answered(ack.code().wire());
        try {
            p.reply().accept(ack);
        } catch (RuntimeException e) {
            log.debug("reply could not be sent: {}", e.getClass().getSimpleName());
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
            for (Writer w : writers) {
                w.thread.join(SHUTDOWN_WAIT_MS);
            }
            watchdog.shutdown();
            watchdog.awaitTermination(SHUTDOWN_WAIT_MS, TimeUnit.MILLISECONDS);
            gate.close();
            replies.shutdown();
            replies.awaitTermination(SHUTDOWN_WAIT_MS, TimeUnit.MILLISECONDS);
            aborts.shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
