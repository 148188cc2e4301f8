/*
 * The exceptions queue ops work through: reconciliation outcomes, file
 * rejections, airline refusals, 94 conflicts and MID suggestions, oldest
 * first, with their age. Ops assign and resolve them; each resolution is
 * checked against what the exception's type allows, recorded (who, when,
 * why) in exception_audit, and is a ledger transaction where money moves:
 *   RESEND                a new credit id for the same reward (or the same
 *                         airline key again); a refused reward is sent again
 *   WRITE_OFF             the reward is closed, the funder owes it no more
 *   ACCEPT_ISSUER_AMOUNT  the reward becomes what the issuer posted
 *   CLAWBACK              an over-credit is recovered: a clawback that posting
 *                         nets or sends as a debit
 *   RETRY                 a quarantined message goes back to the matcher's queue
 *                         (after the cause is fixed); failing again, it comes back
 *                         as a new exception
 * A write-off above the configured amount needs a second person
 * (maker-checker): it waits as PENDING_APPROVAL until another key approves.
 *
 * Here: the queue's types, assignment, resolution and approval. The reads
 * (pages, one exception, its audit, the open counts) are QueueReads; what
 * each action does to money is ResolutionEffects.
 */
package org.accrue.processor.confirmations;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import org.accrue.processor.Refusal;
import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.exceptions.Exceptions.Resolution;
import org.accrue.processor.exceptions.Exceptions.Status;
import org.accrue.processor.exceptions.Exceptions.Type;
import org.accrue.processor.store.Sql;

public final class ExceptionsQueue {
    /** What ops resolve an exception with; each is recorded as the Resolution of the same name. */
    public enum Action {
        RESEND, WRITE_OFF, ACCEPT_ISSUER_AMOUNT, CLAWBACK, RETRY;

        Resolution resolution() {
            return Resolution.valueOf(name());
        }

        /** A stored proposal: an Action's name, or null. */
        static Action stored(String name) {
            return name == null ? null : Action.valueOf(name);
        }
    }

    private static final int REASON_CHARS_MAX = 500;

    /** What each type of exception may be resolved with; a type not named here takes WRITE_OFF only. */
    static final Map<Type, Set<Action>> ALLOWED = Map.ofEntries(
            Map.entry(Type.RECON_REJECTED, Set.of(Action.RESEND, Action.WRITE_OFF)),
            Map.entry(Type.RECON_MISSING, Set.of(Action.RESEND, Action.WRITE_OFF)),
            Map.entry(Type.RECON_AMOUNT_MISMATCH, Set.of(Action.ACCEPT_ISSUER_AMOUNT, Action.CLAWBACK, Action.WRITE_OFF)),
            Map.entry(Type.RECON_ACCOUNT_MISMATCH, Set.of(Action.CLAWBACK, Action.RESEND, Action.WRITE_OFF)),
            Map.entry(Type.RECON_DUPLICATE, Set.of(Action.CLAWBACK, Action.WRITE_OFF)),
            Map.entry(Type.RECON_UNKNOWN, Set.of(Action.WRITE_OFF)),
            Map.entry(Type.FILE_REJECTED, Set.of(Action.WRITE_OFF)),
            Map.entry(Type.AIRLINE_REFUSED, Set.of(Action.RESEND, Action.WRITE_OFF)),
            Map.entry(Type.AIRLINE_UNRESOLVED, Set.of(Action.RESEND, Action.WRITE_OFF)),
            Map.entry(Type.AIRLINE_REVERSAL_REFUSED, Set.of(Action.RESEND, Action.WRITE_OFF)),
            Map.entry(Type.AIRLINE_CREDENTIALS, Set.of(Action.WRITE_OFF)),
            Map.entry(Type.MESSAGE_CONFLICT, Set.of(Action.WRITE_OFF)),
            Map.entry(Type.MID_SUGGESTION, Set.of(Action.WRITE_OFF)),
            Map.entry(Type.MATCH_QUARANTINED, Set.of(Action.RETRY, Action.WRITE_OFF)),
            Map.entry(Type.PAN_CONTESTED, Set.of(Action.WRITE_OFF)));

    static Set<Action> allowed(Type type) {
        return ALLOWED.getOrDefault(type, Set.of(Action.WRITE_OFF));
    }

    /** A refused request on the queue, with a stable code for problem+json. */
    public static final class QueueException extends Refusal {
        QueueException(int status, String code, String detail) {
            super(code, status, detail);
        }
    }

    /**
     * An exception as ops see it: card masked, age in seconds, currency as an ISO 4217 alpha code (or a miles program),
     * and for a message's exception its key (never its PAN).
     */
    public record Item(long id, Type type, Status status, String issuerId, Long cardId, String cardMasked, Long amount,
                       String currency, String detail, String creditId, Long rewardId, String assignee, Instant createdAt,
                       long ageSeconds, Resolution resolution, String resolutionReason, String resolvedBy, Instant resolvedAt,
                       Action proposedAction, String proposedBy, Set<Action> actions, String messageKey) {
    }

    public record AuditEntry(String action, String actor, String reason, String detail, Instant at) {
    }

    private final DataSource ds;
    private final InstantSource clock;
    private final long writeOffApprovalMinor;
    private final QueueReads reads;

    public ExceptionsQueue(DataSource ds, InstantSource clock, long writeOffApprovalMinor) {
        this.ds = ds;
        this.clock = clock;
        this.writeOffApprovalMinor = writeOffApprovalMinor;
        this.reads = new QueueReads(ds, clock);
    }

    /** The queue, oldest first; filters may be null. An issuer scope limits it to one issuer. */
    public List<Item> list(Status status, Type type, String issuerId, String assignee, int limit) {
        return page(new Filter(status, type, issuerId, assignee, null, null), 0, limit).items();
    }

    /** How long an exception has waited, in the buckets the console filters and charts by: [fromDays, toDays). */
    public enum Age {
        UNDER_1_DAY("<1 d", 0, 1), DAYS_1_TO_3("1-3 d", 1, 3), DAYS_3_TO_7("3-7 d", 3, 7), OVER_7_DAYS(">7 d", 7, -1);

        private final String label;
        private final int fromDays;
        private final int toDays;

        Age(String label, int fromDays, int toDays) {
            this.label = label;
            this.fromDays = fromDays;
            this.toDays = toDays;
        }

        public String label() {
            return label;
        }

        int fromDays() {
            return fromDays;
        }

        /** -1: no upper bound. */
        int toDays() {
            return toDays;
        }
    }

    /**
     * What to list; null is "any". {@code card} is a card's last four digits (four digits) or its account reference
     * (anything else), matched exactly.
     */
    public record Filter(Status status, Type type, String issuerId, String assignee, Age age, String card) {
    }

    /** One page of the queue, and whether another follows it. */
    public record Page(List<Item> items, int offset, int limit, boolean more) {
        public Page {
            items = List.copyOf(items);
        }
    }

    /** Open (not resolved) exceptions counted by type and by age bucket, every bucket present. */
    public record OpenCounts(Map<Type, Long> byType, Map<Age, Long> byAge) {
        public long total() {
            return byType.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    public Item assign(long id, String assignee, String actor) {
        if (assignee == null || assignee.isBlank() || assignee.length() > 64) {
            throw new QueueException(400, "FIELD_INVALID", "assignee must be 1-64 characters");
        }
        Instant now = clock.instant();
        Sql.inTransaction(ds, c -> {
            lockOpen(c, id);
            try (PreparedStatement ps = c.prepareStatement("update processing_exception set assignee = ? where id = ?")) {
                ps.setString(1, assignee);
                ps.setLong(2, id);
                ps.executeUpdate();
            }
            audit(c, id, "ASSIGN", actor, null, "assigned to " + assignee, now);
            return null;
        });
        return find(id).orElseThrow();
    }

    /**
     * Resolves an exception with {@code action}, or (a write-off above the approval amount) proposes it for a second
     * person to approve.
     */
    public Item resolve(long id, Action action, String reason, String actor) {
        if (reason == null || reason.isBlank() || reason.length() > REASON_CHARS_MAX) {
            throw new QueueException(400, "REASON_REQUIRED", "a resolution needs a reason of 1-" + REASON_CHARS_MAX + " characters");
        }
        Instant now = clock.instant();
        Sql.inTransaction(ds, c -> {
            Row e = lockOpen(c, id);
            if (!allowed(e.type).contains(action)) {
                throw new QueueException(409, "ACTION_NOT_APPLICABLE", action + " does not resolve a " + e.type
                        + "; it takes " + allowed(e.type));
            }
            if (action == Action.WRITE_OFF && e.amount != null && Math.abs(e.amount) > writeOffApprovalMinor
                    && e.rewardId != null) {
                try (PreparedStatement ps = c.prepareStatement("update processing_exception set status = 'PENDING_APPROVAL', "
                        + "proposed_action = ?, proposed_reason = ?, proposed_by = ? where id = ?")) {
                    ps.setString(1, action.name());
                    ps.setString(2, reason);
                    ps.setString(3, actor);
                    ps.setLong(4, id);
                    ps.executeUpdate();
                }
                audit(c, id, "PROPOSE_" + action.name(), actor, reason, "above " + writeOffApprovalMinor
                        + " minor units: a second person approves", now);
                return null;
            }
            String detail = ResolutionEffects.apply(c, e, action, now);
            close(c, id, action.resolution(), reason, actor, now);
            audit(c, id, action.name(), actor, reason, detail, now);
            return null;
        });
        return find(id).orElseThrow();
    }

    /** The second person approves (or refuses) a proposed write-off; the proposer cannot approve their own. */
    public Item approve(long id, boolean approve, String reason, String actor) {
        Instant now = clock.instant();
        Sql.inTransaction(ds, c -> {
            Row e = lock(c, id);
            if (e.status != Status.PENDING_APPROVAL) {
                throw new QueueException(409, "NOT_PENDING_APPROVAL", "exception " + id + " waits for no approval");
            }
            if (actor.equals(e.proposedBy)) {
                throw new QueueException(403, "SAME_PERSON", "the person who proposed a write-off cannot approve it");
            }
            if (!approve) {
                try (PreparedStatement ps = c.prepareStatement("update processing_exception set status = 'OPEN', "
                        + "proposed_action = null, proposed_reason = null, proposed_by = null where id = ?")) {
                    ps.setLong(1, id);
                    ps.executeUpdate();
                }
                audit(c, id, "REFUSE_PROPOSAL", actor, reason, null, now);
                return null;
            }
            Action action = e.proposedAction;
            String detail = ResolutionEffects.apply(c, e, action, now);
            close(c, id, action.resolution(), e.proposedReason, e.proposedBy, now);
            audit(c, id, "APPROVE_" + action.name(), actor, reason, detail, now);
            return null;
        });
        return find(id).orElseThrow();
    }

    /** An exception's row as a resolution locks it. */
    record Row(long id, Type type, Status status, Long amount, String currency, String creditId, Long rewardId,
                       String fingerprint, Action proposedAction, String proposedReason, String proposedBy, Long messageId) {
    }

    private static Row lock(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select id, type, status, amount_minor, currency, credit_id, reward_id, "
                + "fingerprint, proposed_action, proposed_reason, proposed_by, message_id from processing_exception where id = ? "
                + "for update")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new QueueException(404, "NOT_FOUND", "exception not found");
                }
                return new Row(rs.getLong(1), Type.stored(rs.getString(2)), Status.stored(rs.getString(3)),
                        (Long) rs.getObject(4, Long.class),
                        rs.getString(5), rs.getString(6), (Long) rs.getObject(7, Long.class), rs.getString(8),
                        Action.stored(rs.getString(9)), rs.getString(10), rs.getString(11), (Long) rs.getObject(12, Long.class));
            }
        }
    }

    private static Row lockOpen(Connection c, long id) throws SQLException {
        Row r = lock(c, id);
        if (r.status != Status.OPEN) {
            throw new QueueException(409, "NOT_OPEN", "exception " + id + " is " + r.status);
        }
        return r;
    }

    private static void close(Connection c, long id, Resolution resolution, String reason, String by, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update processing_exception set status = 'RESOLVED', resolution = ?, "
                + "resolution_reason = ?, resolved_by = ?, resolved_at = ? where id = ?")) {
            ps.setString(1, resolution.name());
            ps.setString(2, reason);
            ps.setString(3, by);
            ps.setTimestamp(4, Sql.ts(now));
            ps.setLong(5, id);
            ps.executeUpdate();
        }
        org.accrue.processor.webhooks.ExceptionEvents.resolved(c, now, id, resolution.name());
    }

    static void audit(Connection c, long exceptionId, String action, String actor, String reason, String detail, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into exception_audit (exception_id, action, actor, reason, "
                + "detail, at) values (?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, exceptionId);
            ps.setString(2, action);
            ps.setString(3, actor);
            ps.setString(4, reason);
            ps.setString(5, detail == null ? null : detail.length() > 500 ? detail.substring(0, 500) : detail);
            ps.setTimestamp(6, Sql.ts(now));
            ps.executeUpdate();
        }
        // The audit log has every change in one place; the reason and detail stay in exception_audit (free text).
        org.accrue.processor.audit.AuditLog.record(c, now, new org.accrue.processor.audit.AuditLog.Entry(actor,
                org.accrue.processor.audit.AuditLog.Action.EXCEPTION_ACTION,
                org.accrue.processor.audit.AuditLog.Resource.EXCEPTION, Long.toString(exceptionId), null,
                java.util.Map.of("action", action, "see", "exception_audit")));
    }

    /** A page of the queue, oldest first: rows [offset, offset + limit) of what the filter keeps. */
    public Page page(Filter f, int offset, int limit) {
        return reads.page(f, offset, limit);
    }

    public Optional<Item> find(long id) {
        return reads.find(id);
    }

    public List<AuditEntry> audit(long id) {
        return reads.audit(id);
    }

    /** Open exceptions by type (the types' names in order) and by age bucket (every bucket, youngest first). */
    public OpenCounts openCounts() {
        return reads.openCounts();
    }

    /** The queue's size by type, for the console and metrics. */
    public Map<Type, Long> openByType() {
        return reads.openByType();
    }
}
