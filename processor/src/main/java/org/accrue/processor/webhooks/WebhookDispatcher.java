/*
 * Sends webhook deliveries (webhooks.md, "Answers and retries"). Every node
 * runs one; they share the work through the store: a delivery is claimed with
 * a row lock (SKIP LOCKED, so two nodes never take the same one) and a lease
 * (its next attempt moved past the send timeout), sent, and its outcome
 * written. A card's deliveries to an endpoint go one at a time in event order:
 * one is due only when no earlier one of the same card is still pending. 2xx
 * is delivered; 408, 429, 5xx, timeouts and connection errors are retried on
 * the retry schedule until its period ends, then dead; any other answer is dead
 * at once. An endpoint whose deliveries have all failed for the retry period is
 * disabled, with the reason, for the issuer and the console to see.
 */
package org.accrue.processor.webhooks;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.accrue.processor.store.Sql;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.MeterRegistry;

public final class WebhookDispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    private static final Duration LEASE_BEYOND_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration BACKLOG_REFRESH = Duration.ofSeconds(5);

    /** How the dispatcher sends: request timeout, deliveries in flight at once, idle poll, retry schedule. */
    public record Settings(Duration timeout, int senders, Duration poll, RetrySchedule retries) {
    }

    private final DataSource ds;
    private final InstantSource clock;
    private final SecretBox secrets;
    private final Settings settings;
    private final HttpClient http;
    private final Semaphore inFlight;
    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
    private final Object wake = new Object();
    private final AtomicLong backlog = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong dead = new AtomicLong();
    private volatile boolean running;
    private volatile Instant backlogReadAt = Instant.EPOCH;
    private Thread loop;

    public WebhookDispatcher(DataSource ds, InstantSource clock, SecretBox secrets, Settings settings) {
        this.ds = ds;
        this.clock = clock;
        this.secrets = secrets;
        this.settings = settings;
        this.inFlight = new Semaphore(settings.senders());
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).executor(senders).build();
    }

    public synchronized WebhookDispatcher start() {
        if (!running) {
            running = true;
            loop = Thread.ofPlatform().name("webhook-dispatcher").daemon().start(this::run);
        }
        return this;
    }

    /** Looks for due deliveries now rather than at the next poll (after an emit or a replay on this node). */
    public void wake() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    public void bindTo(MeterRegistry registry) {
        registry.gauge("accrue.webhooks.backlog", backlog, AtomicLong::get);
        registry.more().counter("accrue.webhooks.deliveries", List.of(io.micrometer.core.instrument.Tag.of("outcome",
                "delivered")), delivered, AtomicLong::get);
        registry.more().counter("accrue.webhooks.deliveries", List.of(io.micrometer.core.instrument.Tag.of("outcome",
                "retry")), retried, AtomicLong::get);
        registry.more().counter("accrue.webhooks.deliveries", List.of(io.micrometer.core.instrument.Tag.of("outcome",
                "dead")), dead, AtomicLong::get);
    }

    private void run() {
        while (running) {
            int claimed = 0;
            try {
                refreshBacklog();
                int free = inFlight.availablePermits();
                if (free > 0) {
                    List<Key> keys = claim(free);
                    claimed = keys.size();
                    for (Send s : load(keys)) {
                        inFlight.acquire();
                        senders.execute(() -> {
                            try {
                                send(s);
                            } finally {
                                inFlight.release();
                                wake(); // a sender is free, and the card's next delivery may be due now
                            }
                        });
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // The store is down or hung: the leases run out and any node takes the deliveries again.
                log.warn("webhook dispatch failed, trying again after the poll interval: {}", e.getClass().getSimpleName());
                claimed = 0;
            }
            if (claimed == 0 || inFlight.availablePermits() == 0) {
                synchronized (wake) {
                    try {
                        wake.wait(settings.poll().toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    private record Key(String endpointId, long eventSeq) {
    }

    private record Send(Key key, String url, byte[] body, String eventId, List<String> secrets, int attempts,
                        Instant firstAttempt, String issuerId) {
    }

    /** Due deliveries, oldest first; a new or replayed one (next_attempt_at NULL) sorts before every retry. */
    private List<Key> claim(int limit) {
        Instant now = clock.instant();
        return Sql.inTransaction(ds, c -> {
            // The enabled endpoints first, by a plain read: the claim below locks delivery rows only, never an
            // endpoint's row, which the matcher's transactions read when they raise events.
            List<String> endpoints = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM webhook_endpoint WHERE enabled");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    endpoints.add(rs.getString(1));
                }
            }
            List<Key> keys = new ArrayList<>();
            if (endpoints.isEmpty()) {
                return keys;
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT d.endpoint_id, d.event_seq
                      FROM webhook_delivery d
                     WHERE d.status = 'PENDING' AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= ?)
                       AND d.endpoint_id IN (""" + Sql.marks(endpoints.size()) + """
                    )
                       AND (d.card_key = 0 OR NOT EXISTS (
                            SELECT 1 FROM webhook_delivery o
                             WHERE o.endpoint_id = d.endpoint_id AND o.card_key = d.card_key AND o.status = 'PENDING'
                               AND o.event_seq < d.event_seq))
                     ORDER BY d.next_attempt_at, d.event_seq
                     LIMIT ?
                     FOR UPDATE SKIP LOCKED""")) {
                int i = 1;
                Sql.setUtc(ps, i++, now);
                for (String e : endpoints) {
                    ps.setString(i++, e);
                }
                ps.setInt(i, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        keys.add(new Key(rs.getString(1), rs.getLong(2)));
                    }
                }
            }
            if (!keys.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE webhook_delivery SET next_attempt_at = ? WHERE endpoint_id = ? AND event_seq = ?")) {
                    for (Key k : keys) {
                        Sql.setUtc(ps, 1, now.plus(settings.timeout()).plus(LEASE_BEYOND_TIMEOUT));
                        ps.setString(2, k.endpointId());
                        ps.setLong(3, k.eventSeq());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            return keys;
        });
    }

    private List<Send> load(List<Key> keys) {
        if (keys.isEmpty()) {
            return List.of();
        }
        Instant now = clock.instant();
        return Sql.inTransaction(ds, c -> {
            List<Send> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT e.id, e.type, e.created_at, e.issuer_id, e.body, c.public_id, c.account_ref, c.last4,
                           p.url, p.secret_enc, p.previous_enc, p.previous_until, d.attempts, d.first_attempt_at
                      FROM webhook_delivery d
                      JOIN webhook_event e ON e.seq = d.event_seq
                      JOIN webhook_endpoint p ON p.id = d.endpoint_id
                      LEFT JOIN card c ON c.id = e.card_id
                     WHERE d.endpoint_id = ? AND d.event_seq = ?""")) {
                for (Key k : keys) {
                    ps.setString(1, k.endpointId());
                    ps.setLong(2, k.eventSeq());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            out.add(send(k, rs, now));
                        }
                    }
                }
            }
            return out;
        });
    }

    /** What an endpoint receives (webhooks.md): the event, its card when it names one, and its data. */
    @com.fasterxml.jackson.annotation.JsonPropertyOrder({"id", "type", "createdAt", "issuerId", "card", "data"})
    private record Envelope(String id, String type, Instant createdAt, String issuerId,
                            @com.fasterxml.jackson.annotation.JsonInclude(
                                    com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) EnvelopeCard card,
                            JsonNode data) {
    }

    @com.fasterxml.jackson.annotation.JsonPropertyOrder({"id", "accountRef", "last4"})
    private record EnvelopeCard(String id, String accountRef, String last4) {
    }

    private Send send(Key k, ResultSet rs, Instant now) throws SQLException {
        String cardId = rs.getString(6);
        JsonNode data;
        try {
            data = Outbox.JSON.readTree(rs.getString(5));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored webhook event is not JSON", e);
        }
        Envelope env = new Envelope(rs.getString(1), rs.getString(2), Sql.instant(rs, 3), rs.getString(4),
                cardId == null ? null : new EnvelopeCard(cardId, rs.getString(7), rs.getString(8)), data);
        List<String> signing = new ArrayList<>();
        signing.add(secrets.open(rs.getBytes(10)));
        byte[] previous = rs.getBytes(11);
        Instant previousUntil = Sql.instant(rs, 12);
        if (previous != null && previousUntil != null && previousUntil.isAfter(now)) {
            signing.add(secrets.open(previous));
        }
        return new Send(k, rs.getString(9), Outbox.json(env).getBytes(StandardCharsets.UTF_8), rs.getString(1), signing,
                rs.getInt(13), Sql.instant(rs, 14), rs.getString(4));
    }

    private void send(Send s) {
        Instant started = clock.instant();
        int status = -1;
        String error;
        Duration retryAfter = null;
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(s.url())).timeout(settings.timeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "Accrue-Webhooks/1")
                    .header("Accrue-Event-Id", s.eventId())
                    .header("Accrue-Signature", Signatures.header(started.getEpochSecond(), s.body(), s.secrets()))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(s.body())).build();
            HttpResponse<Void> res = http.send(req, HttpResponse.BodyHandlers.discarding());
            status = res.statusCode();
            error = status / 100 == 2 ? null : "HTTP " + status;
            retryAfter = res.headers().firstValue("Retry-After").flatMap(WebhookDispatcher::seconds).orElse(null);
        } catch (HttpTimeoutException e) {
            error = "no answer within " + settings.timeout().toMillis() + " ms";
        } catch (ConnectException e) {
            error = "connection refused or unreachable";
        } catch (IOException e) {
            error = "connection failed: " + e.getClass().getSimpleName();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // closing: the lease runs out and a node sends it again
        } catch (IllegalArgumentException e) {
            error = "the endpoint's URL cannot be sent to";
            status = 0; // dead at once, as a 4xx
        }
        record(s, status, error, retryAfter);
    }

    private static Optional<Duration> seconds(String v) {
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim()))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void record(Send s, int status, String error, Duration retryAfter) {
        Instant now = clock.instant();
        Instant first = s.firstAttempt() == null ? now : s.firstAttempt();
        int attempts = s.attempts() + 1;
        boolean ok = status / 100 == 2;
        boolean retryable = status == -1 || status == 408 || status == 429 || status >= 500;
        Optional<Instant> next = ok || !retryable ? Optional.empty()
                : settings.retries().next(attempts, first, now, retryAfter);
        String outcome = ok ? "DELIVERED" : next.isPresent() ? "PENDING" : "DEAD";
        try {
            Sql.inTransaction(ds, c -> {
                try (PreparedStatement ps = c.prepareStatement("""
                        UPDATE webhook_delivery
                           SET status = ?, attempts = ?, first_attempt_at = ?, last_attempt_at = ?, last_status = ?,
                               last_error = ?, next_attempt_at = ?, delivered_at = ?
                         WHERE endpoint_id = ? AND event_seq = ? AND status = 'PENDING'""")) {
                    ps.setString(1, outcome);
                    ps.setInt(2, attempts);
                    Sql.setUtc(ps, 3, first);
                    Sql.setUtc(ps, 4, now);
                    if (status > 0) {
                        ps.setInt(5, status);
                    } else {
                        ps.setNull(5, java.sql.Types.INTEGER);
                    }
                    ps.setString(6, error);
                    Sql.setUtc(ps, 7, next.orElse(now));
                    Sql.setUtc(ps, 8, ok ? now : null);
                    ps.setString(9, s.key().endpointId());
                    ps.setLong(10, s.key().eventSeq());
                    ps.executeUpdate();
                }
                endpointHealth(c, s.key().endpointId(), ok, now);
                return null;
            });
        } catch (RuntimeException e) {
            // Not recorded: the lease runs out and the delivery is sent again (at least once, as the contract says).
            log.warn("webhook delivery {} sent but its outcome not recorded: {}", s.eventId(), e.getClass().getSimpleName());
            return;
        }
        (ok ? delivered : next.isPresent() ? retried : dead).incrementAndGet();
        if (!ok) {
            log.info("webhook {} to endpoint {} of {}: {} ({}), attempt {}", s.eventId(), s.key().endpointId(),
                    s.issuerId(), outcome.equals("DEAD") ? "dead" : "will retry", error, attempts);
        }
    }

    private void endpointHealth(Connection c, String endpointId, boolean ok, Instant now) throws SQLException {
        boolean failing;
        try (PreparedStatement ps = c.prepareStatement("SELECT failing_since IS NOT NULL FROM webhook_endpoint WHERE id = ?")) {
            ps.setString(1, endpointId);
            try (ResultSet rs = ps.executeQuery()) {
                failing = rs.next() && rs.getBoolean(1);
            }
        }
        if (ok) {
            if (failing) { // the common case, a healthy endpoint answering, writes (and locks) nothing here
                try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_endpoint SET failing_since = NULL WHERE id = ?")) {
                    ps.setString(1, endpointId);
                    ps.executeUpdate();
                }
            }
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE webhook_endpoint
                   SET failing_since = COALESCE(failing_since, ?),
                       enabled = IF(COALESCE(failing_since, ?) <= ?, FALSE, enabled),
                       disabled_reason = IF(COALESCE(failing_since, ?) <= ?,
                           CONCAT('every delivery failed since ', DATE_FORMAT(COALESCE(failing_since, ?), '%Y-%m-%dT%H:%i:%sZ'),
                                  '; re-enable it once the endpoint answers'), disabled_reason)
                 WHERE id = ?""")) {
            Instant disableIfBefore = now.minus(settings.retries().period());
            Sql.setUtc(ps, 1, now);
            Sql.setUtc(ps, 2, now);
            Sql.setUtc(ps, 3, disableIfBefore);
            Sql.setUtc(ps, 4, now);
            Sql.setUtc(ps, 5, disableIfBefore);
            Sql.setUtc(ps, 6, now);
            ps.setString(7, endpointId);
            ps.executeUpdate();
        }
    }

    private void refreshBacklog() {
        Instant now = Instant.now(); // wall time: how often the gauge reads the store, not the business clock
        if (now.isBefore(backlogReadAt.plus(BACKLOG_REFRESH))) {
            return;
        }
        backlogReadAt = now;
        backlog.set(Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM webhook_delivery WHERE status = 'PENDING'");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }));
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = loop;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        senders.shutdownNow();
        http.close();
    }
}
