/*
 * The points programs: the one owner of points_program and its bonus, airline and voucher tables (V24), and the
 * programs of the configuration (accrue.points.<P>.*), which are loaded as programs of no issuer (PointsProgram).
 * A program code is unique across both: a stored program may not take a configured code. Programs are created
 * whole by the admin API and read back into PointsProgram; the matcher reads the stored ones through
 * {@link #stored(Connection)} when it reloads its catalog.
 */
package org.accrue.processor.points;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.audit.AuditLog;
import org.accrue.processor.store.Sql;

public final class PointsPrograms {
    private final DataSource ds;
    private final InstantSource clock;
    private final Map<String, PointsProgram> configured;
    private final Set<String> issuers;
    private final AtomicLong version = new AtomicLong();

    public PointsPrograms(DataSource ds, InstantSource clock, Map<String, AccrueConfig.PointsProgram> config,
                          Map<String, AccrueConfig.Airline> airlines, Set<String> issuers) {
        this.ds = ds;
        this.clock = clock;
        this.issuers = Set.copyOf(issuers);
        Map<String, Long> miles = new LinkedHashMap<>();
        airlines.values().stream().filter(a -> a.milesPer1000Points() > 0)
                .forEach(a -> miles.put(a.program(), (long) a.milesPer1000Points()));
        Map<String, PointsProgram> m = new LinkedHashMap<>();
        for (AccrueConfig.PointsProgram p : config.values()) {
            m.put(p.program(), new PointsProgram(p.program(), null, p.program(), p.currency(), 0, List.of(),
                    p.cashMinorPer1000Points(), new ExpiryRule(ExpiryRule.Kind.ROLLING_MONTHS, p.validityMonths()), 0, 0,
                    miles, List.of(), PointsProgram.Source.CONFIG));
        }
        this.configured = Map.copyOf(m);
    }

    /** Changes with every program created on this node (the matcher reloads on it, or every 30 s). */
    public long version() {
        return version.get();
    }

    public Optional<PointsProgram> find(String program) {
        if (program == null) {
            return Optional.empty();
        }
        PointsProgram p = configured.get(program);
        if (p != null) {
            return Optional.of(p);
        }
        return Sql.inTransaction(ds, c -> stored(c).stream().filter(x -> x.program().equals(program)).findFirst());
    }

    /** Every program: the configured ones, then the stored ones (of {@code issuerId} only, when not null). */
    public List<PointsProgram> list(String issuerId) {
        List<PointsProgram> out = new ArrayList<>(configured.values());
        out.addAll(Sql.inTransaction(ds, PointsPrograms::stored).stream()
                .filter(p -> issuerId == null || issuerId.equals(p.issuerId())).toList());
        return out;
    }

    /**
     * Stores a new program of an issuer, audited as {@code actor}'s; a code taken (configured or stored) is 409, an
     * unknown issuer 422.
     */
    public PointsProgram create(String actor, PointsProgram p) {
        if (p.issuerId() == null || !issuers.contains(p.issuerId())) {
            throw new Points.PointsException(422, "UNKNOWN_ISSUER", "issuerId must name a configured issuer");
        }
        if (configured.containsKey(p.program())) {
            throw new Points.PointsException(409, "PROGRAM_EXISTS", "program " + p.program() + " is configured");
        }
        PointsProgram stored = Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("select 1 from points_program where program = ? for update")) {
                ps.setString(1, p.program());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        throw new Points.PointsException(409, "PROGRAM_EXISTS", "program " + p.program() + " exists");
                    }
                }
            }
            insert(c, p);
            AuditLog.record(c, clock.instant(), new AuditLog.Entry(actor, AuditLog.Action.POINTS_PROGRAM_CREATED,
                    AuditLog.Resource.POINTS_PROGRAM, p.program(), p.issuerId(), Map.of("name", p.name(), "currency",
                    p.currency(), "pointsPerUnit", p.pointsPerUnit(), "expiry", p.expiry().kind() + " " + p.expiry().count(),
                    "minRedemption", p.minRedemption())));
            return new PointsProgram(p.program(), p.issuerId(), p.name(), p.currency(), p.pointsPerUnit(), p.bonuses(),
                    p.cashMinorPer1000Points(), p.expiry(), p.minRedemption(), p.warningDays(), p.milesPer1000Points(),
                    p.vouchers(), PointsProgram.Source.API);
        });
        version.incrementAndGet();
        return stored;
    }

    private void insert(Connection c, PointsProgram p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into points_program (program, issuer_id, name, currency, "
                + "points_per_unit, cash_minor_per_1000, expiry_kind, expiry_count, min_redemption, warning_days, "
                + "created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, p.program());
            ps.setString(2, p.issuerId());
            ps.setString(3, p.name());
            ps.setString(4, p.currency());
            ps.setInt(5, p.pointsPerUnit());
            ps.setLong(6, p.cashMinorPer1000Points());
            ps.setString(7, p.expiry().kind().name());
            ps.setInt(8, p.expiry().count());
            ps.setLong(9, p.minRedemption());
            ps.setInt(10, p.warningDays());
            Sql.setUtc(ps, 11, clock.instant());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into points_program_bonus (program, mcc, points_per_unit) "
                + "values (?, ?, ?)")) {
            for (PointsProgram.Bonus b : p.bonuses()) {
                ps.setString(1, p.program());
                ps.setString(2, b.mcc());
                ps.setInt(3, b.pointsPerUnit());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into points_program_airline (program, airline, "
                + "miles_per_1000_points) values (?, ?, ?)")) {
            for (Map.Entry<String, Long> a : p.milesPer1000Points().entrySet()) {
                ps.setString(1, p.program());
                ps.setString(2, a.getKey());
                ps.setLong(3, a.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into points_voucher (program, voucher_id, partner, "
                + "face_minor, currency, points_price) values (?, ?, ?, ?, ?, ?)")) {
            for (PointsProgram.Voucher v : p.vouchers()) {
                ps.setString(1, p.program());
                ps.setString(2, v.voucherId());
                ps.setString(3, v.partner());
                ps.setLong(4, v.faceMinor());
                ps.setString(5, v.currency());
                ps.setLong(6, v.pointsPrice());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The stored programs, whole (the matcher's earn rates, the API's list). */
    public static List<PointsProgram> stored(Connection c) throws SQLException {
        Map<String, List<PointsProgram.Bonus>> bonuses = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select program, mcc, points_per_unit from points_program_bonus "
                + "order by program, mcc"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                bonuses.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                        .add(new PointsProgram.Bonus(rs.getString(2), rs.getInt(3)));
            }
        }
        Map<String, Map<String, Long>> airlines = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select program, airline, miles_per_1000_points from "
                + "points_program_airline order by program, airline"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                airlines.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>()).put(rs.getString(2), rs.getLong(3));
            }
        }
        Map<String, List<PointsProgram.Voucher>> vouchers = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select program, voucher_id, partner, face_minor, currency, "
                + "points_price from points_voucher order by program, voucher_id"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                vouchers.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new PointsProgram.Voucher(
                        rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5), rs.getLong(6)));
            }
        }
        List<PointsProgram> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select program, issuer_id, name, currency, points_per_unit, "
                + "cash_minor_per_1000, expiry_kind, expiry_count, min_redemption, warning_days from points_program "
                + "order by program"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String program = rs.getString(1);
                out.add(new PointsProgram(program, rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                        bonuses.getOrDefault(program, List.of()), rs.getLong(6),
                        new ExpiryRule(ExpiryRule.Kind.valueOf(rs.getString(7)), rs.getInt(8)), rs.getLong(9),
                        rs.getInt(10), airlines.getOrDefault(program, Map.of()), vouchers.getOrDefault(program, List.of()),
                        PointsProgram.Source.API));
            }
        }
        return out;
    }
}
