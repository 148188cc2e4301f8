/*
 * Plain JDBC for the job-side tables (credits, files, accruals, runs): one
 * transaction per unit of work, committed whole or rolled back whole, and
 * UTC DATETIME conversions in one place. Hibernate stays for the entities
 * that have one; bulk work goes straight to JDBC batches.
 */
package org.accrue.processor.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

import javax.sql.DataSource;

public final class Sql {
    private Sql() {
    }

    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
    public static <T> T inTransaction(DataSource ds, Work<T> work) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                T t = work.run(c);
                c.commit();
                return t;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** {@code n} JDBC placeholders for an IN list: "?,?,?". */
    public static String marks(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("an IN list needs at least one value");
        }
        return "?" + ",?".repeat(n - 1);
    }

    /**
     * Binds an instant to a DATETIME(6) parameter as its UTC date and time (null as NULL). The same value as
     * setTimestamp(ts(i)) without the Timestamp and Calendar round trip the driver makes of it (on the matcher's hot
     * inserts a sixth of its JVM time, issue 13).
     */
    public static void setUtc(java.sql.PreparedStatement ps, int index, Instant i) throws SQLException {
        if (i == null) {
            ps.setNull(index, java.sql.Types.TIMESTAMP);
        } else {
            ps.setObject(index, LocalDateTime.ofInstant(i, ZoneOffset.UTC));
        }
    }

    public static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.valueOf(LocalDateTime.ofInstant(i, ZoneOffset.UTC));
    }

    public static Instant instant(ResultSet rs, int col) throws SQLException {
        LocalDateTime t = rs.getObject(col, LocalDateTime.class);
        return t == null ? null : t.toInstant(ZoneOffset.UTC);
    }

    public static Instant instant(ResultSet rs, String col) throws SQLException {
        LocalDateTime t = rs.getObject(col, LocalDateTime.class);
        return t == null ? null : t.toInstant(ZoneOffset.UTC);
    }

    /** A store failure where the caller cannot do better than fail the unit of work. */
    public static final class StoreException extends RuntimeException {
        public StoreException(SQLException cause) {
            super("store: " + cause.getMessage(), cause);
        }
    }

    /**
     * Erasure: in {@code table}'s rows of the card, purchase keys (lifecycle_key token|DE37|DE38, rrn_key token|DE37)
     * that start with the number's token take the card's new random token instead. For the owner of each table to call
     * on its own table (reward, punch, bonus_spend). Returns the rows changed.
     */
    public static int rekeyToken(Connection c, String table, long cardId, String oldToken, String newToken) throws SQLException {
        String prefix = oldToken + "|";
        try (java.sql.PreparedStatement ps = c.prepareStatement("update " + table + " set "
                + "lifecycle_key = if(left(lifecycle_key, ?) = ?, concat(?, substring(lifecycle_key, ?)), lifecycle_key), "
                + "rrn_key = if(left(rrn_key, ?) = ?, concat(?, substring(rrn_key, ?)), rrn_key) where card_id = ?")) {
            int i = 1;
            for (int k = 0; k < 2; k++) {
                ps.setInt(i++, prefix.length());
                ps.setString(i++, prefix);
                ps.setString(i++, newToken + "|");
                ps.setInt(i++, prefix.length() + 1);
            }
            ps.setLong(i, cardId);
            return ps.executeUpdate();
        }
    }
}
