/*
 * The confirmation_import table's one owner: an import's row from RECEIVED to
 * how it ends (APPLIED with its summary and outcomes, REJECTED with a reason,
 * DUPLICATE of an applied file), the replay check against applied files of
 * the issuer (same file id or same content hash), and the rows read back as
 * ConfirmationImports.Import (RECEIVED reads PROCESSING while a node holds the
 * import's named lock).
 */
package org.accrue.processor.confirmations;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import org.accrue.processor.confirmations.ConfirmationImports.Import;
import org.accrue.processor.confirmations.ConfirmationImports.Status;
import org.accrue.processor.store.Sql;
import org.accrue.reconciliation.files.ConfirmationFileReader;

final class ImportRecords {
    private final DataSource ds;
    private final InstantSource clock;

    ImportRecords(DataSource ds, InstantSource clock) {
        this.ds = ds;
        this.clock = clock;
    }

    /** A new import, RECEIVED now. */
    void insert(String importId, String issuerId, String source, String originalName, String receivedBy,
                boolean encrypted) {
        Instant now = clock.instant();
        Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into confirmation_import (import_id, issuer_id, source, "
                    + "original_name, received_by, encrypted, status, received_at) values (?, ?, ?, ?, ?, ?, 'RECEIVED', ?)")) {
                ps.setString(1, importId);
                ps.setString(2, issuerId);
                ps.setString(3, source);
                ps.setString(4, originalName == null ? null : originalName.length() > 200 ? originalName.substring(0, 200) : originalName);
                ps.setString(5, receivedBy);
                ps.setBoolean(6, encrypted);
                ps.setTimestamp(7, Sql.ts(now));
                return ps.executeUpdate();
            }
        });
    }

    Optional<Import> find(String importId) {
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("select import_id, issuer_id, source, original_name, encrypted, "
                    + "file_id, answers_file_id, case when status = 'RECEIVED' and is_used_lock(concat(?, import_id)) is not "
                    + "null then 'PROCESSING' else status end, reason, detail, line_count, amount_sum, outcomes, received_at, "
                    + "finished_at from confirmation_import where import_id = ?")) {
                ps.setString(1, ImportLocks.IMPORT_LOCK_PREFIX);
                ps.setString(2, importId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Import>empty();
                    }
                    return Optional.of(new Import(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getBoolean(5), rs.getString(6), rs.getString(7), Status.valueOf(rs.getString(8)), rs.getString(9),
                            rs.getString(10), (Long) rs.getObject(11, Long.class), (Long) rs.getObject(12, Long.class),
                            OutcomeCounts.fromJson(rs.getString(13)), Sql.instant(rs, 14), Sql.instant(rs, 15)));
                }
            }
        });
    }

    /** The imports still RECEIVED that were received before {@code before}, oldest first. */
    List<String> receivedBefore(Instant before) {
        return Sql.inTransaction(ds, c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select import_id from confirmation_import where status = "
                    + "'RECEIVED' and received_at < ? order by received_at")) {
                ps.setTimestamp(1, Sql.ts(before));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
            return out;
        });
    }

    String replayOf(String issuerId, ConfirmationFileReader.Summary s) {
        return replayOf(issuerId, s.fileId(), s.sha256());
    }

    /** The applied import of the issuer with this file id or this content hash (null: not known yet), or null. */
    String replayOf(String issuerId, String fileId, String sha256) {
        if (fileId == null && sha256 == null) {
            return null;
        }
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("select import_id from confirmation_import where issuer_id = ? "
                    + "and status = 'APPLIED' and (file_id = ? or sha256 = ?) limit 1")) {
                ps.setString(1, issuerId);
                ps.setString(2, fileId);
                ps.setString(3, sha256);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    void finish(String importId, Status status, String reason, String detail, ConfirmationFileReader.Summary s,
                        OutcomeCounts outcomes) {
        Sql.inTransaction(ds, c -> {
            finish(c, importId, status, reason, detail, s, outcomes);
            return null;
        });
    }

    void finish(Connection c, String importId, Status status, String reason, String detail,
                        ConfirmationFileReader.Summary s, OutcomeCounts outcomes) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update confirmation_import set status = ?, reason = ?, detail = ?, "
                + "sha256 = ?, file_id = ?, answers_file_id = ?, line_count = ?, amount_sum = ?, outcomes = ?, finished_at = ? "
                + "where import_id = ?")) {
            ps.setString(1, status.name());
            ps.setString(2, reason);
            ps.setString(3, detail == null ? null : detail.length() > 500 ? detail.substring(0, 500) : detail);
            ps.setString(4, s == null ? null : s.sha256());
            ps.setString(5, s == null ? null : s.fileId());
            ps.setString(6, s == null ? null : s.answersFileId());
            ps.setObject(7, s == null ? null : s.count());
            ps.setObject(8, s == null ? null : s.sum());
            ps.setString(9, outcomes == null ? null : outcomes.toJson());
            ps.setTimestamp(10, Sql.ts(clock.instant()));
            ps.setString(11, importId);
            ps.executeUpdate();
        }
    }
}
