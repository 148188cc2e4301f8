/*
 * Coalition points: the one owner of coalition, coalition_member, coalition_redemption and coalition_settlement (V24).
 *
 * A card's points of member A's program are redeemed at member B: the points are spent oldest first (a REDEEM
 * ledger transaction on each lot, points.PointsLedger), and what they bought, points x A's agreed cash value per
 * 1,000 (rounded down to the minor unit), is a cash reward funded by "COALITION:<coalition>:<A>><B>", delivered at
 * once (B hands over the goods: SENT and POSTED in the same transaction, so posting never pays it as a statement
 * credit). That funder account is what A owes B, in the ledger, redemption by redemption. A settlement of a period
 * [start, end) totals the period's unsettled redemptions per (A, B) into one coalition_settlement row (A owes B the
 * amount) and marks them settled, so each redemption is settled once; the settlement's amount equals the REDEEM
 * value of its redemptions in the ledger (CoalitionsTest). A period settled again adds the redemptions it did not
 * have to its row. Refused in this order: UNKNOWN_COALITION, UNKNOWN_MEMBER, PROGRAM_NOT_IN_COALITION (also another
 * issuer's program), SAME_MEMBER, POINTS_NOT_POSITIVE, BAD_REDEMPTION_ID, BELOW_MIN_REDEMPTION,
 * REDEMPTION_TOO_SMALL, INSUFFICIENT_POINTS.
 */
package org.accrue.processor.coalition;

import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.accrue.processor.Refusal;
import org.accrue.processor.audit.AuditLog;
import org.accrue.processor.ids.Ids;
import org.accrue.processor.points.PointsLedger;
import org.accrue.processor.points.PointsProgram;
import org.accrue.processor.points.PointsPrograms;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.matching.RewardUnit;
import org.accrue.rewards.money.Money;

public final class Coalitions {
    public static final String ID_PATTERN = "[A-Za-z0-9_-]{1,16}";
    public static final String MEMBER_PATTERN = "[A-Za-z0-9_-]{1,24}";
    public static final int PERIOD_DAYS_MAX = 366;

    /** A refused coalition request, with a stable code for problem+json. */
    public static final class CoalitionException extends Refusal {
        public CoalitionException(int status, String code, String detail) {
            super(code, status, detail);
        }
    }

    private final DataSource ds;
    private final InstantSource clock;
    private final PointsPrograms programs;

    public Coalitions(DataSource ds, InstantSource clock, PointsPrograms programs) {
        this.ds = ds;
        this.clock = clock;
        this.programs = programs;
    }

    /** The ledger's funder account of what {@code earning} owes {@code redeeming}. */
    public static String funder(String coalitionId, String earning, String redeeming) {
        return "COALITION:" + coalitionId + ":" + earning + ">" + redeeming;
    }

    /** Stores a coalition, audited as {@code actor}'s. */
    public Coalition create(String actor, Coalition k) {
        if (k.coalitionId() == null || !k.coalitionId().matches(ID_PATTERN)) {
            throw new CoalitionException(422, "FIELD_INVALID", "coalitionId must be 1-16 of A-Z a-z 0-9 _ -");
        }
        Money.exponent(k.currency());
        if (k.members().size() < 2 || k.members().size() > Coalition.MEMBERS_MAX) {
            throw new CoalitionException(422, "FIELD_INVALID", "a coalition has 2.." + Coalition.MEMBERS_MAX + " members");
        }
        for (Coalition.Member m : k.members()) {
            if (m.memberId() == null || !m.memberId().matches(MEMBER_PATTERN)) {
                throw new CoalitionException(422, "FIELD_INVALID", "memberId must be 1-24 of A-Z a-z 0-9 _ -");
            }
            if (k.members().stream().filter(x -> x.memberId().equals(m.memberId())).count() > 1) {
                throw new CoalitionException(422, "FIELD_INVALID", "member " + m.memberId() + " twice");
            }
            if (m.program() != null && programs.find(m.program()).isEmpty()) {
                throw new CoalitionException(422, "UNKNOWN_POINTS_PROGRAM", "member " + m.memberId()
                        + ": no points program " + m.program());
            }
            if (m.program() != null && k.members().stream().filter(x -> m.program().equals(x.program())).count() > 1) {
                throw new CoalitionException(422, "FIELD_INVALID", "program " + m.program() + " of two members");
            }
            if (m.cashMinorPer1000Points() < 0 || m.cashMinorPer1000Points() > 1_000_000) {
                throw new CoalitionException(422, "FIELD_INVALID", "cashPer1000Points must be 0..1000000 minor units");
            }
        }
        Sql.inTransaction(ds, c -> {
            if (find(c, k.coalitionId()).isPresent()) {
                throw new CoalitionException(409, "COALITION_EXISTS", "coalition " + k.coalitionId() + " exists");
            }
            try (PreparedStatement ps = c.prepareStatement("insert into coalition (coalition_id, name, currency, "
                    + "created_at) values (?, ?, ?, ?)")) {
                ps.setString(1, k.coalitionId());
                ps.setString(2, k.name());
                ps.setString(3, k.currency());
                Sql.setUtc(ps, 4, clock.instant());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("insert into coalition_member (coalition_id, member_id, name, "
                    + "program, cash_minor_per_1000) values (?, ?, ?, ?, ?)")) {
                for (Coalition.Member m : k.members()) {
                    ps.setString(1, k.coalitionId());
                    ps.setString(2, m.memberId());
                    ps.setString(3, m.name());
                    ps.setString(4, m.program());
                    ps.setLong(5, m.cashMinorPer1000Points());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            AuditLog.record(c, clock.instant(), new AuditLog.Entry(actor, AuditLog.Action.COALITION_CREATED,
                    AuditLog.Resource.COALITION, k.coalitionId(), null, Map.of("currency", k.currency(), "members",
                    k.members().stream().map(m -> m.memberId() + (m.program() == null ? "" : " " + m.program() + " "
                            + m.cashMinorPer1000Points() + " per 1000")).toList())));
            return null;
        });
        return k;
    }

    public Optional<Coalition> find(String coalitionId) {
        return Sql.inTransaction(ds, c -> find(c, coalitionId));
    }

    public List<Coalition> list() {
        return Sql.inTransaction(ds, c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select coalition_id from coalition order by coalition_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            List<Coalition> out = new ArrayList<>();
            for (String id : ids) {
                find(c, id).ifPresent(out::add);
            }
            return out;
        });
    }

    private static Optional<Coalition> find(Connection c, String coalitionId) throws SQLException {
        String name;
        String currency;
        try (PreparedStatement ps = c.prepareStatement("select name, currency from coalition where coalition_id = ?")) {
            ps.setString(1, coalitionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                name = rs.getString(1);
                currency = rs.getString(2);
            }
        }
        List<Coalition.Member> members = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select member_id, name, program, cash_minor_per_1000 from "
                + "coalition_member where coalition_id = ? order by member_id")) {
            ps.setString(1, coalitionId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    members.add(new Coalition.Member(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
                }
            }
        }
        return Optional.of(new Coalition(coalitionId, name, currency, members));
    }

    /** Spends {@code points} of the card's {@code program} (a member's) at {@code redeemingMember}; idempotent by id. */
    public Coalition.Redemption redeem(long cardId, String issuerId, String coalitionId, String redeemingMember,
                                       String program, long points, String redemptionId) {
        Coalition k = find(coalitionId).orElseThrow(() -> new CoalitionException(422, "UNKNOWN_COALITION",
                "no coalition " + coalitionId));
        Coalition.Member at = k.member(redeemingMember).orElseThrow(() -> new CoalitionException(422, "UNKNOWN_MEMBER",
                "coalition " + coalitionId + " has no member " + redeemingMember));
        Coalition.Member earner = k.ofProgram(program).orElseThrow(() -> new CoalitionException(422,
                "PROGRAM_NOT_IN_COALITION", "no member of coalition " + coalitionId + " runs program " + program));
        PointsProgram p = programs.find(program).filter(x -> x.openTo(issuerId)).orElseThrow(() ->
                new CoalitionException(422, "PROGRAM_NOT_IN_COALITION", "no member of coalition " + coalitionId
                        + " runs program " + program));
        if (earner.memberId().equals(at.memberId())) {
            throw new CoalitionException(422, "SAME_MEMBER", "points of " + program + " are redeemed at "
                    + at.memberId() + " through the program itself, not the coalition");
        }
        if (points <= 0) {
            throw new CoalitionException(422, "POINTS_NOT_POSITIVE", "points must be positive");
        }
        if (redemptionId == null || !redemptionId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new CoalitionException(422, "BAD_REDEMPTION_ID", "redemptionId must be 1-64 of A-Z a-z 0-9 . _ -");
        }
        if (points < p.minRedemption()) {
            throw new CoalitionException(422, "BELOW_MIN_REDEMPTION", "program " + program + " redeems at least "
                    + p.minRedemption() + " points, " + points + " asked");
        }
        long amount = Money.divide(Math.multiplyExact(points, earner.cashMinorPer1000Points()), 1000, RoundingMode.DOWN);
        if (amount <= 0) {
            throw new CoalitionException(422, "REDEMPTION_TOO_SMALL", points + " points are worth nothing in "
                    + k.currency());
        }
        String key = cardId + ":" + redemptionId;
        return Sql.inTransaction(ds, c -> {
            Coalition.Redemption earlier = redemption(c, key, redemptionId);
            if (earlier != null) {
                return earlier;
            }
            Instant now = clock.instant();
            PointsLedger.spend(c, cardId, program, points, now);
            String rewardId = PointsLedger.bought(c, cardId, issuerId, funder(coalitionId, earner.memberId(),
                    at.memberId()), RewardUnit.cash(k.currency()), amount, points, "COALITION-REDEMPTION",
                    "coalition:" + key, PointsLedger.Delivery.DELIVERED, now);
            try (PreparedStatement ps = c.prepareStatement("insert into coalition_redemption (redemption_key, "
                    + "coalition_id, earning_member, redeeming_member, card_id, program, points, amount_minor, currency, "
                    + "reward_public_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, key);
                ps.setString(2, coalitionId);
                ps.setString(3, earner.memberId());
                ps.setString(4, at.memberId());
                ps.setLong(5, cardId);
                ps.setString(6, program);
                ps.setLong(7, points);
                ps.setLong(8, amount);
                ps.setString(9, k.currency());
                ps.setString(10, rewardId);
                Sql.setUtc(ps, 11, now);
                ps.executeUpdate();
            }
            return new Coalition.Redemption(redemptionId, coalitionId, earner.memberId(), at.memberId(), program,
                    points, amount, k.currency(), rewardId, now);
        });
    }

    /** Whether the card made this coalition redemption already (a replay answers 200). */
    public boolean exists(long cardId, String redemptionId) {
        return Sql.inTransaction(ds, c -> redemption(c, cardId + ":" + redemptionId, redemptionId) != null);
    }

    private static Coalition.Redemption redemption(Connection c, String key, String redemptionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select coalition_id, earning_member, redeeming_member, program, "
                + "points, amount_minor, currency, reward_public_id, created_at from coalition_redemption "
                + "where redemption_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Coalition.Redemption(redemptionId, rs.getString(1), rs.getString(2),
                        rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6), rs.getString(7), rs.getString(8),
                        Sql.instant(rs, 9)) : null;
            }
        }
    }

    /**
     * Settles the coalition's redemptions made in [start, end) (UTC days) that no settlement has taken: one row per
     * (earning, redeeming) member pair. Returns the period's settlements (all of them, also those of earlier runs).
     */
    public List<Coalition.Settlement> settle(String actor, String coalitionId, LocalDate start, LocalDate end) {
        if (find(coalitionId).isEmpty()) {
            throw new CoalitionException(404, "NOT_FOUND", "coalition " + coalitionId);
        }
        if (start == null || end == null || !end.isAfter(start) || start.plusDays(PERIOD_DAYS_MAX).isBefore(end)) {
            throw new CoalitionException(400, "PARAMETER_INVALID", "from and to must be dates (YYYY-MM-DD), from before "
                    + "to, at most " + PERIOD_DAYS_MAX + " days apart");
        }
        return Sql.inTransaction(ds, c -> {
            Instant now = clock.instant();
            record Pair(String debtor, String creditor, String currency) {
            }
            record Totals(int count, long points, long amount) {
            }
            Map<Pair, Totals> open = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("select earning_member, redeeming_member, currency, count(*), "
                    + "sum(points), sum(amount_minor) from coalition_redemption where coalition_id = ? "
                    + "and settlement_id is null and created_at >= ? and created_at < ? "
                    + "group by earning_member, redeeming_member, currency order by earning_member, redeeming_member "
                    + "for update")) {
                ps.setString(1, coalitionId);
                Sql.setUtc(ps, 2, start.atStartOfDay(ZoneOffset.UTC).toInstant());
                Sql.setUtc(ps, 3, end.atStartOfDay(ZoneOffset.UTC).toInstant());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        open.put(new Pair(rs.getString(1), rs.getString(2), rs.getString(3)),
                                new Totals(rs.getInt(4), rs.getLong(5), rs.getLong(6)));
                    }
                }
            }
            for (Map.Entry<Pair, Totals> e : open.entrySet()) {
                Pair p = e.getKey();
                Totals t = e.getValue();
                String settlementId = existing(c, coalitionId, p.debtor(), p.creditor(), start);
                if (settlementId == null) {
                    settlementId = Ids.next("cs");
                    try (PreparedStatement ps = c.prepareStatement("insert into coalition_settlement (settlement_id, "
                            + "coalition_id, debtor_member, creditor_member, period_start, period_end, redemptions, "
                            + "points, amount_minor, currency, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                        ps.setString(1, settlementId);
                        ps.setString(2, coalitionId);
                        ps.setString(3, p.debtor());
                        ps.setString(4, p.creditor());
                        ps.setObject(5, start);
                        ps.setObject(6, end);
                        ps.setInt(7, t.count());
                        ps.setLong(8, t.points());
                        ps.setLong(9, t.amount());
                        ps.setString(10, p.currency());
                        Sql.setUtc(ps, 11, now);
                        ps.executeUpdate();
                    }
                } else {
                    try (PreparedStatement ps = c.prepareStatement("update coalition_settlement set redemptions = "
                            + "redemptions + ?, points = points + ?, amount_minor = amount_minor + ? where settlement_id = ?")) {
                        ps.setInt(1, t.count());
                        ps.setLong(2, t.points());
                        ps.setLong(3, t.amount());
                        ps.setString(4, settlementId);
                        ps.executeUpdate();
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("update coalition_redemption set settlement_id = ? "
                        + "where coalition_id = ? and earning_member = ? and redeeming_member = ? and settlement_id is null "
                        + "and created_at >= ? and created_at < ?")) {
                    ps.setString(1, settlementId);
                    ps.setString(2, coalitionId);
                    ps.setString(3, p.debtor());
                    ps.setString(4, p.creditor());
                    Sql.setUtc(ps, 5, start.atStartOfDay(ZoneOffset.UTC).toInstant());
                    Sql.setUtc(ps, 6, end.atStartOfDay(ZoneOffset.UTC).toInstant());
                    ps.executeUpdate();
                }
            }
            if (!open.isEmpty()) {
                AuditLog.record(c, now, new AuditLog.Entry(actor, AuditLog.Action.COALITION_SETTLED,
                        AuditLog.Resource.COALITION, coalitionId, null, Map.of("from", start.toString(), "to",
                        end.toString(), "pairs", open.size())));
            }
            return settlements(c, coalitionId, start);
        });
    }

    private static String existing(Connection c, String coalitionId, String debtor, String creditor, LocalDate start)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select settlement_id from coalition_settlement where "
                + "coalition_id = ? and debtor_member = ? and creditor_member = ? and period_start = ? for update")) {
            ps.setString(1, coalitionId);
            ps.setString(2, debtor);
            ps.setString(3, creditor);
            ps.setObject(4, start);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The coalition's settlements, newest period first (of the period starting {@code start} only, when not null). */
    public List<Coalition.Settlement> settlements(String coalitionId, LocalDate start) {
        return Sql.inTransaction(ds, c -> settlements(c, coalitionId, start));
    }

    private static List<Coalition.Settlement> settlements(Connection c, String coalitionId, LocalDate start)
            throws SQLException {
        List<Coalition.Settlement> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select settlement_id, debtor_member, creditor_member, "
                + "period_start, period_end, redemptions, points, amount_minor, currency, created_at from "
                + "coalition_settlement where coalition_id = ?" + (start == null ? "" : " and period_start = ?")
                + " order by period_start desc, debtor_member, creditor_member limit 500")) {
            ps.setString(1, coalitionId);
            if (start != null) {
                ps.setObject(2, start);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Coalition.Settlement(rs.getString(1), coalitionId, rs.getString(2), rs.getString(3),
                            rs.getObject(4, LocalDate.class), rs.getObject(5, LocalDate.class), rs.getInt(6),
                            rs.getLong(7), rs.getLong(8), rs.getString(9), Sql.instant(rs, 10)));
                }
            }
        }
        return out;
    }
}
