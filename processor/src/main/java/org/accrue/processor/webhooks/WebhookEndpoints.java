/*
 * An issuer's webhook endpoints (webhooks.md, "Endpoints"): registration with a
 * signing secret shown once, change, removal, secret rotation (both secrets
 * sign for 24 hours), the recent deliveries of an endpoint and replay of one.
 * Every method takes the caller's issuer scope (null: every issuer, for admins
 * and ops): another issuer's endpoint is not found, never forbidden.
 */
package org.accrue.processor.webhooks;

import java.net.URI;
import java.net.URISyntaxException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import org.accrue.processor.Refusal;
import org.accrue.processor.audit.AuditLog;
import org.accrue.processor.ids.Ids;
import org.accrue.processor.store.Sql;

public final class WebhookEndpoints {
    /** How long a rotated-out secret still signs. */
    public static final Duration PREVIOUS_SECRET_SIGNS = Duration.ofHours(24);
    private static final int URL_CHARS_MAX = 2048;
    private static final int DESCRIPTION_CHARS_MAX = 256;

    public record Endpoint(String id, String issuerId, String url, List<String> events, String description,
                           boolean enabled, String disabledReason, Instant failingSince, Instant createdAt,
                           Instant updatedAt) {
    }

    /** A new endpoint and its secret: the only time the secret is shown. */
    public record Registered(Endpoint endpoint, String secret) {
    }

    /** A change: null fields stay as they are. */
    public record Change(String url, List<String> events, String description, Boolean enabled) {
    }

    public record Delivery(String eventId, String type, String status, int attempts, Instant createdAt,
                           Instant lastAttemptAt, Integer lastStatus, String lastError, Instant nextAttemptAt,
                           Instant deliveredAt) {
    }

    private final DataSource ds;
    private final InstantSource clock;
    private final SecretBox secrets;
    private final boolean allowLocalHttp;

    public WebhookEndpoints(DataSource ds, InstantSource clock, SecretBox secrets, boolean allowLocalHttp) {
        this.ds = ds;
        this.clock = clock;
        this.secrets = secrets;
        this.allowLocalHttp = allowLocalHttp;
    }

    public Registered register(String issuerId, String url, List<String> events, String description) {
        return register(AuditLog.CLI, issuerId, url, events, description);
    }

    /** Registers an endpoint; {@code actor} names who in the audit log (never the secret). */
    public Registered register(String actor, String issuerId, String url, List<String> events, String description) {
        String checkedUrl = checkUrl(url);
        List<String> checkedEvents = checkEvents(events);
        String checkedDescription = checkDescription(description);
        String id = Ids.next("whk");
        String secret = Ids.secret("whsec");
        Instant now = clock.instant();
        Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO webhook_endpoint (id, issuer_id, url, events, description, enabled, secret_enc,
                                                  created_at, updated_at)
                    VALUES (?,?,?,?,?,TRUE,?,?,?)""")) {
                ps.setString(1, id);
                ps.setString(2, issuerId);
                ps.setString(3, checkedUrl);
                ps.setString(4, String.join(",", checkedEvents));
                ps.setString(5, checkedDescription);
                ps.setBytes(6, secrets.seal(secret));
                Sql.setUtc(ps, 7, now);
                Sql.setUtc(ps, 8, now);
                ps.executeUpdate();
            }
            audit(c, actor, AuditLog.Action.WEBHOOK_CREATED, id, issuerId, now,
                    Map.of("url", auditedUrl(checkedUrl), "events", checkedEvents));
            return null;
        });
        return new Registered(find(issuerId, id).orElseThrow(), secret);
    }

    public List<Endpoint> list(String scope) {
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM webhook_endpoint"
                    + (scope == null ? "" : " WHERE issuer_id = ?") + " ORDER BY created_at, id")) {
                if (scope != null) {
                    ps.setString(1, scope);
                }
                return read(ps);
            }
        });
    }

    public Optional<Endpoint> find(String scope, String id) {
        return Sql.inTransaction(ds, c -> find(c, scope, id, false));
    }

    public Optional<Endpoint> change(String scope, String id, Change change) {
        return change(AuditLog.CLI, scope, id, change);
    }

    public Optional<Endpoint> change(String actor, String scope, String id, Change change) {
        String url = change.url() == null ? null : checkUrl(change.url());
        List<String> events = change.events() == null ? null : checkEvents(change.events());
        String description = change.description() == null ? null : checkDescription(change.description());
        Instant now = clock.instant();
        return Sql.inTransaction(ds, c -> {
            if (find(c, scope, id, true).isEmpty()) {
                return Optional.empty();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE webhook_endpoint
                       SET url = COALESCE(?, url), events = COALESCE(?, events), description = COALESCE(?, description),
                           enabled = COALESCE(?, enabled),
                           disabled_reason = IF(COALESCE(?, enabled), NULL, disabled_reason),
                           failing_since = IF(? IS TRUE, NULL, failing_since), updated_at = ?
                     WHERE id = ?""")) {
                ps.setString(1, url);
                ps.setString(2, events == null ? null : String.join(",", events));
                ps.setString(3, description);
                ps.setObject(4, change.enabled());
                ps.setObject(5, change.enabled());
                ps.setObject(6, change.enabled());
                Sql.setUtc(ps, 7, now);
                ps.setString(8, id);
                ps.executeUpdate();
            }
            Optional<Endpoint> now2 = find(c, scope, id, false);
            Map<String, Object> details = new java.util.LinkedHashMap<>();
            if (url != null) {
                details.put("url", auditedUrl(url));
            }
            if (events != null) {
                details.put("events", events);
            }
            if (description != null) {
                details.put("description", description);
            }
            if (change.enabled() != null) {
                details.put("enabled", change.enabled());
            }
            audit(c, actor, AuditLog.Action.WEBHOOK_CHANGED, id, now2.orElseThrow().issuerId(), now, details);
            return now2;
        });
    }

    /** Removes the endpoint and its deliveries; false when there is none in scope. */
    public boolean delete(String scope, String id) {
        return delete(AuditLog.CLI, scope, id);
    }

    public boolean delete(String actor, String scope, String id) {
        return Sql.inTransaction(ds, c -> {
            Optional<Endpoint> e = find(c, scope, id, true);
            if (e.isEmpty()) {
                return false;
            }
            audit(c, actor, AuditLog.Action.WEBHOOK_DELETED, id, e.get().issuerId(), clock.instant(),
                    Map.of("url", auditedUrl(e.get().url())));
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM webhook_delivery WHERE endpoint_id = ?")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM webhook_endpoint WHERE id = ?")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            return true;
        });
    }

    /** A new secret, shown once; the one it replaces signs beside it for 24 hours. */
    public Optional<String> rotate(String scope, String id) {
        return rotate(AuditLog.CLI, scope, id);
    }

    public Optional<String> rotate(String actor, String scope, String id) {
        String secret = Ids.secret("whsec");
        Instant now = clock.instant();
        return Sql.inTransaction(ds, c -> {
            Optional<Endpoint> e = find(c, scope, id, true);
            if (e.isEmpty()) {
                return Optional.empty();
            }
            // The secrets never: only that it was rotated.
            audit(c, actor, AuditLog.Action.WEBHOOK_SECRET_ROTATED, id, e.get().issuerId(), now, Map.of());
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE webhook_endpoint SET previous_enc = secret_enc, previous_until = ?, secret_enc = ?, updated_at = ?
                     WHERE id = ?""")) {
                Sql.setUtc(ps, 1, now.plus(PREVIOUS_SECRET_SIGNS));
                ps.setBytes(2, secrets.seal(secret));
                Sql.setUtc(ps, 3, now);
                ps.setString(4, id);
                ps.executeUpdate();
            }
            return Optional.of(secret);
        });
    }

    /** The endpoint's most recent deliveries (newest first), optionally of one status; empty when no such endpoint. */
    public Optional<List<Delivery>> deliveries(String scope, String id, String status, int limit) {
        return Sql.inTransaction(ds, c -> {
            if (find(c, scope, id, false).isEmpty()) {
                return Optional.empty();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT e.id, e.type, d.status, d.attempts, d.created_at, d.last_attempt_at, d.last_status,
                           d.last_error, d.next_attempt_at, d.delivered_at
                      FROM webhook_delivery d JOIN webhook_event e ON e.seq = d.event_seq
                     WHERE d.endpoint_id = ?""" + (status == null ? "" : " AND d.status = ?")
                    + " ORDER BY d.event_seq DESC LIMIT ?")) {
                int i = 1;
                ps.setString(i++, id);
                if (status != null) {
                    ps.setString(i++, status);
                }
                ps.setInt(i, limit);
                List<Delivery> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(delivery(rs));
                    }
                }
                return Optional.of(out);
            }
        });
    }

    /**
     * Sends a delivery again now (whatever its status), counted afresh: a dead delivery gets a new retry period.
     * False when the endpoint or the event is not there.
     */
    public boolean replay(String scope, String endpointId, String eventId) {
        return Sql.inTransaction(ds, c -> {
            if (find(c, scope, endpointId, false).isEmpty()) {
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE webhook_delivery d JOIN webhook_event e ON e.seq = d.event_seq
                       SET d.status = 'PENDING', d.attempts = 0, d.first_attempt_at = NULL, d.next_attempt_at = NULL
                     WHERE d.endpoint_id = ? AND e.id = ?""")) {
                ps.setString(1, endpointId);
                ps.setString(2, eventId);
                return ps.executeUpdate() > 0;
            }
        });
    }

    /** Dead deliveries of every endpoint in scope, newest first: the console's list. */
    public List<DeadDelivery> dead(String scope, int limit) {
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT p.id, p.issuer_id, p.url, e.id, e.type, d.status, d.attempts, d.created_at, d.last_attempt_at,
                           d.last_status, d.last_error, d.next_attempt_at, d.delivered_at
                      FROM webhook_delivery d JOIN webhook_endpoint p ON p.id = d.endpoint_id
                      JOIN webhook_event e ON e.seq = d.event_seq
                     WHERE d.status = 'DEAD'""" + (scope == null ? "" : " AND p.issuer_id = ?")
                    + " ORDER BY d.last_attempt_at DESC LIMIT ?")) {
                int i = 1;
                if (scope != null) {
                    ps.setString(i++, scope);
                }
                ps.setInt(i, limit);
                List<DeadDelivery> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new DeadDelivery(rs.getString(1), rs.getString(2), rs.getString(3), deliveryAt(rs, 4)));
                    }
                }
                return out;
            }
        });
    }

    public record DeadDelivery(String endpointId, String issuerId, String url, Delivery delivery) {
    }

    private static final String COLUMNS = "id, issuer_id, url, events, description, enabled, disabled_reason, "
            + "failing_since, created_at, updated_at";

    private static Optional<Endpoint> find(Connection c, String scope, String id, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM webhook_endpoint WHERE id = ?"
                + (scope == null ? "" : " AND issuer_id = ?") + (lock ? " FOR UPDATE" : ""))) {
            ps.setString(1, id);
            if (scope != null) {
                ps.setString(2, scope);
            }
            return read(ps).stream().findFirst();
        }
    }

    private static List<Endpoint> read(PreparedStatement ps) throws SQLException {
        List<Endpoint> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Endpoint(rs.getString(1), rs.getString(2), rs.getString(3), List.of(rs.getString(4).split(",")),
                        rs.getString(5), rs.getBoolean(6), rs.getString(7), Sql.instant(rs, 8), Sql.instant(rs, 9),
                        Sql.instant(rs, 10)));
            }
        }
        return out;
    }

    private static Delivery delivery(ResultSet rs) throws SQLException {
        return deliveryAt(rs, 1);
    }

    private static Delivery deliveryAt(ResultSet rs, int f) throws SQLException {
        int lastStatus = rs.getInt(f + 6);
        return new Delivery(rs.getString(f), rs.getString(f + 1), rs.getString(f + 2), rs.getInt(f + 3),
                Sql.instant(rs, f + 4), Sql.instant(rs, f + 5), rs.wasNull() ? null : lastStatus, rs.getString(f + 7),
                Sql.instant(rs, f + 8), Sql.instant(rs, f + 9));
    }

    private String checkUrl(String url) {
        if (url == null || url.isBlank()) {
            throw invalid("url is required");
        }
        if (url.length() > URL_CHARS_MAX) {
            throw invalid("url is longer than " + URL_CHARS_MAX + " characters");
        }
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw invalid("url is not a valid URL");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (u.getHost() == null || u.getUserInfo() != null || u.getFragment() != null) {
            throw invalid("url must be https://host[:port]/path, without user information or fragment");
        }
        boolean local = u.getHost().equals("127.0.0.1") || u.getHost().equalsIgnoreCase("localhost");
        if (scheme.equals("https") || (scheme.equals("http") && local && allowLocalHttp)) {
            return url;
        }
        throw invalid(scheme.equals("http") && local
                ? "url must be https:// (http://127.0.0.1 and localhost only where accrue.webhooks.allow-local-http=true)"
                : "url must be https://");
    }

    private static List<String> checkEvents(List<String> events) {
        if (events == null || events.isEmpty()) {
            throw invalid("events must list at least one event type");
        }
        Set<String> out = new LinkedHashSet<>();
        for (String e : events) {
            if (EventType.fromWire(e).isEmpty()) {
                throw invalid("unknown event type; known: " + String.join(", ",
                        java.util.Arrays.stream(EventType.values()).map(EventType::wire).toList()));
            }
            out.add(e);
        }
        return List.copyOf(out);
    }

    private static String checkDescription(String d) {
        if (d != null && d.length() > DESCRIPTION_CHARS_MAX) {
            throw invalid("description is longer than " + DESCRIPTION_CHARS_MAX + " characters");
        }
        return d;
    }

    private static Refusal invalid(String message) {
        return new Refusal("WEBHOOK_INVALID", 400, message);
    }

    private static void audit(java.sql.Connection c, String actor, AuditLog.Action action, String id, String issuerId,
                              Instant now, Map<String, Object> details) throws java.sql.SQLException {
        AuditLog.record(c, now, new AuditLog.Entry(actor, action, AuditLog.Resource.WEBHOOK, id, issuerId, details));
    }

    /** An endpoint's URL as the audit log keeps it: without query or fragment, where a receiver may keep a token. */
    static String auditedUrl(String url) {
        return url.replaceAll("[?#].*$", "");
    }
}
