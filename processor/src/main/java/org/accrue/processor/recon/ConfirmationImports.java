/*
 * Confirmation files in (issuer-files.md): received over the API, from the
 * CLI or from an issuer's inbound directory, each one a confirmation_import
 * row. A file is
 *   1. kept as received (streamed to disk, never held in memory);
 *   2. decrypted and its signature checked against the issuer's key when the
 *      issuer is configured for OpenPGP (a plain file from such an issuer is
 *      refused: it could come from anyone);
 *   3. validated whole (header, every detail, trailer count and control
 *      total) before anything is applied;
 *   4. refused as a replay when an applied file of the issuer had the same
 *      file id or the same content hash;
 *   5. applied in one transaction, set-wise: each line gets its outcome by
 *      the rules of Reconciler (in SQL, in the same order), the credit keeps
 *      what the issuer said, rewards become POSTED or REJECTED (a ledger transaction),
 *      and every outcome but MATCHED is an exception for ops.
 * A file refused at any step is moved to quarantine, changes nothing, and is
 * one FILE_REJECTED exception.
 */
package org.accrue.processor.recon;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import javax.sql.DataSource;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.ledger.LedgerRows;
import org.accrue.processor.ledger.StoredRewards;
import org.accrue.processor.store.Sql;
import org.accrue.reconciliation.files.Confirmation;
import org.accrue.reconciliation.files.ConfirmationFileReader;
import org.accrue.reconciliation.files.FileRejectedException;
import org.accrue.reconciliation.matching.Reconciler;
import org.accrue.reconciliation.pgp.PgpDecryption;
import org.accrue.reconciliation.pgp.PgpFileException;
import org.accrue.reconciliation.pgp.PgpKeys;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class ConfirmationImports {
    private static final Logger log = LoggerFactory.getLogger(ConfirmationImports.class);
    /** Lines applied per round trip. */
    private static final int CHUNK_LINES = 2_000;
    /** The largest file accepted, in bytes. */
    public static final long FILE_BYTES_MAX = 4L * 1024 * 1024 * 1024;

    public enum Status { RECEIVED, APPLIED, REJECTED, DUPLICATE }

    /** An import as recorded. */
    public record Import(String importId, String issuerId, String source, String originalName, boolean encrypted,
                         String fileId, String answersFileId, Status status, String reason, String detail,
                         Long lineCount, Long amountSum, String outcomes, Instant receivedAt, Instant finishedAt) {
    }

    private final DataSource ds;
    private final InstantSource clock;
    private final Map<String, AccrueConfig.Issuer> issuers;
    private final AccrueConfig.Pgp pgp;
    private final Path received;
    private final Path quarantine;
    private final Path work;

    public ConfirmationImports(DataSource ds, InstantSource clock, Map<String, AccrueConfig.Issuer> issuers,
                               AccrueConfig.Pgp pgp, Path dataDir) {
        this.ds = ds;
        this.clock = clock;
        this.issuers = issuers;
        this.pgp = pgp;
        Path in = dataDir.resolve("files").resolve("inbound");
        this.received = in.resolve("received");
        this.quarantine = in.resolve("quarantine");
        this.work = in.resolve("work");
    }

    /** Where an issuer drops confirmation files for the reconciliation job to pick up. */
    public Path inbox(String issuerId) {
        return received.getParent().resolve(issuerId);
    }

    /** Stores the bytes as received and records the import; the caller then processes it (now or later). */
    public String receive(String issuerId, InputStream body, String source, String originalName, String receivedBy)
            throws IOException {
        if (!issuers.containsKey(issuerId)) {
            throw new IllegalArgumentException("no issuer " + issuerId);
        }
        Files.createDirectories(received);
        String importId = "imp_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        Path raw = received.resolve(importId + ".bin");
        long bytes;
        try (OutputStream out = Files.newOutputStream(raw)) {
            bytes = body.transferTo(out);
        }
        if (bytes > FILE_BYTES_MAX) {
            Files.delete(raw);
            throw new IllegalArgumentException("a confirmation file is at most " + FILE_BYTES_MAX + " bytes");
        }
        boolean encrypted;
        try (InputStream in = Files.newInputStream(raw)) {
            byte[] head = in.readNBytes(64);
            encrypted = PgpDecryption.looksEncrypted(head, head.length);
        }
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
        return importId;
    }

    /** Decrypts, validates, checks for a replay and applies a received file; returns the finished import. */
    public Import process(String importId) {
        Import imp = find(importId).orElseThrow(() -> new IllegalArgumentException("no import " + importId));
        if (imp.status() != Status.RECEIVED) {
            return imp;
        }
        Path raw = received.resolve(importId + ".bin");
        Path plain = work.resolve(importId + ".txt");
        try {
            Files.createDirectories(work);
            AccrueConfig.Issuer issuer = issuers.get(imp.issuerId());
            if (issuer.pgpPublicKey() != null) {
                if (!imp.encrypted()) {
                    return reject(imp, raw, FileRejectedException.Reason.NOT_DECRYPTED,
                            "the issuer sends OpenPGP files; a plain file is refused");
                }
                try (InputStream in = new BufferedInputStream(Files.newInputStream(raw), 1 << 16);
                     OutputStream out = Files.newOutputStream(plain)) {
                    new PgpDecryption(PgpKeys.readSecretKeys(new java.io.ByteArrayInputStream(pgp.secretKeyRing())),
                            pgp.passphrase()).decryptAndVerify(in, out, issuerKey(issuer));
                } catch (PgpFileException e) {
                    Files.deleteIfExists(plain); // never trusted, never kept
                    return reject(imp, raw, e.reason() == PgpFileException.Reason.BAD_SIGNATURE
                            || e.reason() == PgpFileException.Reason.UNSIGNED
                            ? FileRejectedException.Reason.BAD_SIGNATURE : FileRejectedException.Reason.NOT_DECRYPTED,
                            "OpenPGP: " + e.reason() + ": " + e.getMessage());
                }
            } else if (imp.encrypted()) {
                return reject(imp, raw, FileRejectedException.Reason.NOT_DECRYPTED,
                        "an OpenPGP file from an issuer without a configured key");
            } else {
                Files.copy(raw, plain, StandardCopyOption.REPLACE_EXISTING);
            }
            ConfirmationFileReader.Summary summary;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(plain), 1 << 16)) {
                summary = ConfirmationFileReader.validate(in, imp.issuerId());
            } catch (FileRejectedException e) {
                return reject(imp, raw, e.reason(), e.getMessage());
            }
            String replayOf = replayOf(imp.issuerId(), summary);
            if (replayOf != null) {
                finish(imp.importId(), Status.DUPLICATE, FileRejectedException.Reason.DUPLICATE_FILE.name(),
                        "the same file (id " + summary.fileId() + ") was applied by import " + replayOf + "; nothing changed",
                        summary, null);
                raiseFileException(imp, FileRejectedException.Reason.DUPLICATE_FILE, "file " + summary.fileId()
                        + " was already applied by import " + replayOf + "; this copy changed nothing");
                return find(importId).orElseThrow();
            }
            Map<String, Integer> outcomes = apply(imp, plain, summary);
            log.info("confirmation file {} of {} applied: {}", summary.fileId(), imp.issuerId(), outcomes);
            return find(importId).orElseThrow();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("confirmation import " + importId, e);
        } finally {
            try {
                Files.deleteIfExists(plain);
            } catch (IOException e) {
                log.warn("could not delete the work copy of {}: {}", importId, e.toString());
            }
        }
    }

    /** The issuer's whole public key ring: its signing key verifies the files it sends. */
    private static PGPPublicKeyRing issuerKey(AccrueConfig.Issuer issuer) throws IOException {
        try (InputStream in = Files.newInputStream(issuer.pgpPublicKey())) {
            return PgpKeys.readPublicKeyRing(in);
        }
    }

    private String replayOf(String issuerId, ConfirmationFileReader.Summary s) {
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("select import_id from confirmation_import where issuer_id = ? "
                    + "and status = 'APPLIED' and (file_id = ? or sha256 = ?) limit 1")) {
                ps.setString(1, issuerId);
                ps.setString(2, s.fileId());
                ps.setString(3, s.sha256());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    private Import reject(Import imp, Path raw, FileRejectedException.Reason reason, String detail) throws IOException {
        Files.createDirectories(quarantine);
        Files.move(raw, quarantine.resolve(imp.importId() + ".bin"), StandardCopyOption.REPLACE_EXISTING);
        finish(imp.importId(), Status.REJECTED, reason.name(), detail, null, null);
        raiseFileException(imp, reason, detail);
        log.warn("confirmation file {} of {} rejected whole: {}", imp.importId(), imp.issuerId(), reason);
        return find(imp.importId()).orElseThrow();
    }

    private void raiseFileException(Import imp, FileRejectedException.Reason reason, String detail) {
        Instant now = clock.instant();
        Sql.inTransaction(ds, c -> Exceptions.raise(c, new Exceptions.Raise("FILE_REJECTED", imp.importId(), imp.issuerId(),
                null, null, null, null, "confirmation file " + (imp.originalName() == null ? imp.importId() : imp.originalName())
                + " rejected whole (" + reason + "): " + detail), now));
    }

    private void finish(String importId, Status status, String reason, String detail, ConfirmationFileReader.Summary s,
                        Map<String, Integer> outcomes) {
        Sql.inTransaction(ds, c -> {
            finish(c, importId, status, reason, detail, s, outcomes);
            return null;
        });
    }

    private void finish(Connection c, String importId, Status status, String reason, String detail,
                        ConfirmationFileReader.Summary s, Map<String, Integer> outcomes) throws SQLException {
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
            ps.setString(9, outcomes == null ? null : outcomes.toString());
            ps.setTimestamp(10, Sql.ts(clock.instant()));
            ps.setString(11, importId);
            ps.executeUpdate();
        }
    }

    /**
     * Applies a validated file in one transaction, set-wise: the file's lines are bulk-loaded (LOAD DATA LOCAL, from
     * the validated work copy) into confirmation_line, each line is classified with the rules of Reconciler in their
     * order (UNKNOWN, DUPLICATE, LATE, then REJECTED, ACCOUNT_MISMATCH, AMOUNT_MISMATCH, MATCHED), and credits,
     * rewards and exceptions follow in a few statements. Only refused rewards go through Java, one REJECT ledger
     * transaction each.
     */
    private Map<String, Integer> apply(Import imp, Path plain, ConfirmationFileReader.Summary summary) throws IOException {
        String path = plain.toAbsolutePath().toString();
        if (path.contains("'") || path.contains("\\")) {
            throw new IllegalStateException("the work directory's path cannot be quoted: " + path);
        }
        Instant now = clock.instant();
        Map<String, Integer> counts = Sql.inTransaction(ds, c -> {
            String id = imp.importId();
            long loadStart = System.nanoTime();
            try (java.sql.Statement st = c.createStatement()) {
                st.execute("set @accrue_line = 0");
                st.execute("load data local infile '" + path + "' into table confirmation_line character set utf8mb4 "
                        + "fields terminated by '|' lines terminated by '\\n' "
                        + "(@kind, @credit, @account, @amount, @currency, @status, @reason, @posted) "
                        + "set import_id = '" + id + "', line_no = (@accrue_line := @accrue_line + 1), kind = @kind, "
                        + "credit_id = if(@kind = 'D', @credit, null), account_ref = if(@kind = 'D', @account, null), "
                        + "amount = if(@kind = 'D', @amount, null), currency = if(@kind = 'D', @currency, null), "
                        + "status = if(@kind = 'D', @status, null), reason = if(@kind = 'D', nullif(@reason, '-'), null), "
                        + "posted_date = if(@kind = 'D', nullif(trim(trailing '\\r' from @posted), '-'), null)");
            }
            log.debug("loaded {} in {} ms", id, (System.nanoTime() - loadStart) / 1_000_000);
            exec(c, "delete from confirmation_line where import_id = ? and kind <> 'D'", id);
            String issuer = imp.issuerId();
            // UNKNOWN: no such credit sent to this issuer.
            exec(c, "update confirmation_line c left join statement_credit s on s.credit_id = c.credit_id and s.issuer_id = ? "
                    + "and s.status = 'FILED' set c.outcome = 'UNKNOWN' where c.import_id = ? and s.credit_id is null", issuer, id);
            // DUPLICATE: confirmed by an earlier file, or by an earlier line of this one.
            exec(c, "update confirmation_line c join statement_credit s on s.credit_id = c.credit_id set c.outcome = 'DUPLICATE' "
                    + "where c.import_id = ? and c.outcome is null and s.outcome is not null and s.outcome <> 'MISSING'", id);
            exec(c, "update confirmation_line c join (select credit_id, min(line_no) first_line from confirmation_line "
                    + "where import_id = ? group by credit_id having count(*) > 1) d on d.credit_id = c.credit_id "
                    + "set c.outcome = 'DUPLICATE' where c.import_id = ? and c.line_no > d.first_line and c.outcome is null", id, id);
            // LATE: it had been raised MISSING; what it says is judged all the same.
            exec(c, "update confirmation_line c join statement_credit s on s.credit_id = c.credit_id set c.outcome = 'LATE' "
                    + "where c.import_id = ? and c.outcome is null and s.outcome = 'MISSING'", id);
            exec(c, "update confirmation_line c join statement_credit s on s.credit_id = c.credit_id set c.judged = case "
                    + "when c.status = 'REJECTED' then 'REJECTED' when c.account_ref <> s.account_ref then 'ACCOUNT_MISMATCH' "
                    + "when c.amount <> s.amount or c.currency <> s.currency then 'AMOUNT_MISMATCH' else 'MATCHED' end, "
                    + "c.outcome = coalesce(c.outcome, case when c.status = 'REJECTED' then 'REJECTED' "
                    + "when c.account_ref <> s.account_ref then 'ACCOUNT_MISMATCH' when c.amount <> s.amount "
                    + "or c.currency <> s.currency then 'AMOUNT_MISMATCH' else 'MATCHED' end) "
                    + "where c.import_id = ? and (c.outcome is null or c.outcome = 'LATE')", id);

            exec(c, "update statement_credit s join confirmation_line c on c.credit_id = s.credit_id and c.import_id = ? "
                    + "set s.outcome = c.outcome, s.confirmed_status = c.status, s.confirmed_account_ref = c.account_ref, "
                    + "s.confirmed_amount = c.amount, s.confirmed_currency = c.currency, s.confirmed_reason = c.reason, "
                    + "s.posted_date = c.posted_date, s.confirmation_import_id = ?, s.reconciled_at = ? "
                    + "where c.judged is not null", id, id, Sql.ts(now));
            exec(c, "update reward r join statement_credit s on s.reward_id = r.id join confirmation_line c on c.credit_id = "
                    + "s.credit_id and c.import_id = ? set r.status = 'POSTED', r.updated_at = ? where c.judged = 'MATCHED' "
                    + "and r.status = 'SENT' and s.kind = 'CREDIT'", id, Sql.ts(now));
            List<Long> refused = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select s.reward_id from confirmation_line c join statement_credit s "
                    + "on s.credit_id = c.credit_id where c.import_id = ? and c.judged = 'REJECTED'")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        refused.add(rs.getLong(1));
                    }
                }
            }
            for (int i = 0; i < refused.size(); i += CHUNK_LINES) {
                rewardsRejected(c, refused.subList(i, Math.min(refused.size(), i + CHUNK_LINES)), now);
            }

            // LATE resolves the MISSING exception, with its audit line.
            exec(c, "insert into exception_audit (exception_id, action, actor, reason, detail, at) select e.id, 'RESOLVE_LATE', "
                    + "'reconciliation', concat('confirmed late by file ', ?), null, ? from processing_exception e join "
                    + "confirmation_line c on c.credit_id = e.fingerprint and c.import_id = ? where e.type = 'RECON_MISSING' "
                    + "and e.status <> 'RESOLVED' and c.outcome = 'LATE'", id, Sql.ts(now), id);
            exec(c, "update processing_exception e join confirmation_line c on c.credit_id = e.fingerprint and c.import_id = ? "
                    + "set e.status = 'RESOLVED', e.resolution = 'LATE', e.resolution_reason = concat('confirmed late by file ', ?), "
                    + "e.resolved_by = 'reconciliation', e.resolved_at = ? where e.type = 'RECON_MISSING' and e.status <> 'RESOLVED' "
                    + "and c.outcome = 'LATE'", id, id, Sql.ts(now));

            // Every outcome but MATCHED is an exception for ops (LATE only when what it says is wrong too).
            String insert = "insert ignore into processing_exception (id, type, fingerprint, message_key, issuer_id, card_id, "
                    + "last4, amount_minor, currency, detail, status, created_at, credit_id, reward_id) ";
            exec(c, insert + "select next value for processing_exception_seq, 'RECON_UNKNOWN', concat(c.import_id, ':', c.line_no), "
                    + "null, ?, null, null, c.amount, c.currency, concat('confirmation for credit id ', c.credit_id, ' (line ', "
                    + "c.line_no, '), which was never sent to ', ?), 'OPEN', ?, c.credit_id, null from confirmation_line c "
                    + "where c.import_id = ? and c.outcome = 'UNKNOWN'", issuer, issuer, Sql.ts(now), id);
            exec(c, insert + "select next value for processing_exception_seq, 'RECON_DUPLICATE', concat(c.credit_id, ':', "
                    + "c.import_id, ':', c.line_no), null, ?, s.card_id, s.last4, c.amount, c.currency, concat('credit ', c.credit_id, "
                    + "' confirmed again (', c.status, ', line ', c.line_no, ')'), 'OPEN', ?, c.credit_id, s.reward_id from "
                    + "confirmation_line c join statement_credit s on s.credit_id = c.credit_id where c.import_id = ? "
                    + "and c.outcome = 'DUPLICATE'", issuer, Sql.ts(now), id);
            exec(c, insert + "select next value for processing_exception_seq, concat('RECON_', c.judged), s.credit_id, null, ?, "
                    + "s.card_id, s.last4, s.amount, s.currency, case c.judged "
                    + "when 'REJECTED' then concat('the issuer rejected credit ', s.credit_id, ': ', coalesce(c.reason, 'OTHER')) "
                    + "when 'ACCOUNT_MISMATCH' then concat('credit ', s.credit_id, ' was sent for account ', s.account_ref, "
                    + "', the issuer posted it to ', c.account_ref) "
                    + "else concat('credit ', s.credit_id, ' was sent as ', s.amount, ' ', s.currency, ', the issuer posted ', "
                    + "c.amount, ' ', c.currency) end, 'OPEN', ?, s.credit_id, s.reward_id from confirmation_line c join "
                    + "statement_credit s on s.credit_id = c.credit_id where c.import_id = ? and c.judged <> 'MATCHED'",
                    issuer, Sql.ts(now), id);

            Map<String, Integer> out = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement("select outcome, count(*) from confirmation_line where import_id = ? "
                    + "group by outcome")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getInt(2));
                    }
                }
            }
            if (out.values().stream().mapToLong(Integer::longValue).sum() != summary.count()) {
                throw new IllegalStateException("loaded " + out + " lines of a file of " + summary.count());
            }
            finish(c, id, Status.APPLIED, null, null, summary, out);
            return out;
        });
        Files.deleteIfExists(received.resolve(imp.importId() + ".bin"));
        return counts;
    }

    private static int exec(Connection c, String sql, Object... params) throws SQLException {
        long t0 = System.nanoTime();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            int n = ps.executeUpdate();
            if (log.isDebugEnabled()) { // where an import's time goes, statement by statement
                log.debug("{} rows in {} ms: {}", n, (System.nanoTime() - t0) / 1_000_000, sql.substring(0, Math.min(60, sql.length())));
            }
            return n;
        }
    }

    /** The issuer refused: each reward is REJECTED, its amount owed to the cardholder again (REJECT transaction). */
    static void rewardsRejected(Connection c, List<Long> rewardIds, Instant now) throws SQLException {
        if (rewardIds.isEmpty()) {
            return;
        }
        List<StoredRewards.Row> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select " + StoredRewards.COLUMNS + " from reward r where r.id in ("
                + "?,".repeat(rewardIds.size() - 1) + "?) and r.status in ('SENT', 'POSTED') for update")) {
            for (int i = 0; i < rewardIds.size(); i++) {
                ps.setLong(i + 1, rewardIds.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(StoredRewards.read(rs));
                }
            }
        }
        try (LedgerRows ledger = new LedgerRows(c);
             PreparedStatement up = c.prepareStatement("update reward set status = 'REJECTED', updated_at = ? where id = ?")) {
            for (StoredRewards.Row row : rows) {
                if (row.reward().status() == org.accrue.rewards.ledger.Reward.Status.POSTED) {
                    continue; // posted and confirmed already: a later rejection line is a duplicate, handled as such
                }
                ledger.add(row.rowId(), row.reward().rejected(now));
                up.setTimestamp(1, Sql.ts(now));
                up.setLong(2, row.rowId());
                up.addBatch();
            }
            up.executeBatch();
            ledger.flush();
        }
    }

    public java.util.Optional<Import> find(String importId) {
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("select import_id, issuer_id, source, original_name, encrypted, "
                    + "file_id, answers_file_id, status, reason, detail, line_count, amount_sum, outcomes, received_at, "
                    + "finished_at from confirmation_import where import_id = ?")) {
                ps.setString(1, importId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return java.util.Optional.<Import>empty();
                    }
                    return java.util.Optional.of(new Import(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getBoolean(5), rs.getString(6), rs.getString(7), Status.valueOf(rs.getString(8)), rs.getString(9),
                            rs.getString(10), (Long) rs.getObject(11, Long.class), (Long) rs.getObject(12, Long.class),
                            rs.getString(13), Sql.instant(rs, 14), Sql.instant(rs, 15)));
                }
            }
        });
    }

    /** Imports every file waiting in the issuers' inbound directories (the reconciliation job's first step). */
    public List<Import> sweepInboxes() throws IOException {
        List<Import> out = new ArrayList<>();
        for (String issuerId : issuers.keySet()) {
            Path dir = inbox(issuerId);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> files;
            try (var s = Files.list(dir)) {
                files = s.filter(p -> Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".")).sorted().toList();
            }
            for (Path f : files) {
                String id;
                try (InputStream in = Files.newInputStream(f)) {
                    id = receive(issuerId, in, "INBOX", f.getFileName().toString(), "inbox");
                }
                Files.delete(f); // kept as received under files/inbound/received until applied
                out.add(process(id));
            }
        }
        return out;
    }

    public static Map<String, Object> describe(Import i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("importId", i.importId());
        m.put("issuerId", i.issuerId());
        m.put("status", i.status().name());
        m.put("source", i.source());
        m.put("fileName", i.originalName());
        m.put("encrypted", i.encrypted());
        m.put("fileId", i.fileId());
        m.put("answersFileId", i.answersFileId());
        m.put("reason", i.reason());
        m.put("detail", i.detail());
        m.put("lines", i.lineCount());
        m.put("amountSum", i.amountSum());
        m.put("outcomes", i.outcomes());
        m.put("receivedAt", i.receivedAt());
        m.put("finishedAt", i.finishedAt());
        return m;
    }
}
