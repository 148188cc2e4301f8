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
import java.sql.Statement;
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
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.accrue.iso8583.Acknowledgement;
import org.accrue.iso8583.CardMessage;
import org.accrue.iso8583.CardMessageHandler;
import org.accrue.iso8583.ResponseCode;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.enrollment.PanTokenizer;
import org.accrue.rewards.enrollment.PanTokenizer.PanToken;
import org.hibernate.SessionFactory;
import org.hibernate.StatelessSession;
import org.hibernate.Transaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class MessageJournal implements CardMessageHandler, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MessageJournal.class);
    private static final long SHUTDOWN_WAIT_MS = 10_000;

    /** A message waiting for its batch: tokens are computed on the connection thread, off the writer's path. */
    private record Pending(CardMessage message, List<PanToken> tokens, Consumer<Acknowledgement> reply) {
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

    private final SessionFactory sessions;
    private final PanTokenizer tokenizer;
    private final InstantSource clock;
    private final IntakeStats stats;
    private final int batchSizeMax;
    private final List<Writer> writers = new ArrayList<>();
    private final java.util.concurrent.ExecutorService replies =
            java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("accrue-reply-", 0).factory());
    private volatile boolean closing;
    static final int ID_BLOCK = 1000;

    /** One writer: its queue, its thread, and its own block of card_message ids. */
    private final class Writer {
        final int index;
        final BlockingQueue<Pending> queue;
        final Thread thread;
        long nextId;
        long idLimit;

        Writer(int index, int capacity) {
            this.index = index;
            this.queue = new ArrayBlockingQueue<>(capacity);
            this.thread = Thread.ofPlatform().name("accrue-journal-" + index).daemon(true).unstarted(() -> run(this));
        }
    }

    public MessageJournal(SessionFactory sessions, PanTokenizer tokenizer, InstantSource clock, IntakeStats stats,
                          int batchSizeMax, int queueCapacity, int writerCount) {
        this.sessions = sessions;
        this.tokenizer = tokenizer;
        this.clock = clock;
        this.stats = stats;
        this.batchSizeMax = batchSizeMax;
        for (int i = 0; i < writerCount; i++) {
            writers.add(new Writer(i, Math.max(1, queueCapacity / writerCount)));
        }
        writers.forEach(w -> w.thread.start());
    }

    @Override
    public void onCardMessage(CardMessage message, Consumer<Acknowledgement> reply) {
        stats.received();
        Consumer<Acknowledgement> counted = ack -> {
            stats.answered(ack.code().wire());
            reply.accept(ack);
        };
        if (closing) {
            counted.accept(Acknowledgement.of(ResponseCode.NOT_RECORDED_STORE_UNAVAILABLE));
            return;
        }
        Pending p = new Pending(message, tokenizer.all(message.pan()), counted);
        Writer w = writers.get(Math.floorMod(message.messageKey().hashCode(), writers.size()));
        if (!w.queue.offer(p)) {
            // Full queue: the store is behind. Say so now rather than let the issuer time out.
            counted.accept(Acknowledgement.of(ResponseCode.NOT_RECORDED_STORE_UNAVAILABLE));
        }
    }

    @Override
    public void onAnsweredByListener(String mti, ResponseCode code) {
        stats.received();
        stats.answered(code.wire());
    }

    private void run(Writer w) {
        List<Pending> batch = new ArrayList<>(batchSizeMax);
        while (!closing || !w.queue.isEmpty()) {
            try {
                Pending first = w.queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                w.queue.drainTo(batch, batchSizeMax - 1);
                commit(w, new ArrayList<>(batch));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                log.error("journal batch failed unexpectedly; answered 96", e);
                answerAll(batch, Acknowledgement.of(ResponseCode.NOT_RECORDED_STORE_UNAVAILABLE));
            } finally {
                batch.clear();
            }
        }
        List<Pending> left = new ArrayList<>();
        w.queue.drainTo(left);
        answerAll(left, Acknowledgement.of(ResponseCode.NOT_RECORDED_STORE_UNAVAILABLE));
    }

    private void commit(Writer w, List<Pending> batch) {
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
                Known known = lookUp(s, batch);
                Map<String, CardRow> cards = known.cards();
                Map<String, Seen> seen = known.seen();

                List<Object[]> conflictRows = new ArrayList<>();
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
            }
        } catch (RuntimeException e) {
            // Store down or a statement failed: nothing of this batch is written; the issuer resends.
            log.warn("journal batch of {} not recorded, answered 96: {}", batch.size(), e.getClass().getSimpleName());
            answerAll(batch, Acknowledgement.of(ResponseCode.NOT_RECORDED_STORE_UNAVAILABLE));
            return;
        }
        stats.batch();
        stats.stored(storedCount);
        stats.duplicates(duplicateCount);
        stats.conflicts(conflictCount);
        stats.notEnrolled(notEnrolledCount);
        // Durable now: answer off the writer thread so it can start the next batch.
        replies.execute(() -> {
            for (int i = 0; i < batch.size(); i++) {
                reply(batch.get(i), acks.get(i));
            }
        });
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
                 PreparedStatement outbox = c.prepareStatement("insert into match_queue (message_id) values (?)")) {
                for (CardMessageEntity e : rows) {
                    long id = nextId(w, c);
                    e.bind(ps, id);
                    ps.addBatch();
                    outbox.setLong(1, id);
                    outbox.addBatch();
                }
                ps.executeBatch();
                // The outbox row commits with the message: matching sees every stored message exactly once.
                outbox.executeBatch();
            }
        });
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

    private Object[] conflict(CardMessage m, PanToken token, boolean samePan, Seen before, Instant now) {
        String what = samePan ? "amount " + before.amountMinor() + " then " + m.amountMinor()
                : "a different card number";
        String detail = "message key " + m.messageKey() + " (MTI " + m.mti() + ") arrived again with " + what
                + "; answered 94, the first message stands";
        String fingerprint = sha256(m.messageKey() + "|" + token.keyVersion() + ":" + token.token() + "|" + m.amountMinor());
        return new Object[] {fingerprint, m.messageKey(), m.panLast4(), m.amountMinor(), m.currency(), detail, now};
    }

    private static void insertConflicts(StatelessSession s, List<Object[]> rows) {
        Set<String> fingerprints = new LinkedHashSet<>();
        for (Object[] r : rows) {
            if (!fingerprints.add((String) r[0])) {
                continue; // the same conflicting message twice in one batch
            }
            // INSERT IGNORE: the same conflicting message resent adds no second exception.
            s.createNativeMutationQuery("insert ignore into processing_exception "
                            + "(id, type, fingerprint, message_key, last4, amount_minor, currency, detail, status, created_at) "
                            + "values (next value for processing_exception_seq, :type, :fp, :key, :last4, :amount, :cur, "
                            + ":detail, :status, :at)")
                    .setParameter("type", ProcessingExceptionEntity.TYPE_MESSAGE_CONFLICT)
                    .setParameter("fp", r[0]).setParameter("key", r[1]).setParameter("last4", r[2])
                    .setParameter("amount", r[3]).setParameter("cur", r[4]).setParameter("detail", r[5])
                    .setParameter("status", ProcessingExceptionEntity.STATUS_OPEN).setParameter("at", r[6])
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

    private void answerAll(List<Pending> batch, Acknowledgement ack) {
        for (Pending p : batch) {
            reply(p, ack);
        }
    }

    private static void reply(Pending p, Acknowledgement ack) {
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

    @Override
    public void close() {
        closing = true;
        try {
            for (Writer w : writers) {
                w.thread.join(SHUTDOWN_WAIT_MS);
            }
            replies.shutdown();
            replies.awaitTermination(SHUTDOWN_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
