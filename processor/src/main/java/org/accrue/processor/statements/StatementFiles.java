/*
 * The `statement-file` job (issuer-files.md): per issuer, every credit not
 * yet filed goes into one STMTCR file, encrypted to the issuer's key and
 * signed with ours when the issuer is so configured. First the issuer's open
 * batch is closed in a transaction of its own (StatementCredits: one row,
 * whatever the number of credits); then, in one transaction per file, the
 * batches closed since the last file are streamed from the database into the
 * writer (which writes a temporary file and moves it into place atomically),
 * the file's row is inserted with its batch range and the issuer's filing
 * moves past it; then it commits. A node killed before that commit leaves the
 * batches unfiled and at most a complete file without a row, which the next
 * run rewrites under the same name with the same credits (and any closed
 * since). Files are listed and downloaded over the API.
 */
package org.accrue.processor.statements;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import javax.sql.DataSource;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.jobs.ScheduledJob;
import org.accrue.processor.store.Sql;
import org.accrue.reconciliation.files.FileSummary;
import org.accrue.reconciliation.files.StatementCredit;
import org.accrue.reconciliation.files.StatementCreditFileWriter;
import org.accrue.reconciliation.pgp.PgpEncryption;
import org.accrue.reconciliation.pgp.PgpKeys;

public final class StatementFiles implements ScheduledJob {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StatementFiles.class);
    /** Rows fetched from the database per round trip while a file is written (the driver streams). */
    private static final int FETCH_ROWS = 2_000;

    private final DataSource ds;
    private final InstantSource clock;
    private final Map<String, AccrueConfig.Issuer> issuers;
    private final AccrueConfig.Pgp pgp;
    private final Path dir;

    public StatementFiles(DataSource ds, InstantSource clock, Map<String, AccrueConfig.Issuer> issuers,
                          AccrueConfig.Pgp pgp, Path outboundDir) {
        this.ds = ds;
        this.clock = clock;
        this.issuers = new TreeMap<>(issuers);
        this.pgp = pgp;
        this.dir = outboundDir;
    }

    /** A written file, as listed over the API. */
    public record FileInfo(String fileId, String issuerId, String fileName, LocalDate fileDate, int seq, int creditCount,
                           long amountSum, String sha256, boolean encrypted, Instant createdAt,
                           @com.fasterxml.jackson.annotation.JsonIgnore Path path) {
    }

    @Override
    public String run(RunContext run) {
        List<FileInfo> written = writeAll(run.progress());
        if (written.isEmpty()) {
            return "no credits to file: no file";
        }
        StringBuilder b = new StringBuilder("wrote ");
        for (FileInfo f : written) {
            b.append(f.fileName()).append(" (").append(f.creditCount()).append(" credits, sum ").append(f.amountSum())
                    .append(") ");
        }
        return b.toString().strip();
    }

    /** Writes one file per issuer with credits to file; returns what was written. */
    public List<FileInfo> writeAll() {
        return writeAll(org.accrue.processor.Progress.NONE);
    }

    /**
     * As writeAll, telling {@code progress} the credits written so far of those counted to file (issuer by issuer:
     * each issuer's count is added as its file is begun; counted only when someone watches).
     */
    public List<FileInfo> writeAll(org.accrue.processor.Progress progress) {
        List<FileInfo> out = new ArrayList<>();
        long[] before = {0, 0}; // credits written, and counted, for the issuers done
        for (AccrueConfig.Issuer issuer : issuers.values()) {
            // Its own short transaction: posting waits on the batch row only while it closes, not while the file is written.
            Sql.inTransaction(ds, c -> {
                StatementCredits.closeOpenBatch(c, issuer.id());
                return null;
            });
            FileInfo f = Sql.inTransaction(ds, c -> write(c, issuer, progress, before));
            if (f != null) {
                out.add(f);
            }
        }
        return out;
    }

    private FileInfo write(Connection c, AccrueConfig.Issuer issuer, org.accrue.processor.Progress progress,
                           long[] before) throws SQLException {
        long t0 = System.nanoTime();
        StatementCredits.Unfiled unfiled = StatementCredits.lockUnfiled(c, issuer.id());
        if (unfiled.isEmpty()) {
            return null;
        }
        if (!StatementCredits.anyToFile(c, issuer.id(), unfiled)) {
            StatementCredits.markFiled(c, issuer.id(), unfiled.through()); // only netted credits, or none: no file
            return null;
        }
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        int seq;
        try (PreparedStatement ps = c.prepareStatement("select coalesce(max(seq), 0) + 1 from statement_file "
                + "where issuer_id = ? and file_date = ? for update")) {
            ps.setString(1, issuer.id());
            ps.setObject(2, today);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                seq = rs.getInt(1);
            }
        }
        String fileId = "STMTCR_" + issuer.id() + "_" + today.format(DateTimeFormatter.BASIC_ISO_DATE) + "_"
                + String.format("%03d", seq);
        long t1 = System.nanoTime();
        long total = progress == org.accrue.processor.Progress.NONE ? -1
                : before[1] + StatementCredits.countToFile(c, issuer.id(), unfiled);
        long written = before[0];
        FileSummary summary;
        try {
            Files.createDirectories(dir.resolve(issuer.id()));
            try (StatementCreditFileWriter w = StatementCreditFileWriter.open(dir.resolve(issuer.id()), issuer.id(), fileId,
                    now, today, seq, encryption(issuer));
                 PreparedStatement ps = StatementCredits.streamToFile(c, issuer.id(), unfiled, FETCH_ROWS)) {
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        w.add(new StatementCredit(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                                rs.getString(5), rs.getString(6), rs.getString(7), rs.getObject(8, LocalDate.class)));
                        progress.at(++written, total);
                    }
                }
                summary = w.finish();
            }
            before[0] = written;
            before[1] = Math.max(total, written);
        } catch (IOException e) {
            throw new UncheckedIOException("statement file for " + issuer.id() + " not written", e);
        }
        if (log.isDebugEnabled()) {
            log.debug("statement file {}: batches {}..{} claimed in {} ms, {} credits written in {} ms", fileId,
                    unfiled.filedThrough() + 1, unfiled.through(), (t1 - t0) / 1_000_000, summary.count(),
                    (System.nanoTime() - t1) / 1_000_000);
        }
        try (PreparedStatement ps = c.prepareStatement("insert into statement_file (file_id, issuer_id, file_date, seq, "
                + "file_name, path, credit_count, amount_sum, sha256, encrypted, created_at, batch_from, batch_to) "
                + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, fileId);
            ps.setString(2, issuer.id());
            ps.setObject(3, today);
            ps.setInt(4, seq);
            ps.setString(5, summary.fileName());
            ps.setString(6, summary.path().toString());
            ps.setInt(7, (int) summary.count());
            ps.setLong(8, summary.sum());
            ps.setString(9, summary.sha256());
            ps.setBoolean(10, summary.encrypted());
            ps.setTimestamp(11, Sql.ts(now));
            ps.setLong(12, unfiled.filedThrough() + 1);
            ps.setLong(13, unfiled.through());
            ps.executeUpdate();
        }
        org.accrue.processor.webhooks.PostedEvents.emit(c, now, issuer.id(), fileId, unfiled.filedThrough(), unfiled.through());
        StatementCredits.markFiled(c, issuer.id(), unfiled.through());
        return new FileInfo(fileId, issuer.id(), summary.fileName(), today, seq, (int) summary.count(), summary.sum(),
                summary.sha256(), summary.encrypted(), now, summary.path());
    }

    private Optional<PgpEncryption> encryption(AccrueConfig.Issuer issuer) throws IOException {
        if (issuer.pgpPublicKey() == null) {
            return Optional.empty();
        }
        try (var in = Files.newInputStream(issuer.pgpPublicKey())) {
            return Optional.of(new PgpEncryption(PgpKeys.readPublicKey(in),
                    PgpKeys.readSecretKeys(new java.io.ByteArrayInputStream(pgp.secretKeyRing())), pgp.passphrase()));
        }
    }

    /** The issuer's files, newest first. */
    public List<FileInfo> list(String issuerId) {
        return Sql.inTransaction(ds, c -> {
            List<FileInfo> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(SELECT + " where issuer_id = ? order by created_at desc, seq desc "
                    + "limit 500")) {
                ps.setString(1, issuerId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                }
            }
            return out;
        });
    }

    public Optional<FileInfo> find(String fileId) {
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + " where file_id = ?")) {
                ps.setString(1, fileId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    private static final String SELECT = "select file_id, issuer_id, file_name, file_date, seq, credit_count, amount_sum, "
            + "sha256, encrypted, created_at, path from statement_file";

    private static FileInfo read(ResultSet rs) throws SQLException {
        return new FileInfo(rs.getString(1), rs.getString(2), rs.getString(3), rs.getObject(4, LocalDate.class), rs.getInt(5),
                rs.getInt(6), rs.getLong(7), rs.getString(8), rs.getBoolean(9), Sql.instant(rs, 10), Path.of(rs.getString(11)));
    }
}
