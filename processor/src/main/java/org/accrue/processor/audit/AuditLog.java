/*
 * The audit log (issue 16 item 4): one audit_log row for every change to merchants, offers, enrollments (enroll,
 * unenroll, erase), webhook endpoints (created, changed, secret rotated, deleted) and exceptions (each action of
 * ops or admins gets one here too: who, what, which exception; the free-text reason stays in exception_audit, which
 * also keeps what reconciliation does by itself).
 *
 * A row is written by record() on the changing transaction's own connection, so it exists exactly when its change
 * was committed. The actor is the API key's name (the console's session key name, or "cli" for the command line).
 * details is a small JSON object that never holds a PAN, a token, a secret, or a cardholder's account reference,
 * name or member number: cards are named by their public id, so an erased card's history stays as it was and says
 * nothing about the person.
 *
 * export() streams rows of a time range (optionally one resource type) as JSON lines, in the order they were
 * written, row by row from the server (the driver's streaming result set), so an export of any size holds one row in
 * memory.
 */
package org.accrue.processor.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.accrue.processor.ids.Ids;
import org.accrue.processor.store.Sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

public final class AuditLog {
    /** The actor of changes made from the command line (an offline node, the demo). */
    public static final String CLI = "cli";
    public static final int ACTOR_CHARS_MAX = 64;
    public static final int DETAILS_CHARS_MAX = 4000;
    /** Rows the driver fetches at a time while an export streams. */
    static final int EXPORT_FETCH_ROWS = 500;

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** What was changed: the export's {@code type} filter. */
    public enum Resource {
        MERCHANT("merchant"), OFFER("offer"), CARD("card"), WEBHOOK("webhook"), EXCEPTION("exception"),
        PARTNER("partner"), WINBACK_CAMPAIGN("winback-campaign"), TIER_PROGRAM("tier-program"),
        POINTS_PROGRAM("points-program"), COALITION("coalition"), SEGMENT("segment");

        private final String id;

        Resource(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static Optional<Resource> parse(String s) {
            return Arrays.stream(values()).filter(r -> r.id.equals(s)).findFirst();
        }
    }

    /** Every action recorded, each named once. */
    public enum Action {
        MERCHANT_CREATED("merchant.created"), MERCHANT_CHANGED("merchant.changed"),
        OFFER_CREATED("offer.created"), OFFER_CHANGED("offer.changed"),
        CARD_ENROLLED("card.enrolled"), CARD_REENROLLED("card.reenrolled"), CARD_UNENROLLED("card.unenrolled"),
        CARD_ERASED("card.erased"),
        WEBHOOK_CREATED("webhook.created"), WEBHOOK_CHANGED("webhook.changed"),
        WEBHOOK_SECRET_ROTATED("webhook.secret-rotated"), WEBHOOK_DELETED("webhook.deleted"),
        EXCEPTION_ACTION("exception.action"),
        PARTNER_CREATED("partner.created"), PARTNER_CHANGED("partner.changed"),
        WINBACK_CAMPAIGN_CREATED("winback-campaign.created"),
        TIER_PROGRAM_SET("tier-program.set"), TIER_PROGRAM_DELETED("tier-program.deleted"),
        POINTS_PROGRAM_CREATED("points-program.created"), COALITION_CREATED("coalition.created"),
        COALITION_SETTLED("coalition.settled"),
        SEGMENT_CREATED("segment.created"), SEGMENT_MEMBERS_CHANGED("segment.members-changed");

        private final String id;

        Action(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /** One change: who did what to which resource of which issuer (null: none, a merchant or offer). */
    public record Entry(String actor, Action action, Resource resource, String resourceId, String issuerId,
                        Map<String, Object> details) {
        public Entry {
            if (actor == null || actor.isBlank()) {
                throw new IllegalArgumentException("an audit entry needs an actor");
            }
            actor = actor.length() > ACTOR_CHARS_MAX ? actor.substring(0, ACTOR_CHARS_MAX) : actor;
            details = details == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
        }
    }

    private final DataSource ds;

    public AuditLog(DataSource ds) {
        this.ds = ds;
    }

    /** Writes {@code e} in the caller's transaction on {@code c}. */
    public static void record(Connection c, Instant at, Entry e) throws SQLException {
        recordAll(c, at, List.of(e));
    }

    /** Writes the entries, in order, in the caller's transaction on {@code c}: one batch (a bulk file's chunk). */
    public static void recordAll(Connection c, Instant at, List<Entry> entries) throws SQLException {
        if (entries.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("insert into audit_log (id, at, actor, action, resource_type, "
                + "resource_id, issuer_id, details) values (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Entry e : entries) {
                String details;
                try {
                    details = JSON.writeValueAsString(e.details());
                } catch (JsonProcessingException x) {
                    throw new IllegalArgumentException("audit details are not JSON: " + x.getOriginalMessage());
                }
                if (details.length() > DETAILS_CHARS_MAX) {
                    details = "{\"truncated\":true}";
                }
                ps.setString(1, Ids.next("aud"));
                Sql.setUtc(ps, 2, at);
                ps.setString(3, e.actor());
                ps.setString(4, e.action().id());
                ps.setString(5, e.resource().id());
                ps.setString(6, e.resourceId());
                ps.setString(7, e.issuerId());
                ps.setString(8, details);
                if (entries.size() == 1) {
                    ps.executeUpdate();
                } else {
                    ps.addBatch();
                }
            }
            if (entries.size() > 1) {
                ps.executeBatch();
            }
        }
    }

    /** One exported row, as the JSON line shows it. */
    @com.fasterxml.jackson.annotation.JsonPropertyOrder({"id", "at", "actor", "action", "resourceType", "resourceId",
            "issuerId", "details"})
    record ExportedRow(String id, Instant at, String actor, String action, String resourceType, String resourceId,
                       String issuerId, com.fasterxml.jackson.databind.JsonNode details) {
    }

    /**
     * Writes the rows with {@code from <= at < to} (either bound may be null: open), of one resource type or all, to
     * {@code out} as JSON lines (one object a line: id, at, actor, action, resourceType, resourceId, issuerId,
     * details), oldest first; returns how many.
     */
    public long export(Instant from, Instant to, Resource type, OutputStream out) throws IOException {
        StringBuilder sql = new StringBuilder("select id, at, actor, action, resource_type, resource_id, issuer_id, details "
                + "from audit_log where 1 = 1");
        if (from != null) {
            sql.append(" and at >= ?");
        }
        if (to != null) {
            sql.append(" and at < ?");
        }
        if (type != null) {
            sql.append(" and resource_type = ?");
        }
        sql.append(" order by at, seq");
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement(sql.toString(), ResultSet.TYPE_FORWARD_ONLY,
                     ResultSet.CONCUR_READ_ONLY)) {
            ps.setFetchSize(EXPORT_FETCH_ROWS);
            int i = 1;
            if (from != null) {
                Sql.setUtc(ps, i++, from);
            }
            if (to != null) {
                Sql.setUtc(ps, i++, to);
            }
            if (type != null) {
                ps.setString(i, type.id());
            }
            long n = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ExportedRow row = new ExportedRow(rs.getString(1), Sql.instant(rs, 2), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
                            JSON.readTree(rs.getString(8)));
                    out.write(JSON.writeValueAsBytes(row));
                    out.write('\n');
                    n++;
                }
            }
            out.flush();
            return n;
        } catch (SQLException e) {
            throw new Sql.StoreException(e);
        }
    }
}
