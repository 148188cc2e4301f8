/*
 * exception.opened and exception.resolved (webhooks.md) for the exceptions an
 * issuer may see: its own files, credits, messages and miles. Accrue-internal
 * ones are never sent: a contested card number (it would tell one issuer of
 * another's card), a MID suggestion (the catalog), refused airline credentials.
 */
package org.accrue.processor.webhooks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.store.Sql;

public final class ExceptionEvents {
    private static final Set<Exceptions.Type> OPS_ONLY = EnumSet.of(Exceptions.Type.PAN_CONTESTED,
            Exceptions.Type.MID_SUGGESTION, Exceptions.Type.AIRLINE_CREDENTIALS);

    private ExceptionEvents() {
    }

    /** After the exceptions {@code raised} were inserted at {@code now} in this transaction: one event per new one. */
    public static void opened(Connection c, Instant now, List<Exceptions.Raise> raised) throws SQLException {
        List<Exceptions.Raise> visible = raised.stream()
                .filter(r -> r.issuerId() != null && !OPS_ONLY.contains(r.type())).toList();
        if (visible.isEmpty() || visible.stream().map(Exceptions.Raise::issuerId).distinct()
                .noneMatch(i -> subscribes(c, i, EventType.EXCEPTION_OPENED))) {
            return;
        }
        List<Outbox.Event> events = new ArrayList<>();
        for (int from = 0; from < visible.size(); from += 500) {
            List<Exceptions.Raise> part = visible.subList(from, Math.min(visible.size(), from + 500));
            StringBuilder where = new StringBuilder();
            for (int i = 0; i < part.size(); i++) {
                where.append(i == 0 ? "" : " or ").append("(type = ? and fingerprint = ?)");
            }
            try (PreparedStatement ps = c.prepareStatement("select id, type, issuer_id, card_id, amount_minor, currency "
                    + "from processing_exception where created_at = ? and (" + where + ")")) {
                int i = 1;
                ps.setTimestamp(i++, Sql.ts(now));
                for (Exceptions.Raise r : part) {
                    ps.setString(i++, r.type().name());
                    ps.setString(i++, r.fingerprint());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        events.add(new Opened(rs.getLong(1), rs.getString(2), rs.getString(3),
                                rs.getObject(4, Long.class), rs.getObject(5, Long.class), rs.getString(6)).event());
                    }
                }
            }
        }
        Outbox.emit(c, now, events);
    }

    /** An exception just raised, as read back for its exception.opened event. */
    private record Opened(long id, String type, String issuerId, Long cardId, Long amount, String currency) {
        Outbox.Event event() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("exceptionId", id);
            d.put("type", type);
            if (amount != null && currency != null) {
                d.put("amount", Outbox.money(amount, Exceptions.alphaCurrency(currency)));
            }
            return new Outbox.Event(EventType.EXCEPTION_OPENED, issuerId, cardId, d);
        }
    }

    /** Exception {@code id} was resolved with {@code resolution} in this transaction. */
    public static void resolved(Connection c, Instant now, long id, String resolution) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select type, issuer_id, card_id from processing_exception where id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getString(2) == null || Exceptions.Type.parse(rs.getString(1))
                        .map(OPS_ONLY::contains).orElse(true)) {
                    return;
                }
                long card = rs.getLong(3);
                Long cardId = rs.wasNull() ? null : card;
                Outbox.emit(c, now, List.of(new Outbox.Event(EventType.EXCEPTION_RESOLVED, rs.getString(2), cardId,
                        Map.of("exceptionId", id, "type", rs.getString(1), "resolution", resolution))));
            }
        }
    }

    private static boolean subscribes(Connection c, String issuerId, EventType type) {
        try {
            return Outbox.subscribes(c, issuerId, type);
        } catch (SQLException e) {
            throw new Sql.StoreException(e);
        }
    }
}
