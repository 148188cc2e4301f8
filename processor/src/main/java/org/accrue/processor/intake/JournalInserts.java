/*
 * What one journal batch writes, inside the writer's transaction: the stored
 * messages with their outbox rows, the conflicts' exceptions, and the count
 * of messages for cards not enrolled.
 *
 * The message insert is the hot one: one JDBC batch (sent as a MariaDB bulk
 * statement) rather than Hibernate's per-entity insert, and one for the
 * outbox. Ids come in blocks of ID_BLOCK from card_message_seq, whose
 * INCREMENT BY is the same (V1 migration); each writer has an instance, so a
 * block is its writer's alone and is taken without a lock.
 */
package org.accrue.processor.intake;

import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.store.Sql;
import org.hibernate.StatelessSession;

final class JournalInserts {
    static final int ID_BLOCK = 1000;
    /** Message ids in one outbox INSERT ... SELECT (well under MariaDB's 65,535 placeholders). */
    private static final int OUTBOX_IN_LIST_MAX = 1000;

    // The writer thread's own.
    private long nextId;
    private long idLimit;

    void insertMessages(StatelessSession s, List<CardMessageEntity> rows) {
        if (rows.isEmpty()) {
            return;
        }
        s.doWork(c -> {
            long[] ids = new long[rows.size()];
            try (PreparedStatement ps = c.prepareStatement(CardMessageEntity.INSERT_SQL)) {
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = nextId(c);
                    rows.get(i).bind(ps, ids[i]);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            // The outbox rows commit with the messages: matching sees every stored message exactly once. Each carries
            // its message's seq (the store's arrival order, V18), read back in the same statement: ids are not in
            // arrival order across writers and nodes, seq is, and the matcher goes by it.
            for (int from = 0; from < ids.length; from += OUTBOX_IN_LIST_MAX) {
                int to = Math.min(ids.length, from + OUTBOX_IN_LIST_MAX);
                try (PreparedStatement outbox = c.prepareStatement("insert into match_queue (message_id, lane, seq) "
                        + "select id, mod(card_id, ?), seq from card_message where id in (" + Sql.marks(to - from) + ")")) {
                    outbox.setInt(1, MessageJournal.MATCH_LANES);
                    for (int i = from; i < to; i++) {
                        outbox.setLong(i - from + 2, ids[i]);
                    }
                    outbox.executeUpdate();
                }
            }
        });
    }

    /** After a rollback: the rest of the block is abandoned, never reused. */
    void abandonIdBlock() {
        idLimit = nextId;
    }

    private long nextId(Connection c) throws SQLException {
        if (nextId >= idLimit) {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select next value for card_message_seq")) {
                rs.next();
                nextId = rs.getLong(1);
                idLimit = nextId + ID_BLOCK;
            }
        }
        return nextId++;
    }

    static void insertConflicts(StatelessSession s, List<MessageConflict> rows) {
        Set<String> fingerprints = new LinkedHashSet<>();
        for (MessageConflict r : rows) {
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
                    .setParameter("amount", r.amountMinor()).setParameter("cur", r.currency()).setParameter("detail", r.detail())
                    .setParameter("status", Exceptions.Status.OPEN.name()).setParameter("at", r.createdAt())
                    .executeUpdate();
        }
    }

    /** Per day and writer, so writers never wait on each other's counter row. */
    static void countNotEnrolled(StatelessSession s, int writer, Instant now, int n) {
        s.createNativeMutationQuery("insert into unenrolled_message_count (day, writer, messages) values (:d, :w, :n) "
                        + "on duplicate key update messages = messages + values(messages)")
                .setParameter("d", Date.valueOf(now.atZone(ZoneOffset.UTC).toLocalDate()))
                .setParameter("w", writer)
                .setParameter("n", n)
                .executeUpdate();
    }
}
