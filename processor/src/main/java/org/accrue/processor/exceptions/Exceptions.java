/*
 * Raising an exception for ops: one row per (type, fingerprint), so the same
 * problem found again (a retried job, a replayed file) is still one item in
 * the queue. Card data is the card id and last four digits only. The types
 * and statuses an exception can have are named here, once; the queue, the
 * API and the console parse their filters into them.
 */
package org.accrue.processor.exceptions;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

import org.accrue.processor.store.Sql;

public final class Exceptions {
    private static final int DETAIL_CHARS_MAX = 500;

    private Exceptions() {
    }

    /** Every kind of exception ops can find in the queue (processing_exception.type). */
    public enum Type {
        RECON_REJECTED, RECON_AMOUNT_MISMATCH, RECON_ACCOUNT_MISMATCH, RECON_MISSING, RECON_DUPLICATE, RECON_UNKNOWN,
        RECON_LATE, FILE_REJECTED, AIRLINE_REFUSED, AIRLINE_UNRESOLVED, AIRLINE_REVERSAL_REFUSED, AIRLINE_CREDENTIALS,
        /** A duplicate message key with other content, answered 94 (the journal). */
        MESSAGE_CONFLICT,
        /** A purchase at an unknown MID that looks like a known merchant (the matcher). */
        MID_SUGGESTION,
        /** A stored message the matcher failed on, alone, RewardMatcher.FAILURES_MAX times: out of the queue. */
        MATCH_QUARANTINED,
        /** A card number a second issuer enrolled while another issuer's card holds it (enrollment). */
        PAN_CONTESTED;

        /** The type named {@code name} exactly, if there is one. */
        public static Optional<Type> parse(String name) {
            return Arrays.stream(values()).filter(t -> t.name().equals(name)).findFirst();
        }

        /** A stored type: only Type names are ever written, so another is a broken row. */
        public static Type stored(String name) {
            return parse(name).orElseThrow(() -> new IllegalStateException("processing_exception type " + name));
        }

        /** The airline's exceptions: keyed by the accrual (accrual id, "-R<n>" for a reversal), not by a credit. */
        public boolean airline() {
            return this == AIRLINE_REFUSED || this == AIRLINE_UNRESOLVED || this == AIRLINE_REVERSAL_REFUSED
                    || this == AIRLINE_CREDENTIALS;
        }
    }

    /** Where an exception is in its resolution (processing_exception.status). */
    public enum Status {
        OPEN, PENDING_APPROVAL, RESOLVED;

        /** The status named {@code name} exactly, if there is one. */
        public static Optional<Status> parse(String name) {
            return Arrays.stream(values()).filter(t -> t.name().equals(name)).findFirst();
        }

        /** A stored status: only Status names are ever written, so another is a broken row. */
        public static Status stored(String name) {
            return parse(name).orElseThrow(() -> new IllegalStateException("processing_exception status " + name));
        }
    }

    /**
     * How an exception was resolved (processing_exception.resolution): by ops, with one of the queue's actions of the
     * same name, or LATE: a MISSING credit the issuer confirmed after all (reconciliation resolves it).
     */
    public enum Resolution {
        RESEND, WRITE_OFF, ACCEPT_ISSUER_AMOUNT, CLAWBACK, RETRY, LATE;

        /** A stored resolution, or null (not resolved). */
        public static Resolution stored(String name) {
            return name == null ? null : valueOf(name);
        }
    }

    /**
     * An exception to raise; amount and currency (ISO 4217 alpha, or a miles program) may be null. A message's
     * exception names it by key and row id (messageKey, messageId); others leave both null.
     */
    public record Raise(Type type, String fingerprint, String issuerId, Long cardId, String last4, Long amount,
                        String currency, String detail, String creditId, Long rewardId, String messageKey,
                        Long messageId) {
        public Raise(Type type, String fingerprint, String issuerId, Long cardId, String last4, Long amount,
                     String currency, String detail, String creditId, Long rewardId) {
            this(type, fingerprint, issuerId, cardId, last4, amount, currency, detail, creditId, rewardId, null, null);
        }

        public Raise(Type type, String fingerprint, String issuerId, Long cardId, String last4, Long amount,
                     String currency, String detail) {
            this(type, fingerprint, issuerId, cardId, last4, amount, currency, detail, null, null);
        }
    }

    /**
     * The ISO 4217 alpha code of a stored currency. Exceptions raised from a card message (94 conflicts, and MID
     * suggestions before V14) hold its numeric DE49 ("840"); shown over HTTP it is "USD" like every other amount.
     * A miles program or an alpha code stays as it is; a numeric code no currency has is shown as stored.
     */
    public static String alphaCurrency(String stored) {
        if (stored == null || stored.length() != 3 || !stored.chars().allMatch(Character::isDigit)) {
            return stored;
        }
        try {
            return org.accrue.rewards.money.Money.alphaOf(stored);
        } catch (IllegalArgumentException e) {
            return stored;
        }
    }

    /** Inserts the exception unless one of its type and fingerprint exists; returns whether it was new. */
    public static boolean raise(Connection c, Raise r, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            bind(ps, r, now);
            boolean raised = ps.executeUpdate() == 1;
            if (raised) {
                org.accrue.processor.webhooks.ExceptionEvents.opened(c, now, java.util.List.of(r));
            }
            return raised;
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
            + "message_key, issuer_id, card_id, last4, amount_minor, currency, detail, status, created_at, credit_id, reward_id, "
            + "message_id) values (next value for processing_exception_seq, ?, ?, ?, ?, ?, ?, ?, ?, ?, '" + Status.OPEN.name()
            + "', ?, ?, ?, ?)";

    private static void bind(PreparedStatement ps, Raise r, Instant now) throws SQLException {
        ps.setString(1, r.type().name());
        ps.setString(2, r.fingerprint());
        ps.setString(3, r.messageKey());
        ps.setString(4, r.issuerId());
        ps.setObject(5, r.cardId());
        ps.setString(6, r.last4());
        ps.setObject(7, r.amount());
        ps.setString(8, r.currency());
        ps.setString(9, r.detail().length() > DETAIL_CHARS_MAX ? r.detail().substring(0, DETAIL_CHARS_MAX) : r.detail());
        ps.setTimestamp(10, Sql.ts(now));
        ps.setString(11, r.creditId());
        ps.setObject(12, r.rewardId());
        ps.setObject(13, r.messageId());
    }

    /** Erasure of a card: its exceptions stay (type, amounts, resolution), with '****' for the last four. */
    public static void erase(Connection c, long cardId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update processing_exception set last4 = '****' "
                + "where card_id = ? and last4 is not null")) {
            ps.setLong(1, cardId);
            ps.executeUpdate();
        }
    }
}
