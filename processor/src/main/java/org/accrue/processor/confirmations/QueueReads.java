/*
 * The exceptions queue as ops read it: pages of it (oldest first, filtered by
 * status, type, issuer, assignee, age bucket or card), one exception with its
 * audit trail, and the open exceptions counted by type and by age bucket (the
 * database sums the buckets: the queue may hold many rows, the answer not).
 */
package org.accrue.processor.confirmations;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import org.accrue.processor.confirmations.ExceptionsQueue.Action;
import org.accrue.processor.confirmations.ExceptionsQueue.Age;
import org.accrue.processor.confirmations.ExceptionsQueue.AuditEntry;
import org.accrue.processor.confirmations.ExceptionsQueue.Filter;
import org.accrue.processor.confirmations.ExceptionsQueue.Item;
import org.accrue.processor.confirmations.ExceptionsQueue.OpenCounts;
import org.accrue.processor.confirmations.ExceptionsQueue.Page;
import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.exceptions.Exceptions.Resolution;
import org.accrue.processor.exceptions.Exceptions.Status;
import org.accrue.processor.exceptions.Exceptions.Type;
import org.accrue.processor.store.Sql;

final class QueueReads {
    private static final int LIST_LIMIT_MAX = 500;

    private final DataSource ds;
    private final InstantSource clock;

    QueueReads(DataSource ds, InstantSource clock) {
        this.ds = ds;
        this.clock = clock;
    }

    private static final String SELECT = "select e.id, e.type, e.status, e.issuer_id, e.card_id, e.last4, e.amount_minor, "
            + "e.currency, e.detail, e.credit_id, e.reward_id, e.assignee, e.created_at, e.resolution, e.resolution_reason, "
            + "e.resolved_by, e.resolved_at, e.proposed_action, e.proposed_by, e.message_key from processing_exception e";

    /** A page of the queue, oldest first: rows [offset, offset + limit) of what the filter keeps. */
    Page page(Filter f, int offset, int limit) {
        int lim = Math.min(Math.max(limit, 1), LIST_LIMIT_MAX);
        int off = Math.max(offset, 0);
        Instant now = clock.instant();
        StringBuilder where = new StringBuilder(" where 1 = 1");
        List<Object> params = new ArrayList<>();
        filter(where, params, "e.status", f.status() == null ? null : f.status().name());
        filter(where, params, "e.type", f.type() == null ? null : f.type().name());
        filter(where, params, "e.issuer_id", f.issuerId());
        filter(where, params, "e.assignee", f.assignee());
        if (f.age() != null) {
            if (f.age().fromDays() > 0) {
                where.append(" and e.created_at <= ?");
                params.add(now.minus(Duration.ofDays(f.age().fromDays())));
            }
            if (f.age().toDays() >= 0) {
                where.append(" and e.created_at > ?");
                params.add(now.minus(Duration.ofDays(f.age().toDays())));
            }
        }
        if (f.card() != null && !f.card().isBlank()) {
            String card = f.card().strip();
            if (card.length() == 4 && card.chars().allMatch(Character::isDigit)) {
                filter(where, params, "e.last4", card);
            } else {
                where.append(" and e.card_id in (select id from card where account_ref = ?)");
                params.add(card);
            }
        }
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + where + " order by e.created_at, e.id limit "
                    + (lim + 1) + " offset " + off)) {
                for (int i = 0; i < params.size(); i++) {
                    if (params.get(i) instanceof Instant at) {
                        ps.setTimestamp(i + 1, Sql.ts(at));
                    } else {
                        ps.setString(i + 1, (String) params.get(i));
                    }
                }
                List<Item> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs, now));
                    }
                }
                boolean more = out.size() > lim;
                return new Page(more ? out.subList(0, lim) : out, off, lim, more);
            }
        });
    }

    /** Adds "and column = ?" for a filter that is set. */
    private static void filter(StringBuilder where, List<Object> params, String column, String value) {
        if (value != null) {
            where.append(" and ").append(column).append(" = ?");
            params.add(value);
        }
    }

    Optional<Item> find(long id) {
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + " where e.id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs, clock.instant())) : Optional.<Item>empty();
                }
            }
        });
    }

    List<AuditEntry> audit(long id) {
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("select action, actor, reason, detail, at from exception_audit "
                    + "where exception_id = ? order by at, id")) {
                ps.setLong(1, id);
                List<AuditEntry> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new AuditEntry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                Sql.instant(rs, 5)));
                    }
                }
                return out;
            }
        });
    }

    private static Item read(ResultSet rs, Instant now) throws SQLException {
        Instant created = Sql.instant(rs, 13);
        Type type = Type.stored(rs.getString(2));
        Status status = Status.stored(rs.getString(3));
        return new Item(rs.getLong(1), type, status, rs.getString(4), (Long) rs.getObject(5, Long.class),
                rs.getString(6) == null ? null : "**** " + rs.getString(6), (Long) rs.getObject(7, Long.class),
                Exceptions.alphaCurrency(rs.getString(8)), rs.getString(9), rs.getString(10), (Long) rs.getObject(11, Long.class),
                rs.getString(12), created, Math.max(0, Duration.between(created, now).toSeconds()),
                Resolution.stored(rs.getString(14)),
                rs.getString(15), rs.getString(16), Sql.instant(rs, 17), Action.stored(rs.getString(18)), rs.getString(19),
                status == Status.RESOLVED ? Set.of() : ExceptionsQueue.allowed(type), rs.getString(20));
    }

    /** Open exceptions by type (the types' names in order) and by age bucket (every bucket, youngest first). */
    OpenCounts openCounts() {
        Instant now = clock.instant();
        return Sql.inTransaction(ds, c -> {
            Map<Type, Long> byType = new LinkedHashMap<>();
            Map<Age, Long> byAge = new java.util.EnumMap<>(Age.class);
            for (Age a : Age.values()) {
                byAge.put(a, 0L);
            }
            // One row per type, each age bucket summed by the database: the queue may hold many rows, the answer not.
            StringBuilder sql = new StringBuilder("select type");
            for (Age a : Age.values()) {
                // the youngest bucket has no lower age: a row stamped a moment ahead of this node's clock counts in it
                sql.append(", sum(case when ").append(a.fromDays() > 0 ? "created_at <= ?" : "1 = 1")
                        .append(a.toDays() >= 0 ? " and created_at > ?" : "").append(" then 1 else 0 end)");
            }
            sql.append(" from processing_exception where status <> 'RESOLVED' group by type order by type");
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                for (Age a : Age.values()) {
                    if (a.fromDays() > 0) {
                        ps.setTimestamp(i++, Sql.ts(now.minus(Duration.ofDays(a.fromDays()))));
                    }
                    if (a.toDays() >= 0) {
                        ps.setTimestamp(i++, Sql.ts(now.minus(Duration.ofDays(a.toDays()))));
                    }
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long n = 0;
                        for (Age a : Age.values()) {
                            long k = rs.getLong(2 + a.ordinal());
                            byAge.merge(a, k, Long::sum);
                            n += k;
                        }
                        byType.put(Type.stored(rs.getString(1)), n);
                    }
                }
            }
            return new OpenCounts(java.util.Collections.unmodifiableMap(byType), java.util.Collections.unmodifiableMap(byAge));
        });
    }

    /** The queue's size by type, for the console and metrics. */
    Map<Type, Long> openByType() {
        return Sql.inTransaction(ds, c -> {
            Map<Type, Long> out = new LinkedHashMap<>(); // in the order of the types' names, as the console shows them
            try (PreparedStatement ps = c.prepareStatement("select type, count(*) from processing_exception where status <> "
                    + "'RESOLVED' group by type order by type"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(Type.stored(rs.getString(1)), rs.getLong(2));
                }
            }
            return out;
        });
    }
}
