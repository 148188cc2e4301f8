/*
 * Tier programs and card tiers, the public entry point of the package: the one owner of tier_program and
 * tier_program_level (V25), an issuer's own program or else the configuration's default, the tiers job's
 * recomputation, and a card's tier state for the API, the console and the cardholder page.
 *
 * A program is checked whole before it is stored (TierProgramException names the broken rule); storing or
 * removing one recomputes the issuer's cards at once, so the matcher never starts an issuer's new program from
 * nothing.
 */
package org.accrue.processor.tiers;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import org.accrue.processor.Refusal;
import org.accrue.processor.audit.AuditLog;
import org.accrue.processor.store.Sql;
import org.accrue.processor.webhooks.Outbox;
import org.accrue.rewards.money.Money;

public final class TierPrograms {
    /** Cards recomputed in one transaction. */
    static final int CARDS_PER_TRANSACTION_MAX = 500;
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,16}");

    /** A program refused for a named rule (problem+json code). */
    public static final class TierProgramException extends Refusal {
        public TierProgramException(String code, String detail) {
            super(code, 422, detail);
        }
    }

    private final DataSource ds;
    private final InstantSource clock;
    private final TierProgram defaultProgram;

    /** {@code defaultProgram}: the configuration's, for issuers without their own (null: none configured). */
    public TierPrograms(DataSource ds, InstantSource clock, TierProgram defaultProgram) {
        this.ds = ds;
        this.clock = clock;
        this.defaultProgram = defaultProgram;
    }

    /**
     * The default program of the configuration (accrue.rewards.tiers, tier-currency numeric): trailing 12 months of
     * cleared spend, no grace (downgrades at the next run, as before issue 17). Null when no tiers are configured.
     */
    public static TierProgram fromConfig(String currencyNumeric, Map<String, Long> thresholds) {
        if (thresholds.isEmpty()) {
            return null;
        }
        List<TierProgram.Level> levels = new ArrayList<>();
        thresholds.forEach((t, v) -> levels.add(new TierProgram.Level(t, v)));
        return new TierProgram(null, TierProgram.DEFAULT_NAME, TierProgram.Measure.SPEND, Money.alphaOf(currencyNumeric),
                TierProgram.Window.TRAILING_12_MONTHS, 0, levels);
    }

    public TierProgram defaultProgram() {
        return defaultProgram;
    }

    /** Checks a program whole: names, measure and currency, thresholds positive and distinct, grace in bounds. */
    public static TierProgram check(TierProgram p) {
        if (p.issuerId() == null || !NAME.matcher(p.issuerId()).matches()) {
            throw new TierProgramException("INVALID_ISSUER", "issuerId must be 1-16 letters, digits, _ or -");
        }
        if (p.name() == null || !p.name().matches("[A-Za-z0-9_ -]{1,32}")) {
            throw new TierProgramException("INVALID_NAME", "name must be 1-32 letters, digits, spaces, _ or -");
        }
        if (p.measure() == TierProgram.Measure.SPEND ? !Currencies.known(p.currency()) : p.currency() != null) {
            throw new TierProgramException("INVALID_CURRENCY", p.measure() == TierProgram.Measure.SPEND
                    ? "a SPEND program needs currency, an ISO 4217 alpha code such as USD"
                    : "only a SPEND program has a currency");
        }
        if (p.graceDays() < 0 || p.graceDays() > TierProgram.GRACE_DAYS_MAX) {
            throw new TierProgramException("INVALID_GRACE_DAYS", "graceDays must be 0.." + TierProgram.GRACE_DAYS_MAX);
        }
        if (p.levels().isEmpty() || p.levels().size() > TierProgram.LEVELS_MAX) {
            throw new TierProgramException("INVALID_TIERS", "tiers must hold 1.." + TierProgram.LEVELS_MAX + " tiers");
        }
        Set<String> names = new HashSet<>();
        Set<Long> thresholds = new HashSet<>();
        for (TierProgram.Level l : p.levels()) {
            if (l.tier() == null || !NAME.matcher(l.tier()).matches() || !names.add(l.tier())) {
                throw new TierProgramException("INVALID_TIERS", "each tier needs a distinct name of 1-16 letters, digits, _ or -");
            }
            if (l.threshold() <= 0 || !thresholds.add(l.threshold())) {
                throw new TierProgramException("INVALID_TIERS", "tier " + l.tier() + ": threshold must be positive and "
                        + "differ from the other tiers'");
            }
        }
        return p;
    }

    /** Stores (or replaces) the issuer's program ({@code actor}: who, for the audit log), then recomputes its cards' tiers. */
    public TierProgram put(String actor, TierProgram p) {
        check(p);
        Sql.inTransaction(ds, c -> {
            deleteRows(c, p.issuerId());
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("name", p.name());
            details.put("measure", p.measure().name());
            details.put("window", p.window().name());
            details.put("graceDays", p.graceDays());
            details.put("tiers", p.levels().stream().map(l -> l.tier() + "=" + l.threshold()).toList());
            AuditLog.record(c, clock.instant(), new AuditLog.Entry(actor, AuditLog.Action.TIER_PROGRAM_SET,
                    AuditLog.Resource.TIER_PROGRAM, p.issuerId(), p.issuerId(), details));
            try (PreparedStatement ps = c.prepareStatement("insert into tier_program (issuer_id, name, measure, currency, "
                    + "qualifying_window, grace_days, updated_at) values (?,?,?,?,?,?,?)")) {
                ps.setString(1, p.issuerId());
                ps.setString(2, p.name());
                ps.setString(3, p.measure().name());
                ps.setString(4, p.currency());
                ps.setString(5, p.window().name());
                ps.setInt(6, p.graceDays());
                Sql.setUtc(ps, 7, clock.instant());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("insert into tier_program_level (issuer_id, tier, threshold) values (?,?,?)")) {
                for (TierProgram.Level l : p.levels()) {
                    ps.setString(1, p.issuerId());
                    ps.setString(2, l.tier());
                    ps.setLong(3, l.threshold());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
        recompute(p.issuerId());
        return p;
    }

    /** Removes the issuer's program (its cards fall back to the default program); false when it had none. */
    public boolean delete(String actor, String issuerId) {
        boolean had = Sql.inTransaction(ds, c -> {
            boolean deleted = deleteRows(c, issuerId);
            if (deleted) {
                AuditLog.record(c, clock.instant(), new AuditLog.Entry(actor, AuditLog.Action.TIER_PROGRAM_DELETED,
                        AuditLog.Resource.TIER_PROGRAM, issuerId, issuerId, Map.of()));
            }
            return deleted;
        });
        if (had) {
            recompute(issuerId);
        }
        return had;
    }

    private static boolean deleteRows(Connection c, String issuerId) throws SQLException {
        try (PreparedStatement a = c.prepareStatement("delete from tier_program_level where issuer_id = ?");
             PreparedStatement b = c.prepareStatement("delete from tier_program where issuer_id = ?")) {
            a.setString(1, issuerId);
            a.executeUpdate();
            b.setString(1, issuerId);
            return b.executeUpdate() > 0;
        }
    }

    /** The issuer's own program, if it has one. */
    public Optional<TierProgram> own(String issuerId) {
        return Optional.ofNullable(Sql.inTransaction(ds, c -> stored(c).get(issuerId)));
    }

    /** Every issuer's own program, by issuer. */
    public Map<String, TierProgram> all() {
        return Sql.inTransaction(ds, TierPrograms::stored);
    }

    /** The issuers' own programs (a small table: read whole). */
    static Map<String, TierProgram> stored(Connection c) throws SQLException {
        Map<String, List<TierProgram.Level>> levels = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select issuer_id, tier, threshold from tier_program_level");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                levels.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new TierProgram.Level(rs.getString(2), rs.getLong(3)));
            }
        }
        Map<String, TierProgram> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select issuer_id, name, measure, currency, qualifying_window, grace_days "
                + "from tier_program order by issuer_id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String issuer = rs.getString(1);
                out.put(issuer, new TierProgram(issuer, rs.getString(2), TierProgram.Measure.valueOf(rs.getString(3)),
                        rs.getString(4), TierProgram.Window.valueOf(rs.getString(5)), rs.getInt(6),
                        levels.getOrDefault(issuer, List.of())));
            }
        }
        return out;
    }

    /** A card's tier state with its program, for the API and pages; empty when no program applies or none is stored. */
    public Optional<CardTier> ofCard(long cardId, String issuerId) {
        return Sql.inTransaction(ds, c -> {
            TierProgram p = stored(c).getOrDefault(issuerId, defaultProgram);
            TierState s = p == null ? null : CardTiers.read(c, List.of(cardId), false).get(cardId);
            return Optional.ofNullable(s == null ? null : new CardTier(p, s));
        });
    }

    /** A card's tier state and the program it is in. */
    public record CardTier(TierProgram program, TierState state) {
    }

    private record Enrolled(long cardId, String issuerId) {
    }

    /** Recomputes every enrolled card's tier (the tiers job); returns how many cards are in each tier ("-" for none). */
    public Map<String, Integer> recomputeAll() {
        return recompute(null);
    }

    /** Recomputes the tiers of the issuer's enrolled cards (every issuer's when null). */
    public Map<String, Integer> recompute(String onlyIssuer) {
        Instant now = clock.instant();
        Map<String, Integer> counts = new java.util.TreeMap<>();
        long after = -1;
        while (true) {
            long from = after;
            List<Enrolled> page = new ArrayList<>();
            Sql.inTransaction(ds, c -> {
                try (PreparedStatement ps = c.prepareStatement("select id, issuer_id from card where status = 'ENROLLED' and id > ?"
                        + (onlyIssuer == null ? "" : " and issuer_id = ?") + " order by id limit " + CARDS_PER_TRANSACTION_MAX)) {
                    ps.setLong(1, from);
                    if (onlyIssuer != null) {
                        ps.setString(2, onlyIssuer);
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            page.add(new Enrolled(rs.getLong(1), rs.getString(2)));
                        }
                    }
                }
                return null;
            });
            if (page.isEmpty()) {
                return counts;
            }
            after = page.get(page.size() - 1).cardId();
            Sql.inTransaction(ds, c -> {
                Map<String, TierProgram> programs = stored(c);
                Map<TierProgram, List<Long>> byProgram = new LinkedHashMap<>();
                Map<Long, String> issuerOf = new java.util.HashMap<>();
                for (Enrolled card : page) {
                    TierProgram p = programs.getOrDefault(card.issuerId(), defaultProgram);
                    if (p != null) {
                        byProgram.computeIfAbsent(p, k -> new ArrayList<>()).add(card.cardId());
                        issuerOf.put(card.cardId(), card.issuerId());
                    }
                }
                List<TierState> states = new ArrayList<>();
                Set<Long> stored = new HashSet<>();
                List<Outbox.Event> events = new ArrayList<>();
                for (Map.Entry<TierProgram, List<Long>> e : byProgram.entrySet()) {
                    Map<Long, TierState> old = CardTiers.read(c, e.getValue(), true);
                    stored.addAll(old.keySet());
                    for (TierRules.Outcome o : TierRecompute.of(c, e.getKey(), e.getValue(), old, now, true)) {
                        states.add(o.state());
                        counts.merge(o.state().tier() == null ? "-" : o.state().tier(), 1, Integer::sum);
                        if (o.change() != null) {
                            events.add(TierEvents.changed(issuerOf.get(o.state().cardId()), o.state(), o.change()));
                        }
                    }
                }
                CardTiers.write(c, states, stored);
                Outbox.emit(c, now, events);
                return null;
            });
        }
    }
}
