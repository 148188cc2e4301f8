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
 */
package org.accrue.processor.confirmations;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.matcher.RewardMatcher;
import org.accrue.processor.statements.StatementCredits;
import org.accrue.processor.store.Sql;

public final class ExceptionsQueue {
    /** What ops resolve an exception with; each is recorded as the Resolution of the same name. */
    public enum Action {
        RESEND, WRITE_OFF, ACCEPT_ISSUER_AMOUNT, CLAWBACK, RETRY;

        Resolution resolution() {
            return Resolution.valueOf(name());
        }
    }

    private static final int REASON_CHARS_MAX = 500;
    private static final int LIST_LIMIT_MAX = 500;

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

    public ExceptionsQueue(DataSource ds, InstantSource clock, long writeOffApprovalMinor) {
        this.ds = ds;
        this.clock = clock;
        this.writeOffApprovalMinor = writeOffApprovalMinor;
    }

    private static final String SELECT = "select e.id, e.type, e.status, e.issuer_id, e.card_id, e.last4, e.amount_minor, "
            + "e.currency, e.detail, e.credit_id, e.reward_id, e.assignee, e.created_at, e.resolution, e.resolution_reason, "
            + "e.resolved_by, e.resolved_at, e.proposed_action, e.proposed_by, e.message_key from processing_exception e";

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

    /** A page of the queue, oldest first: rows [offset, offset + limit) of what the filter keeps. */
    public Page page(Filter f, int offset, int limit) {
        int lim = Math.min(Math.max(limit, 1), LIST_LIMIT_MAX);
        int off = Math.max(offset, 0);
        Instant now = clock.instant();
        StringBuilder where = new StringBuilder(" where 1 = 1");
        List<Object> params = new ArrayList<>();
        filter(where, params, "e.status", f.status() == null ? null : f.status().name());
        filter(where, params, "e.type", f.type() == null ? null : f.type().name());
        filter(where, params, "e.issuer_id", f.issuerId());
        filter(where, params, "e.assignee", f.assignee());
        if (f.age() != null) {
            if (f.age().fromDays > 0) {
                where.append(" and e.created_at <= ?");
                params.add(now.minus(Duration.ofDays(f.age().fromDays)));
            }
            if (f.age().toDays >= 0) {
                where.append(" and e.created_at > ?");
                params.add(now.minus(Duration.ofDays(f.age().toDays)));
            }
        }
        if (f.card() != null && !f.card().isBlank()) {
            String card = f.card().strip();
            if (card.length() == 4 && card.chars().allMatch(Character::isDigit)) {
                filter(where, params, "e.last4", card);
            } else {
                where.append(" and e.card_id in (select id from card where account_ref = ?)");
                params.add(card);
            }
        }
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + where + " order by e.created_at, e.id limit "
                    + (lim + 1) + " offset " + off)) {
                for (int i = 0; i < params.size(); i++) {
                    if (params.get(i) instanceof Instant at) {
                        ps.setTimestamp(i + 1, Sql.ts(at));
                    } else {
                        ps.setString(i + 1, (String) params.get(i));
                    }
                }
                List<Item> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs, now));
                    }
                }
                boolean more = out.size() > lim;
                return new Page(more ? out.subList(0, lim) : out, off, lim, more);
            }
        });
    }

    /** Adds "and column = ?" for a filter that is set. */
    private static void filter(StringBuilder where, List<Object> params, String column, String value) {
        if (value != null) {
            where.append(" and ").append(column).append(" = ?");
            params.add(value);
        }
    }

    public Optional<Item> find(long id) {
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + " where e.id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs, clock.instant())) : Optional.<Item>empty();
                }
            }
        });
    }

    public List<AuditEntry> audit(long id) {
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("select action, actor, reason, detail, at from exception_audit "
                    + "where exception_id = ? order by at, id")) {
                ps.setLong(1, id);
                List<AuditEntry> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new AuditEntry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                Sql.instant(rs, 5)));
                    }
                }
                return out;
            }
        });
    }

    private static Item read(ResultSet rs, Instant now) throws SQLException {
        Instant created = Sql.instant(rs, 13);
        Type type = Type.stored(rs.getString(2));
        Status status = Status.stored(rs.getString(3));
        return new Item(rs.getLong(1), type, status, rs.getString(4), (Long) rs.getObject(5, Long.class),
                rs.getString(6) == null ? null : "**** " + rs.getString(6), (Long) rs.getObject(7, Long.class),
                Exceptions.alphaCurrency(rs.getString(8)), rs.getString(9), rs.getString(10), (Long) rs.getObject(11, Long.class),
                rs.getString(12), created, Math.max(0, Duration.between(created, now).toSeconds()),
                Resolution.stored(rs.getString(14)),
                rs.getString(15), rs.getString(16), Sql.instant(rs, 17), action(rs.getString(18)), rs.getString(19),
                status == Status.RESOLVED ? Set.of() : allowed(type), rs.getString(20));
    }

    /** A stored proposal: an Action's name, or null. */
    private static Action action(String stored) {
        return stored == null ? null : Action.valueOf(stored);
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
            String detail = apply(c, e, action, now);
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
            String detail = apply(c, e, action, now);
            close(c, id, action.resolution(), e.proposedReason, e.proposedBy, now);
            audit(c, id, "APPROVE_" + action.name(), actor, reason, detail, now);
            return null;
        });
        return find(id).orElseThrow();
    }

    private record Row(long id, Type type, Status status, Long amount, String currency, String creditId, Long rewardId,
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
                        action(rs.getString(9)), rs.getString(10), rs.getString(11), (Long) rs.getObject(12, Long.class));
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

    /** Does what the action means for this exception's reward; returns a line for the audit. */
    private String apply(Connection c, Row e, Action action, Instant now) throws SQLException {
        if (action == Action.RETRY) {
            if (e.messageId == null || !RewardMatcher.requeue(c, e.messageId, now)) {
                throw new QueueException(409, "NO_MESSAGE", "the exception's message is not stored");
            }
            return "message " + e.messageId + " is back in the matcher's queue";
        }
        if (e.rewardId == null) {
            return "no money moves (" + e.type + ")";
        }
        boolean airline = e.type.airline();
        boolean reversal = airline && e.fingerprint.contains("-R");
        if (reversal && action == Action.WRITE_OFF) {
            return "the bank absorbs the miles the member already spent; the reward stands";
        }
        RewardBook.Row row = RewardBook.lock(c, e.rewardId)
                .orElseThrow(() -> new QueueException(409, "NO_REWARD", "the exception's reward is gone"));
        RewardBook.Change change = null;
        String detail;
        switch (action) {
            case RESEND -> {
                if (!reversal) {
                    change = row.apply(r -> r.resend(now));
                }
                if (airline) {
                    try (PreparedStatement ps = c.prepareStatement("update miles_accrual set status = 'OWED', "
                            + "updated_at = ? where accrual_id = ? and reversal_no = ?")) {
                        String[] key = e.fingerprint.split("-R");
                        ps.setTimestamp(1, Sql.ts(now));
                        ps.setString(2, key[0]);
                        ps.setInt(3, key.length > 1 ? Integer.parseInt(key[1]) : 0);
                        ps.executeUpdate();
                    }
                    detail = "sent to the airline again with the same key " + e.fingerprint;
                } else {
                    detail = "resent as credit " + resendCredit(c, e.creditId, row, now);
                }
            }
            case WRITE_OFF -> {
                change = row.apply(r -> r.writeOff(now));
                detail = "reward written off; the funder owes it no more";
            }
            case ACCEPT_ISSUER_AMOUNT -> {
                long posted = confirmedAmount(c, e.creditId);
                long before = row.reward().amount();
                change = row.apply(r -> r.adjustTo(posted, now));
                detail = "reward adjusted from " + before + " to the " + posted + " the issuer posted";
            }
            case CLAWBACK -> {
                long over = overCredit(c, e, row);
                try (PreparedStatement ps = c.prepareStatement("insert into clawback (reward_id, card_id, issuer_id, funder, "
                        + "unit_kind, unit_code, amount, remaining, status, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, 'OPEN', ?)")) {
                    ps.setLong(1, row.rowId());
                    ps.setLong(2, Long.parseLong(row.reward().cardId()));
                    ps.setString(3, row.reward().issuerId());
                    ps.setString(4, row.reward().funder());
                    ps.setString(5, row.reward().unit().kind().name());
                    ps.setString(6, row.reward().unit().code());
                    ps.setLong(7, over);
                    ps.setLong(8, over);
                    ps.setTimestamp(9, Sql.ts(now));
                    ps.executeUpdate();
                }
                detail = "clawback of " + over + " " + row.reward().unit().code()
                        + " opened: netted against the card's next credits or sent as a debit";
            }
            default -> throw new IllegalStateException(action.name());
        }
        if (change != null) {
            RewardBook.write(c, change, now);
        }
        return detail;
    }

    /** A new credit id for the same reward ("C<reward>-R<n>"), in the open batch for the next file, at the reward's amount. */
    private static String resendCredit(Connection c, String creditId, RewardBook.Row row, Instant now) throws SQLException {
        return StatementCredits.resend(c, creditId, row.rowId(), row.reward().amount(), now)
                .orElseThrow(() -> new QueueException(409, "NO_CREDIT", "credit " + creditId + " is gone"));
    }

    private static long confirmedAmount(Connection c, String creditId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select confirmed_amount from credit_reconciliation where credit_id = ?")) {
            ps.setString(1, creditId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getObject(1) == null) {
                    throw new QueueException(409, "NOT_CONFIRMED", "the issuer confirmed no amount for " + creditId);
                }
                return rs.getLong(1);
            }
        }
    }

    /** What was credited beyond the reward: the issuer's extra amount, a duplicate posting, or all of a wrong account's. */
    private static long overCredit(Connection c, Row e, RewardBook.Row row) throws SQLException {
        long amount = row.reward().amount();
        long over = switch (e.type) {
            case RECON_AMOUNT_MISMATCH -> confirmedAmount(c, e.creditId) - amount;
            default -> e.amount == null ? amount : Math.abs(e.amount);
        };
        if (over <= 0) {
            throw new QueueException(409, "NOTHING_OVER_CREDITED", "the issuer posted no more than the reward: nothing to claw back");
        }
        return over;
    }

    /** Open exceptions by type (the types' names in order) and by age bucket (every bucket, youngest first). */
    public OpenCounts openCounts() {
        Instant now = clock.instant();
        return Sql.inTransaction(ds, c -> {
            Map<Type, Long> byType = new LinkedHashMap<>();
            Map<Age, Long> byAge = new java.util.EnumMap<>(Age.class);
            for (Age a : Age.values()) {
                byAge.put(a, 0L);
            }
            // One row per type, each age bucket summed by the database: the queue may hold many rows, the answer not.
            StringBuilder sql = new StringBuilder("select type");
            for (Age a : Age.values()) {
                // the youngest bucket has no lower age: a row stamped a moment ahead of this node's clock counts in it
                sql.append(", sum(case when ").append(a.fromDays > 0 ? "created_at <= ?" : "1 = 1")
                        .append(a.toDays >= 0 ? " and created_at > ?" : "").append(" then 1 else 0 end)");
            }
            sql.append(" from processing_exception where status <> 'RESOLVED' group by type order by type");
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                for (Age a : Age.values()) {
                    if (a.fromDays > 0) {
                        ps.setTimestamp(i++, Sql.ts(now.minus(Duration.ofDays(a.fromDays))));
                    }
                    if (a.toDays >= 0) {
                        ps.setTimestamp(i++, Sql.ts(now.minus(Duration.ofDays(a.toDays))));
                    }
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long n = 0;
                        for (Age a : Age.values()) {
                            long k = rs.getLong(2 + a.ordinal());
                            byAge.merge(a, k, Long::sum);
                            n += k;
                        }
                        byType.put(Type.stored(rs.getString(1)), n);
                    }
                }
            }
            return new OpenCounts(java.util.Collections.unmodifiableMap(byType), java.util.Collections.unmodifiableMap(byAge));
        });
    }

    /** The queue's size by type, for the console and metrics. */
    public Map<Type, Long> openByType() {
        return Sql.inTransaction(ds, c -> {
            Map<Type, Long> out = new LinkedHashMap<>(); // in the order of the types' names, as the console shows them
            try (PreparedStatement ps = c.prepareStatement("select type, count(*) from processing_exception where status <> "
                    + "'RESOLVED' group by type order by type"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(Type.stored(rs.getString(1)), rs.getLong(2));
                }
            }
            return out;
        });
    }
}
