/*
 * The webhook outbox: events are written by the transaction that makes the
 * change they tell of, on that transaction's connection, so an event exists
 * exactly when its change was committed (a rolled-back change raises nothing;
 * a node killed after the commit loses nothing: any node's dispatcher sends
 * it). The same statements fan the event out to a delivery per enabled
 * endpoint of the issuer subscribed to its type. The envelope (card ids,
 * last four) is put together when it is sent; the event keeps only its data.
 * Nothing here may carry a PAN, a token or a key.
 */
package org.accrue.processor.webhooks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.processor.ids.Ids;
import org.accrue.processor.store.Sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

public final class Outbox {
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /**
     * An event of an issuer, of one card (its internal id) or of none (exceptions), with its type's data in the order
     * given; a null value is sent as JSON null (an offer on a category has no merchant).
     */
    public record Event(EventType type, String issuerId, Long cardId, Map<String, Object> data) {
        public Event {
            data = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(data));
        }
    }

    private Outbox() {
    }

    /** Amounts on the wire: {"minor": 125, "currency": "USD"}. */
    public static Map<String, Object> money(long minor, String currency) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("minor", minor);
        m.put("currency", currency);
        return m;
    }

    /**
     * Writes {@code events} and their deliveries in the caller's transaction on {@code c}. An event no enabled endpoint
     * of its issuer subscribes to is not written at all (one read of the small endpoint table per call), so issuers
     * without webhooks cost the matcher nothing but that read.
     */
    public static void emit(Connection c, Instant now, List<Event> all) throws SQLException {
        if (all.isEmpty()) {
            return;
        }
        Map<String, List<Subscriber>> subscribers = subscribers(c, all);
        List<Event> events = new ArrayList<>();
        for (Event e : all) {
            if (subscribers.getOrDefault(e.issuerId(), List.of()).stream().anyMatch(s -> s.takes(e.type()))) {
                events.add(e);
            }
        }
        if (events.isEmpty()) {
            return;
        }
        String[] ids = new String[events.size()];
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO webhook_event (id, issuer_id, card_id, type, created_at, body) VALUES (?,?,?,?,?,?)")) {
            for (int i = 0; i < events.size(); i++) {
                Event e = events.get(i);
                ids[i] = Ids.next("evt");
                ps.setString(1, ids[i]);
                ps.setString(2, e.issuerId());
                if (e.cardId() == null) {
                    ps.setNull(3, java.sql.Types.BIGINT);
                } else {
                    ps.setLong(3, e.cardId());
                }
                ps.setString(4, e.type().wire());
                Sql.setUtc(ps, 5, now);
                ps.setString(6, json(e.data()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        Map<String, Long> seqs = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, seq FROM webhook_event WHERE id IN ("
                + Sql.marks(ids.length) + ")")) {
            for (int i = 0; i < ids.length; i++) {
                ps.setString(1 + i, ids[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    seqs.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        // The endpoints as read above, by id: no lock is taken on webhook_endpoint, which the dispatchers update.
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO webhook_delivery (endpoint_id, event_seq, card_key, status, attempts, next_attempt_at, created_at)
                VALUES (?, ?, ?, 'PENDING', 0, NULL, ?)""")) {
            for (int i = 0; i < events.size(); i++) {
                Event e = events.get(i);
                for (Subscriber s : subscribers.get(e.issuerId())) {
                    if (s.takes(e.type())) {
                        ps.setString(1, s.endpointId());
                        ps.setLong(2, seqs.get(ids[i]));
                        ps.setLong(3, e.cardId() == null ? 0 : e.cardId());
                        Sql.setUtc(ps, 4, now);
                        ps.addBatch();
                    }
                }
            }
            ps.executeBatch();
        }
    }

    private record Subscriber(String endpointId, Set<String> types) {
        boolean takes(EventType t) {
            return types.contains(t.wire());
        }
    }

    /** True when an enabled endpoint of the issuer subscribes to {@code type}. */
    public static boolean subscribes(Connection c, String issuerId, EventType type) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM webhook_endpoint WHERE enabled AND issuer_id = ? "
                + "AND FIND_IN_SET(?, events) LIMIT 1")) {
            ps.setString(1, issuerId);
            ps.setString(2, type.wire());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The enabled endpoints of the events' issuers, by issuer (a plain read: no lock). */
    private static Map<String, List<Subscriber>> subscribers(Connection c, List<Event> all) throws SQLException {
        Set<String> issuers = new HashSet<>();
        for (Event e : all) {
            issuers.add(e.issuerId());
        }
        Map<String, List<Subscriber>> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT issuer_id, id, events FROM webhook_endpoint WHERE enabled AND "
                + "issuer_id IN (" + Sql.marks(issuers.size()) + ")")) {
            int i = 1;
            for (String issuer : issuers) {
                ps.setString(i++, issuer);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new Subscriber(rs.getString(2),
                            Set.of(rs.getString(3).split(","))));
                }
            }
        }
        return out;
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("an event's data must be plain JSON values", e);
        }
    }
}
