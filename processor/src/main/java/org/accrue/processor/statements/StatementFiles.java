/*
 * The `statement-file` job (issuer-files.md): per issuer, every READY
 * statement credit goes into one STMTCR file, encrypted to the issuer's key
 * and signed with ours when the issuer is so configured. One transaction per
 * file: the credits are claimed (FILED, with the file id), streamed from the
 * database into the writer (which writes a temporary file and moves it into
 * place atomically), and the file's row is inserted; then it commits. A node
 * killed before the commit leaves the credits READY and at most a complete
 * file without a row, which the next run rewrites under the same name with
 * the same credits. Files are listed and downloaded over the API.
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
        List<FileInfo> written = writeAll();
        if (written.isEmpty()) {
            return "no READY credits: no file";
        }
        StringBuilder b = new StringBuilder("wrote ");
        for (FileInfo f : written) {
            b.append(f.fileName()).append(" (").append(f.creditCount()).append(" credits, sum ").append(f.amountSum())
                    .append(") ");
        }
        return b.toString().strip();
    }

    /** Writes one file per issuer with READY credits; returns what was written. */
    public List<FileInfo> writeAll() {
        List<FileInfo> out = new ArrayList<>();
        for (AccrueConfig.Issuer issuer : issuers.values()) {
            FileInfo f = Sql.inTransaction(ds, c -> write(c, issuer));
            if (f != null) {
                out.add(f);
            }
        }
        return out;
    }

    private FileInfo write(Connection c, AccrueConfig.Issuer issuer) throws SQLException {
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
        long t0 = System.nanoTime();
        int claimed;
        try (PreparedStatement ps = c.prepareStatement("update statement_credit set status = 'FILED', file_id = ?, "
                + "filed_at = ? where issuer_id = ? and status = 'READY'")) {
            ps.setString(1, fileId);
            ps.setTimestamp(2, Sql.ts(now));
            ps.setString(3, issuer.id());
            claimed = ps.executeUpdate();
        }
        if (claimed == 0) {
            return null;
        }
        long t1 = System.nanoTime();
        FileSummary summary;
        try {
            Files.createDirectories(dir.resolve(issuer.id()));
            try (StatementCreditFileWriter w = StatementCreditFileWriter.open(dir.resolve(issuer.id()), issuer.id(), fileId,
                    now, today, seq, encryption(issuer));
                 PreparedStatement ps = c.prepareStatement("select credit_id, account_ref, last4, amount, currency, "
                         + "statement_text, offer_id, purchase_date from statement_credit where issuer_id = ? and status = 'FILED' "
                         + "and file_id = ? order by credit_id")) {
                ps.setFetchSize(FETCH_ROWS);
                ps.setString(1, issuer.id());
                ps.setString(2, fileId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        w.add(new StatementCredit(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                                rs.getString(5), rs.getString(6), rs.getString(7), rs.getObject(8, LocalDate.class)));
                    }
                }
                summary = w.finish();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("statement file for " + issuer.id() + " not written", e);
        }
        if (log.isDebugEnabled()) {
            log.debug("statement file {}: {} credits claimed in {} ms, written in {} ms", fileId, claimed,
                    (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
        }
        if (summary.count() != claimed) {
            throw new IllegalStateException("statement file " + fileId + " has " + summary.count() + " credits, "
                    + claimed + " were claimed");
        }
        try (PreparedStatement ps = c.prepareStatement("insert into statement_file (file_id, issuer_id, file_date, seq, "
                + "file_name, path, credit_count, amount_sum, sha256, encrypted, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
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
            ps.executeUpdate();
        }
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
