/*
 * Migrations edited after release in ways known to leave the schema as it
 * was, and the checksums Flyway recorded for them before the edit. Flyway
 * refuses to start on a database whose history holds another checksum than
 * the file's (validate on migrate); this moves each recorded checksum from the
 * exact old value to the new one, before Flyway runs, and touches nothing
 * else: an unknown checksum still stops the node, as Flyway means it to.
 *
 * Method: one UPDATE per rewrite, matching version and old checksum, in one
 * transaction; nothing when the history table is not there yet (a new
 * database). The checksums are Flyway's (CRC32 over the file's lines),
 * computed with Flyway's ChecksumCalculator on the files before and after the
 * edit, and checked against a history Flyway wrote (KnownRewritesTest).
 */
package org.accrue.processor.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import javax.sql.DataSource;

final class KnownRewrites {
    static final String HISTORY_TABLE = "flyway_schema_history";

    /** A migration whose file changed without changing what it makes; {@code why} is for whoever reads this list. */
    record Rewrite(String version, int oldChecksum, int newChecksum, String why) {
    }

    static final List<Rewrite> REWRITES = List.of(
            new Rewrite("1", 1154925145, 1526207986,
                    "sequences NOCACHE for Galera (error 1235); V19 makes an older database's sequences NOCACHE too"),
            new Rewrite("3", -1673042493, -540770093,
                    "sequences NOCACHE for Galera (error 1235); V19 makes an older database's sequences NOCACHE too"));

    private KnownRewrites() {
    }

    /** Rewrites the recorded checksums of {@link #REWRITES}; returns how many history rows it changed. */
    static int apply(DataSource ds) {
        try (Connection c = ds.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                if (!historyExists(c)) {
                    c.rollback();
                    return 0;
                }
                int changed = 0;
                try (var ps = c.prepareStatement("update " + HISTORY_TABLE
                        + " set checksum = ? where version = ? and checksum = ?")) {
                    for (Rewrite r : REWRITES) {
                        ps.setInt(1, r.newChecksum());
                        ps.setString(2, r.version());
                        ps.setInt(3, r.oldChecksum());
                        changed += ps.executeUpdate();
                    }
                }
                c.commit();
                return changed;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("rewriting known migration checksums in " + HISTORY_TABLE + ": " + e.getMessage(), e);
        }
    }

    private static boolean historyExists(Connection c) throws SQLException {
        try (var ps = c.prepareStatement(
                "select count(*) from information_schema.tables where table_schema = database() and table_name = ?")) {
            ps.setString(1, HISTORY_TABLE);
            try (var rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) > 0;
            }
        }
    }
}
