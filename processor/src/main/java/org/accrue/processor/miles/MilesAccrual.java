/*
 * The `miles-accrual` job (airline-partner-api.md). First, in batches, every
 * AVAILABLE miles reward becomes SENT with its SEND ledger transaction and a
 * miles_accrual row holding the accrual id ("ACR-<reward row id>") and the
 * body it will always be sent with. Then each owed accrual (and each owed
 * reversal of a credited one) is sent to its airline, one call at a time,
 * and its answer is written in its own transaction right after the call: a
 * node killed between the call and the write sends the same key and body
 * again, and the airline answers 200 with the original result.
 *
 * Answers: credited -> POSTED (and the reward POSTED); refused -> REFUSED,
 * the reward REJECTED (the miles are owed to the cardholder again in the
 * ledger, never lost) and an exception for ops; no answer after the
 * partner's attempts -> UNRESOLVED and an exception (ops resend it with the
 * same key); circuit open -> the partner is left for this run.
 * The member is validated before a card's first accrual.
 */
package org.accrue.processor.miles;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.jobs.ScheduledJob;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.posting.Clawbacks;
import org.accrue.processor.store.Sql;
import org.accrue.reconciliation.files.StatementText;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class MilesAccrual implements ScheduledJob {
    private static final Logger log = LoggerFactory.getLogger(MilesAccrual.class);
    private static final int BATCH_SIZE_MAX = 500;
    /** Calls per partner per run: bounds one run; the next run takes the rest. */
    private static final int CALLS_PER_RUN_MAX = 10_000;
    private static final int DESCRIPTION_CHARS_MAX = 40;

    private final DataSource ds;
    private final InstantSource clock;
    private final Map<String, AirlinePartner> partners;

    public MilesAccrual(DataSource ds, InstantSource clock, Map<String, AirlinePartner> partners) {
        this.ds = ds;
        this.clock = clock;
        this.partners = partners;
    }

    /** What one run did, per outcome. */
    public record Result(int handedOver, Map<String, Integer> outcomes) {
        public String summary() {
            return handedOver + " miles reward(s) handed to airlines; calls: " + (outcomes.isEmpty() ? "none"
                    : String.join(", ", outcomes.entrySet().stream().map(o -> o.getValue() + " " + o.getKey()).toList()));
        }
    }

    @Override
    public String run(RunContext run) {
        return accrue().summary();
    }

    public Result accrue() {
        int handed = 0;
        while (true) {
            Instant now = clock.instant();
            int n = Sql.inTransaction(ds, c -> handOver(c, now));
            handed += n;
            if (n < BATCH_SIZE_MAX) {
                break;
            }
        }
        Map<String, Integer> outcomes = new TreeMap<>();
        for (Map.Entry<String, AirlinePartner> p : partners.entrySet()) {
            send(p.getKey(), p.getValue(), outcomes);
        }
        return new Result(handed, outcomes);
    }

    private int handOver(Connection c, Instant now) throws SQLException {
        record Due(RewardBook.Row row, String merchant) {
        }
        List<Due> due = new ArrayList<>();
        for (RewardBook.Row row : RewardBook.claimAvailable(c, RewardUnit.Kind.MILES, 0, BATCH_SIZE_MAX)) {
            due.add(new Due(row, row.merchantId() != null ? row.merchantId() : row.offerId()));
        }
        Map<String, String> names = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select name from merchant where merchant_id = ?")) {
            for (Due d : due) {
                if (!names.containsKey(d.merchant())) {
                    ps.setString(1, d.merchant());
                    try (ResultSet rs = ps.executeQuery()) {
                        names.put(d.merchant(), rs.next() ? rs.getString(1) : d.merchant());
                    }
                }
            }
        }
        List<RewardBook.Change> changes = new ArrayList<>(due.size());
        try (PreparedStatement accrual = c.prepareStatement("insert into miles_accrual (accrual_id, reversal_no, reward_id, "
                     + "card_id, program, miles, activity_date, description, status, attempts, created_at, updated_at) "
                     + "values (?, 0, ?, ?, ?, ?, ?, ?, 'OWED', 0, ?, ?)")) {
            for (Due d : due) {
                Reward r = d.row().reward();
                // no miles to send (a zero reward) is done at once: POSTED
                changes.add(d.row().apply(x -> {
                    List<LedgerTransaction> sent = x.send(now);
                    return x.amount() == 0 ? List.of(sent, x.posted()).stream().flatMap(List::stream).toList() : sent;
                }));
                if (r.amount() != 0) {
                    accrual.setString(1, Clawbacks.accrualId(d.row().rowId()));
                    accrual.setLong(2, d.row().rowId());
                    accrual.setLong(3, Long.parseLong(r.cardId()));
                    accrual.setString(4, r.unit().code());
                    accrual.setLong(5, r.amount());
                    accrual.setObject(6, d.row().purchaseDate());
                    String text = StatementText.clean(names.get(d.merchant()) + " MILES");
                    accrual.setString(7, text.length() > DESCRIPTION_CHARS_MAX ? text.substring(0, DESCRIPTION_CHARS_MAX) : text);
                    accrual.setTimestamp(8, Sql.ts(now));
                    accrual.setTimestamp(9, Sql.ts(now));
                    accrual.addBatch();
                }
            }
            accrual.executeBatch();
        }
        RewardBook.write(c, changes, now);
        return due.size();
    }

    /** An owed call: the accrual (reversalNo 0) or a reversal, with the card's member. */
    private record Owed(String accrualId, int reversalNo, long rewardId, long cardId, long miles, LocalDate activityDate,
                        String description, String member, String memberProgram, String lastName, String memberStatus,
                        String issuerId, String last4, String program) {
    }

    private void send(String program, AirlinePartner partner, Map<String, Integer> outcomes) {
        List<Owed> owed = Sql.inTransaction(ds, c -> owed(c, program));
        for (Owed o : owed) {
            String outcome = o.reversalNo() == 0 ? sendAccrual(partner, o) : sendReversal(partner, o);
            outcomes.merge(outcome, 1, Integer::sum);
            if (outcome.equals("CIRCUIT_OPEN") || outcome.equals("UNAUTHORIZED")) {
                log.warn("airline {}: {}, the owed call(s) are left for a later run", program,
                        outcome.equals("CIRCUIT_OPEN") ? "circuit open" : "our credentials were refused");
                break;
            }
        }
    }

    private static List<Owed> owed(Connection c, String program) throws SQLException {
        List<Owed> out = new ArrayList<>();
        // A reversal goes only after its accrual was credited; accruals first, oldest first.
        try (PreparedStatement ps = c.prepareStatement("select a.accrual_id, a.reversal_no, a.reward_id, a.card_id, a.miles, "
                + "a.activity_date, a.description, k.airline_member, k.airline_program, k.last_name, "
                + "k.airline_member_status, k.issuer_id, k.last4, a.program from miles_accrual a join card k on k.id = a.card_id "
                + "where a.program = ? and a.status = 'OWED' and (a.reversal_no = 0 or exists (select 1 from miles_accrual o "
                + "where o.accrual_id = a.accrual_id and o.reversal_no = 0 and o.status = 'POSTED')) "
                + "order by a.reversal_no > 0, a.created_at, a.accrual_id, a.reversal_no limit " + CALLS_PER_RUN_MAX)) {
            ps.setString(1, program);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Owed(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                            rs.getObject(6, LocalDate.class), rs.getString(7), rs.getString(8), rs.getString(9),
                            rs.getString(10), rs.getString(11), rs.getString(12), rs.getString(13), rs.getString(14)));
                }
            }
        }
        return out;
    }

    private String sendAccrual(AirlinePartner partner, Owed o) {
        String program = o.program();
        if (o.member() == null || !program.equals(o.memberProgram())) {
            refuse(o, "NO_MEMBER", "the card has no " + program + " member number");
            return "REFUSED NO_MEMBER";
        }
        if (!"ACTIVE".equals(o.memberStatus())) {
            Validation v = partner.validate(o.member(), o.lastName());
            switch (v) {
                case Validation.Valid ok -> memberStatus(o.cardId(), "ACTIVE");
                case Validation.Invalid invalid -> {
                    memberStatus(o.cardId(), invalid.code());
                    refuse(o, invalid.code(), "member validation refused: " + invalid.code());
                    return "REFUSED " + invalid.code();
                }
                case Validation.Unavailable u when u.problem() != null
                        && u.problem().startsWith(Validation.CREDENTIALS_REFUSED) -> {
                    credentialsRefused(program, u.problem());
                    return "UNAUTHORIZED";
                }
                case Validation.Unavailable u -> {
                    return u.problem() != null && u.problem().startsWith("circuit") ? "CIRCUIT_OPEN" : "VALIDATION_UNAVAILABLE";
                }
            }
        }
        Outcome out = partner.accrue(new AccrualRequest(o.accrualId(), o.member(), o.lastName(), o.miles(), o.activityDate(),
                o.description()));
        return record(o, out);
    }

    private String sendReversal(AirlinePartner partner, Owed o) {
        return record(o, partner.reverse(o.accrualId(), o.reversalNo(), o.miles(), "REFUND"));
    }

    private String record(Owed o, Outcome out) {
        Instant now = clock.instant();
        return switch (out) {
            case Outcome.Credited credited -> {
                Sql.inTransaction(ds, c -> {
                    update(c, o, "POSTED", credited.confirmation(), null, now);
                    if (o.reversalNo() == 0) {
                        String rewardId = rewardPosted(c, o.rewardId(), now);
                        milesEvent(c, o, rewardId, org.accrue.processor.webhooks.EventType.MILES_CREDITED, "confirmation",
                                credited.confirmation(), now);
                    }
                    return null;
                });
                yield credited.replayed() ? "CREDITED_REPLAY" : "CREDITED";
            }
            case Outcome.Refused refused -> {
                refuse(o, refused.code(), (o.reversalNo() == 0 ? "accrual" : "reversal") + " refused by the airline: "
                        + refused.code());
                yield "REFUSED " + refused.code();
            }
            case Outcome.Unresolved unresolved -> {
                Sql.inTransaction(ds, c -> {
                    update(c, o, "UNRESOLVED", null, unresolved.lastProblem(), now);
                    Exceptions.raise(c, new Exceptions.Raise(Exceptions.Type.AIRLINE_UNRESOLVED, key(o), o.issuerId(), o.cardId(),
                            o.last4(), o.miles(), o.program(), key(o) + ": no answer after " + unresolved.attempts()
                            + " attempt(s) (" + unresolved.lastProblem() + "); resend with the same key", null, o.rewardId()), now);
                    return null;
                });
                yield "UNRESOLVED";
            }
            case Outcome.Unauthorized u -> {
                credentialsRefused(o.program(), Validation.CREDENTIALS_REFUSED + ": HTTP " + u.httpStatus());
                yield "UNAUTHORIZED";
            }
            case Outcome.CircuitOpen open -> "CIRCUIT_OPEN";
        };
    }

    /**
     * The airline refused our credentials: nothing is refused or rejected (the calls stay owed and go again once the
     * key is fixed); ops get one exception per program and day, not one per accrual.
     */
    private void credentialsRefused(String program, String problem) {
        Instant now = clock.instant();
        Sql.inTransaction(ds, c -> Exceptions.raise(c, new Exceptions.Raise(Exceptions.Type.AIRLINE_CREDENTIALS, program + ":"
                + LocalDate.ofInstant(now, java.time.ZoneOffset.UTC), null, null, null, null, null, "the airline "
                + program + " refused our credentials (" + problem + "); no accrual was sent or refused, the owed ones "
                + "go in the next run once accrue.airline." + program + ".api-key is right"), now));
    }

    private static String key(Owed o) {
        return o.reversalNo() == 0 ? o.accrualId() : o.accrualId() + "-R" + o.reversalNo();
    }

    private void refuse(Owed o, String code, String detail) {
        Instant now = clock.instant();
        Sql.inTransaction(ds, c -> {
            update(c, o, "REFUSED", null, code, now);
            if (o.reversalNo() == 0) {
                String rewardId = rewardRejected(c, o.rewardId(), now);
                milesEvent(c, o, rewardId, org.accrue.processor.webhooks.EventType.MILES_REFUSED, "reason", code, now);
            }
            Exceptions.raise(c, new Exceptions.Raise(o.reversalNo() == 0 ? Exceptions.Type.AIRLINE_REFUSED
                            : Exceptions.Type.AIRLINE_REVERSAL_REFUSED,
                    key(o), o.issuerId(), o.cardId(), o.last4(), o.miles(), o.program(), key(o) + ": " + detail, null, o.rewardId()), now);
            return null;
        });
    }

    private static void update(Connection c, Owed o, String status, String confirmation, String problem, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update miles_accrual set status = ?, confirmation = ?, problem = ?, "
                + "attempts = attempts + 1, updated_at = ? where accrual_id = ? and reversal_no = ?")) {
            ps.setString(1, status);
            ps.setString(2, confirmation);
            ps.setString(3, problem == null ? null : problem.length() > 200 ? problem.substring(0, 200) : problem);
            ps.setTimestamp(4, Sql.ts(now));
            ps.setString(5, o.accrualId());
            ps.setInt(6, o.reversalNo());
            ps.executeUpdate();
        }
    }

    private static RewardBook.Row reward(Connection c, long rowId) throws SQLException {
        return RewardBook.lock(c, rowId).orElseThrow(() -> new IllegalStateException("miles reward " + rowId + " is gone"));
    }

    /** The reward POSTED; returns its public id. */
    private static String rewardPosted(Connection c, long rowId, Instant now) throws SQLException {
        RewardBook.Row row = reward(c, rowId);
        RewardBook.write(c, row.apply(Reward::posted), now);
        return row.reward().id();
    }

    /** The reward REJECTED (when it was still SENT); returns its public id. */
    private static String rewardRejected(Connection c, long rowId, Instant now) throws SQLException {
        RewardBook.Row row = reward(c, rowId);
        if (row.reward().status() == Reward.Status.SENT) {
            RewardBook.write(c, row.apply(r -> r.rejected(now)), now);
        }
        return row.reward().id();
    }

    /** miles.credited or miles.refused for the issuer (webhooks.md): the member number masked to its last four. */
    private static void milesEvent(Connection c, Owed o, String rewardId, org.accrue.processor.webhooks.EventType type,
                                   String field, String value, Instant now) throws SQLException {
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("rewardId", rewardId);
        d.put("program", o.program());
        d.put("member", maskMember(o.member()));
        d.put("amount", Map.of("amount", o.miles(), "unit", "MILES", "program", o.program()));
        d.put(field, value);
        org.accrue.processor.webhooks.Outbox.emit(c, now, List.of(new org.accrue.processor.webhooks.Outbox.Event(type,
                o.issuerId(), o.cardId(), d)));
    }

    static String maskMember(String member) {
        if (member == null) {
            return null;
        }
        int keep = Math.min(4, Math.max(0, member.length() - 4));
        return "*".repeat(member.length() - keep) + member.substring(member.length() - keep);
    }

    private void memberStatus(long cardId, String status) {
        Instant now = clock.instant();
        Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("update card set airline_member_status = ?, airline_validated_at = ? "
                    + "where id = ?")) {
                ps.setString(1, status);
                ps.setTimestamp(2, Sql.ts(now));
                ps.setLong(3, cardId);
                return ps.executeUpdate();
            }
        });
    }

    /** Validates a newly enrolled card's member (enrollment); a partner that does not answer leaves it for the job. */
    public void validateMember(long cardId) {
        record Member(String program, String number, String lastName) {
        }
        Member m = Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("select airline_program, airline_member, last_name from card "
                    + "where id = ?")) {
                ps.setLong(1, cardId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && rs.getString(2) != null ? new Member(rs.getString(1), rs.getString(2), rs.getString(3)) : null;
                }
            }
        });
        AirlinePartner p = m == null ? null : partners.get(m.program());
        if (p == null) {
            return;
        }
        switch (p.validate(m.number(), m.lastName())) {
            case Validation.Valid ok -> memberStatus(cardId, "ACTIVE");
            case Validation.Invalid invalid -> memberStatus(cardId, invalid.code());
            case Validation.Unavailable u -> log.info("member validation for card {} left for the miles job: {}", cardId, u.problem());
        }
    }

    /** Partners' circuit states for health and metrics. */
    public Map<String, AirlinePartner> partners() {
        return new LinkedHashMap<>(partners);
    }

    /** One accrual of a card's miles as the cardholder sees it: sent (POSTED), refused, or still on its way. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record CardAccrual(String accrualId, int reversalNo, String program, long miles, java.time.LocalDate activityDate,
                              String status, String refusal, Instant updatedAt) {
    }

    /**
     * The card's accruals and their reversals, newest first, a page at a time. A refusal carries the airline's code
     * (PartnerReplies keeps it in the problem column for REFUSED rows only); other problems stay with ops.
     */
    public static java.util.List<CardAccrual> ofCard(javax.sql.DataSource ds, long cardId, int offset, int limit) {
        return Sql.inTransaction(ds, c -> {
            java.util.List<CardAccrual> out = new java.util.ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select accrual_id, reversal_no, program, miles, activity_date, "
                    + "status, problem, updated_at from miles_accrual where card_id = ? "
                    + "order by created_at desc, accrual_id desc, reversal_no desc limit ? offset ?")) {
                ps.setLong(1, cardId);
                ps.setInt(2, limit);
                ps.setInt(3, offset);
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String status = rs.getString(6);
                        out.add(new CardAccrual(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getLong(4),
                                rs.getDate(5).toLocalDate(), status, "REFUSED".equals(status) ? rs.getString(7) : null,
                                Sql.instant(rs, 8)));
                    }
                }
            }
            return out;
        });
    }
}
