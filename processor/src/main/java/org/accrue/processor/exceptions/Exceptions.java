/*
 * Raising an exception for ops: one row per (type, fingerprint), so the same
 * problem found again (a retried job, a replayed file) is still one item in
 * the queue. Card data is the card id and last four digits only.
 */
package org.accrue.processor.exceptions;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;

import org.accrue.processor.store.Sql;

public final class Exceptions {
    private static final int DETAIL_CHARS_MAX = 500;

    private Exceptions() {
    }

    /** An exception to raise; amount and currency (ISO 4217 alpha, or a miles program) may be null. */
    public record Raise(String type, String fingerprint, String issuerId, Long cardId, String last4, Long amount,
                        String currency, String detail, String creditId, Long rewardId) {
        public Raise(String type, String fingerprint, String issuerId, Long cardId, String last4, Long amount,
                     String currency, String detail) {
            this(type, fingerprint, issuerId, cardId, last4, amount, currency, detail, null, null);
        }
    }

    /** Inserts the exception unless one of its type and fingerprint exists; returns whether it was new. */
    public static boolean raise(Connection c, Raise r, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            bind(ps, r, now);
            return ps.executeUpdate() == 1;
        }
    }

    /** A statement for {@link #add}: many exceptions raised in one round trip (a reconciliation chunk). */
    public static PreparedStatement batch(Connection c) throws SQLException {
        return c.prepareStatement(INSERT);
    }

    /** Adds one exception to a {@link #batch} statement; the caller runs executeBatch. */
    public static void add(PreparedStatement batch, Raise r, Instant now) throws SQLException {
        bind(batch, r, now);
        batch.addBatch();
    }

    private static final String INSERT = "insert ignore into processing_exception (id, type, fingerprint, "
            + "message_key, issuer_id, card_id, last4, amount_minor, currency, detail, status, created_at, credit_id, reward_id) "
            + "values (next value for processing_exception_seq, ?, ?, null, ?, ?, ?, ?, ?, ?, 'OPEN', ?, ?, ?)";

    private static void bind(PreparedStatement ps, Raise r, Instant now) throws SQLException {
        ps.setString(1, r.type());
        ps.setString(2, r.fingerprint());
        ps.setString(3, r.issuerId());
        ps.setObject(4, r.cardId());
        ps.setString(5, r.last4());
        ps.setObject(6, r.amount());
        ps.setString(7, r.currency());
        ps.setString(8, r.detail().length() > DETAIL_CHARS_MAX ? r.detail().substring(0, DETAIL_CHARS_MAX) : r.detail());
        ps.setTimestamp(9, Sql.ts(now));
        ps.setString(10, r.creditId());
        ps.setObject(11, r.rewardId());
    }
}
