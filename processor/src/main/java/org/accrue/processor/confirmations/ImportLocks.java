/*
 * The MariaDB named locks of confirmation imports, dropped by the server with
 * a dead node's connection: an import's own (held by the node applying it;
 * ImportRecords reads it as PROCESSING), and an issuer's file id's (the same
 * file uploaded to two nodes is two imports: the replay check and the apply
 * go under this lock, so the second waits for the first, then finds it
 * APPLIED).
 */
package org.accrue.processor.confirmations;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

final class ImportLocks {
    /** An import's MariaDB named lock is this and its id: held by the node applying it (find reads it as PROCESSING). */
    static final String IMPORT_LOCK_PREFIX = "accrue.import.";
    /** How long an upload waits for another import of the same issuer file id (on another node) to finish applying. */
    static final int FILE_LOCK_WAIT_SECONDS = 600;

    private ImportLocks() {
    }

    /** {@code call} ("get_lock(?, 0)", "release_lock(?)") on the import's lock: whether it answered 1. */
    static boolean importLock(Connection c, String call, String importId) throws SQLException {
        return named(c, call, IMPORT_LOCK_PREFIX + importId);
    }

    /**
     * A MariaDB named lock of an issuer's file id (names are at most 64 characters, so the database, issuer and file id
     * are hashed); dropped by the server with a dead node's connection.
     */
    static boolean fileLock(Connection c, String call, String issuerId, String fileId) throws SQLException {
        return named(c, call, fileLockName(c.getCatalog(), issuerId, fileId));
    }

    private static boolean named(Connection c, String call, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select " + call)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) == 1;
            }
        }
    }

    /** The named lock of an issuer's file id in a database (tests hold it to keep an import PROCESSING). */
    static String fileLockName(String database, String issuerId, String fileId) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest((database + "|" + issuerId + "|" + fileId)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "accrue.recon." + java.util.HexFormat.of().formatHex(h, 0, 20);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
