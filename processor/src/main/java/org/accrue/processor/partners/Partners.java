/*
 * Partners that fund offers across merchants (issue 17, item 6): an airline,
 * a fuel chain, a food-delivery company. A partner is named by the offers it
 * funds (funding PARTNER, "partnerId"); the ledger's funder of their rewards
 * is "PARTNER:<partnerId>", and the partner-invoicing job bills it its
 * rewards plus its fee (basis points of the rewards sent), minus clawbacks.
 * One owner of the partner table; definitions are validated whole and every
 * change is an audit_log row in its transaction.
 */
package org.accrue.processor.partners;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.accrue.processor.Refusal;
import org.accrue.processor.audit.AuditLog;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.money.Money;

public final class Partners {
    public static final int NAME_LENGTH_MAX = 200;
    public static final int CONTACT_LENGTH_MAX = 200;
    public static final int LIST_ROWS_MAX = 500;
    private static final String ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

    public enum Kind { AIRLINE, FUEL, FOOD_DELIVERY, OTHER }

    /** A partner and its terms: the fee it pays on the rewards it funds, in basis points, billed in its currency. */
    public record Partner(String partnerId, String name, Kind kind, String billingCurrency, int feeBps, String contact,
                          Instant createdAt, Instant updatedAt) {
        public Partner {
            if (partnerId == null || !partnerId.matches(ID_PATTERN)) {
                throw invalid("partnerId", "must be 1-64 letters, digits, '.', '_' or '-'");
            }
            if (name == null || name.isBlank() || name.length() > NAME_LENGTH_MAX) {
                throw invalid("name", "must be 1-" + NAME_LENGTH_MAX + " characters");
            }
            if (kind == null) {
                throw invalid("kind", "must be one of AIRLINE, FUEL, FOOD_DELIVERY, OTHER");
            }
            try {
                Money.exponent(billingCurrency);
            } catch (RuntimeException e) {
                throw invalid("billingCurrency", "must be an ISO 4217 code with a minor unit");
            }
            if (feeBps < 0 || feeBps > 10_000) {
                throw invalid("feeBps", "must be 0..10000 basis points");
            }
            if (contact != null && contact.length() > CONTACT_LENGTH_MAX) {
                throw invalid("contact", "must be at most " + CONTACT_LENGTH_MAX + " characters");
            }
        }
    }

    public static Refusal invalid(String field, String rule) {
        return new Refusal("FIELD_INVALID", 422, "partner." + field + " " + rule);
    }

    private final DataSource ds;
    private final InstantSource clock;

    public Partners(DataSource ds, InstantSource clock) {
        this.ds = ds;
        this.clock = clock;
    }

    /** Creates or replaces a partner (its creation time kept); true when it was new. */
    public boolean put(String actor, Partner p) {
        Instant now = clock.instant();
        return Sql.inTransaction(ds, c -> {
            boolean created;
            try (PreparedStatement ps = c.prepareStatement("insert into partner (partner_id, name, kind, billing_currency, "
                    + "fee_bps, contact, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?) on duplicate key update "
                    + "name = values(name), kind = values(kind), billing_currency = values(billing_currency), "
                    + "fee_bps = values(fee_bps), contact = values(contact), updated_at = values(updated_at)")) {
                ps.setString(1, p.partnerId());
                ps.setString(2, p.name());
                ps.setString(3, p.kind().name());
                ps.setString(4, p.billingCurrency());
                ps.setInt(5, p.feeBps());
                ps.setString(6, p.contact());
                Sql.setUtc(ps, 7, now);
                Sql.setUtc(ps, 8, now);
                created = ps.executeUpdate() == 1; // 1: inserted, 2: updated, 0: the same values again
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("name", p.name());
            details.put("kind", p.kind().name());
            details.put("feeBps", p.feeBps());
            AuditLog.record(c, now, new AuditLog.Entry(actor, created ? AuditLog.Action.PARTNER_CREATED
                    : AuditLog.Action.PARTNER_CHANGED, AuditLog.Resource.PARTNER, p.partnerId(), null, details));
            return created;
        });
    }

    public Optional<Partner> find(String partnerId) {
        return Sql.inTransaction(ds, c -> find(c, partnerId));
    }

    public static Optional<Partner> find(Connection c, String partnerId) throws SQLException {
        List<Partner> l = read(c, " where partner_id = ?", partnerId);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.getFirst());
    }

    public List<Partner> list() {
        return Sql.inTransaction(ds, c -> read(c, "", null));
    }

    private static List<Partner> read(Connection c, String where, String id) throws SQLException {
        List<Partner> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select partner_id, name, kind, billing_currency, fee_bps, contact, "
                + "created_at, updated_at from partner" + where + " order by partner_id limit " + LIST_ROWS_MAX)) {
            if (id != null) {
                ps.setString(1, id);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Partner(rs.getString(1), rs.getString(2), Kind.valueOf(rs.getString(3)), rs.getString(4),
                            rs.getInt(5), rs.getString(6), Sql.instant(rs, 7), Sql.instant(rs, 8)));
                }
            }
        }
        return out;
    }
}
