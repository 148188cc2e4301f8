/*
 * Confirmation files in (issuer-files.md): received over the API, from the
 * CLI or from an issuer's inbound directory, each one a confirmation_import
 * row. A file is
 *   1. kept as received (streamed to disk, never held in memory) and
 *      recorded (ImportRecords, the table's owner);
 *   2. decrypted and its signature checked against the issuer's key when the
 *      issuer is configured for OpenPGP (ImportDecryption);
 *   3. refused as a replay when an applied file of the issuer had the same
 *      file id (from the header) or, once read, the same content hash (under
 *      the named locks of ImportLocks, so two nodes never apply one file);
 *   4. read once, validated whole (header, every detail, trailer count and
 *      control total) while its lines are applied in two transactions side
 *      by side (ConfirmationParts, ConfirmationApply): each line gets its
 *      outcome by the rules of Reconciler, the credit keeps what the issuer
 *      said, rewards become POSTED or REJECTED (a ledger transaction), and
 *      every outcome but MATCHED is an exception for ops. Nothing commits
 *      unless the whole file is valid.
 * A file refused at any step is moved to quarantine, changes nothing, and is
 * one FILE_REJECTED exception.
 */
package org.accrue.processor.confirmations;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.accrue.processor.ids.Ids;
import org.accrue.config.AccrueConfig;
import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.store.Sql;
import org.accrue.reconciliation.files.Confirmation;
import org.accrue.reconciliation.files.ConfirmationFileReader;
import org.accrue.reconciliation.files.FileRejectedException;
import org.accrue.reconciliation.matching.Reconciler;
import org.accrue.reconciliation.pgp.PgpDecryption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class ConfirmationImports {
    private static final Logger log = LoggerFactory.getLogger(ConfirmationImports.class);
    /** The largest file accepted, in bytes. */
    public static final long FILE_BYTES_MAX = 4L * 1024 * 1024 * 1024;

    /**
     * RECEIVED: stored, waiting to be applied; APPLIED, REJECTED (whole, with a reason) and DUPLICATE are where an import
     * ends. PROCESSING is never stored: it is how a RECEIVED import reads while a node holds it and applies it (its
     * named lock, which the server drops with a dead node's connection, so an import never reads PROCESSING for good).
     */
    public enum Status { RECEIVED, PROCESSING, APPLIED, REJECTED, DUPLICATE;

        /** Still to be applied (by this node or another): not yet one of the ends. */
        public boolean pending() {
            return this == RECEIVED || this == PROCESSING;
        }
    }

    /** An import as recorded. */
    public record Import(String importId, String issuerId, String source, String originalName, boolean encrypted,
                         String fileId, String answersFileId, Status status, String reason, String detail,
                         Long lineCount, Long amountSum, OutcomeCounts outcomes, Instant receivedAt, Instant finishedAt) {
    }

    private final DataSource ds;
    private final ImportRecords records;
    private final InstantSource clock;
    private final Map<String, AccrueConfig.Issuer> issuers;
    private final AccrueConfig.Pgp pgp;
    private final Path received;
    private final Path quarantine;
    private final Path work;
    /** Transactions a new import's lines are applied in, side by side (ConfirmationParts). */
    private final int applyParts;
    /**
     * One import applied at a time on this node: each holds applyParts + 2 connections, and two at once would only
     * share the same cores. Another waits its turn (in arrival order).
     */
    private final java.util.concurrent.Semaphore applying = new java.util.concurrent.Semaphore(1, true);

    /**
     * "imp_" and 20 random lowercase letters (94 bits). Letters only: a hex id holds digit runs, and one of 13 or more
     * digits that passes the Luhn check reads as a card number to a scanner of logs.
     */
    static String newImportId() {
        return Ids.next("imp");
    }

    /** Imports waiting for this node's turn (tests). */
    int waitingToApply() {
        return applying.getQueueLength();
    }

    /** After each part of an import commits (tests stop there, as a node that dies between two commits would). */
    java.util.function.IntConsumer partCommitted = part -> { };

    public ConfirmationImports(DataSource ds, InstantSource clock, Map<String, AccrueConfig.Issuer> issuers,
                               AccrueConfig.Pgp pgp, Path dataDir, int applyParts) {
        if (applyParts < 1) {
            throw new IllegalArgumentException("at least one part");
        }
        this.applyParts = applyParts;
        this.ds = ds;
        this.clock = clock;
        this.records = new ImportRecords(ds, clock);
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
        String importId = newImportId();
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
        records.insert(importId, issuerId, source, originalName, receivedBy, encrypted);
        return importId;
    }

    /**
     * Decrypts, validates, checks for a replay and applies a received file; returns the import as it ends. One node
     * at a time: while another holds the import (a MariaDB named lock, dropped with a dead node's connection), this
     * returns it as it stands.
     */
    public Import process(String importId) {
        return process(importId, org.accrue.processor.Progress.NONE);
    }

    /** As process, telling {@code progress} the bytes of the (decrypted) file applied so far, of its size. */
    public Import process(String importId, org.accrue.processor.Progress progress) {
        try {
            applying.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to process " + importId, e);
        }
        try (Connection lock = ds.getConnection()) {
            if (!ImportLocks.importLock(lock, "get_lock(?, 0)", importId)) {
                return find(importId).orElseThrow(() -> new IllegalArgumentException("no import " + importId));
            }
            try {
                return processHeld(importId, lock, progress);
            } finally {
                ImportLocks.importLock(lock, "release_lock(?)", importId);
            }
        } catch (SQLException e) {
            throw new Sql.StoreException(e);
        } finally {
            applying.release();
        }
    }

    /**
     * Applies a received import off the caller's thread (an upload is answered 202 at once; a second upload never
     * waits for the first to apply). Imports still wait their turn on this node (one applied at a time). A failure
     * (the store down) leaves the import RECEIVED: applied again at the node's next start or by the reconciliation job.
     */
    public void processInBackground(String importId) {
        Thread.ofVirtual().name("confirmation-import-" + importId).start(() -> {
            try {
                Import i = process(importId);
                log.debug("confirmation import {} ended {}", importId, i.status());
            } catch (RuntimeException e) {
                log.warn("confirmation import {} left RECEIVED (applied again at the next start or by the reconciliation "
                        + "job): {}", importId, e.toString());
            }
        });
    }

    /**
     * At a node's start: every import whose bytes this node holds and that it left RECEIVED (it stopped or died before
     * applying it, or while it did) is applied again in the background, in the order received. A part already
     * committed is not applied twice (ConfirmationParts). Nothing else can be applying them: the bytes are this data
     * directory's, and a data directory has one node (node.lock).
     */
    public void resumeInBackground() {
        Thread.ofVirtual().name("confirmation-import-resume").start(() -> {
            try {
                List<Import> done = resumeUnfinished(Duration.ZERO);
                if (!done.isEmpty()) {
                    log.info("confirmation imports left unfinished by the last run, applied at start: {}",
                            done.stream().map(i -> i.importId() + "=" + i.status()).toList());
                }
            } catch (RuntimeException e) {
                log.warn("confirmation imports left unfinished stay RECEIVED (the reconciliation job applies them): {}",
                        e.toString());
            }
        });
    }

    /**
     * Imports received here that never finished (the node died while applying one, or between two of its parts):
     * processed again, which applies only what had not committed. Only files whose bytes this node holds.
     */
    public List<Import> resumeUnfinished(Duration olderThan) {
        List<String> ids = records.receivedBefore(clock.instant().minus(olderThan));
        List<Import> out = new ArrayList<>();
        for (String id : ids) {
            if (Files.exists(received.resolve(id + ".bin"))) {
                out.add(process(id));
            }
        }
        return out;
    }

    private Import processHeld(String importId, Connection lock, org.accrue.processor.Progress progress)
            throws SQLException {
        Import imp = find(importId).orElseThrow(() -> new IllegalArgumentException("no import " + importId));
        if (!imp.status().pending()) { // PROCESSING: this node's own lock, taken just now
            return imp;
        }
        long started = System.nanoTime();
        Path raw = received.resolve(importId + ".bin");
        Path plain = work.resolve(importId + ".txt");
        try {
            Files.createDirectories(work);
            ImportDecryption.Refused refused = ImportDecryption.toPlain(issuers.get(imp.issuerId()), pgp, imp.encrypted(),
                    raw, plain);
            if (refused != null) {
                return reject(imp, raw, refused.reason(), refused.detail());
            }
            log.debug("{} decrypted and verified at {} ms", importId, (System.nanoTime() - started) / 1_000_000);
            // The same file uploaded to two nodes is two imports, each under its own import lock, and each would find
            // no applied copy before the other committed: both applied (issue 15). The check and the apply go under a
            // lock of the (issuer, file id) too, so the second waits for the first and then finds it APPLIED.
            String fileId = headerFileId(plain);
            if (fileId != null && !ImportLocks.fileLock(lock, "get_lock(?, " + ImportLocks.FILE_LOCK_WAIT_SECONDS + ")", imp.issuerId(), fileId)) {
                log.warn("confirmation import {}: file {} of {} is being applied elsewhere for over {} s; left RECEIVED, "
                        + "processed again later", importId, fileId, imp.issuerId(), ImportLocks.FILE_LOCK_WAIT_SECONDS);
                return imp;
            }
            try {
                return checkAndApply(imp, raw, plain, fileId, started, progress);
            } finally {
                if (fileId != null) {
                    ImportLocks.fileLock(lock, "release_lock(?)", imp.issuerId(), fileId);
                }
            }
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

    /** The replay check and the apply of a decrypted file, under its (issuer, file id) lock when it names one. */
    private Import checkAndApply(Import imp, Path raw, Path plain, String fileId, long started,
                                 org.accrue.processor.Progress progress) throws IOException {
        String importId = imp.importId();
        String replayOf = records.replayOf(imp.issuerId(), fileId, null);
        if (replayOf != null) { // known from the header: no need to read further than a validation
            try (InputStream in = new BufferedInputStream(Files.newInputStream(plain), 1 << 16)) {
                return duplicate(imp, ConfirmationFileReader.validate(in, imp.issuerId()), replayOf);
            } catch (FileRejectedException e) {
                return reject(imp, raw, e.reason(), e.getMessage());
            }
        }
        ConfirmationParts.Result result = new ConfirmationParts(ds, applyParts, ConfirmationApply.CHUNK_LINES,
                partCommitted).apply(
                importId, imp.issuerId(), plain, progress, clock.instant(), summary -> records.replayOf(imp.issuerId(), summary),
                (c, summary, outcomes) -> records.finish(c, importId, Status.APPLIED, null, null, summary, outcomes));
        return switch (result) {
            case ConfirmationParts.Result.Rejected r -> reject(imp, raw, r.reason().reason(), r.reason().getMessage());
            case ConfirmationParts.Result.Replay r -> duplicate(imp, r.summary(), r.appliedBy());
            case ConfirmationParts.Result.Applied a -> {
                Files.deleteIfExists(raw);
                log.info("confirmation file {} of {} applied in {} ms: {}", a.summary().fileId(), imp.issuerId(),
                        (System.nanoTime() - started) / 1_000_000, a.outcomes());
                yield find(importId).orElseThrow();
            }
        };
    }

    private Import duplicate(Import imp, ConfirmationFileReader.Summary summary, String replayOf) {
        records.finish(imp.importId(), Status.DUPLICATE, FileRejectedException.Reason.DUPLICATE_FILE.name(),
                "the same file (id " + summary.fileId() + ") was applied by import " + replayOf + "; nothing changed",
                summary, null);
        raiseFileException(imp, FileRejectedException.Reason.DUPLICATE_FILE, "file " + summary.fileId()
                + " was already applied by import " + replayOf + "; this copy changed nothing");
        return find(imp.importId()).orElseThrow();
    }

    /** The file id in the header line (H|STMTCONF|issuer|file id|...), or null; the reader checks the rest. */
    private static String headerFileId(Path plain) throws IOException {
        try (InputStream in = Files.newInputStream(plain)) {
            byte[] head = in.readNBytes(ConfirmationFileReader.LINE_BYTES_MAX);
            String line = new String(head, java.nio.charset.StandardCharsets.UTF_8);
            int end = line.indexOf('\n');
            String[] f = (end < 0 ? line : line.substring(0, end)).split("\\|", -1);
            return f.length > 3 && f[0].equals("H") && !f[3].isBlank() ? f[3].strip() : null;
        }
    }

    private Import reject(Import imp, Path raw, FileRejectedException.Reason reason, String detail) throws IOException {
        Files.createDirectories(quarantine);
        Files.move(raw, quarantine.resolve(imp.importId() + ".bin"), StandardCopyOption.REPLACE_EXISTING);
        records.finish(imp.importId(), Status.REJECTED, reason.name(), detail, null, null);
        raiseFileException(imp, reason, detail);
        log.warn("confirmation file {} of {} rejected whole: {}", imp.importId(), imp.issuerId(), reason);
        return find(imp.importId()).orElseThrow();
    }

    private void raiseFileException(Import imp, FileRejectedException.Reason reason, String detail) {
        Instant now = clock.instant();
        Sql.inTransaction(ds, c -> Exceptions.raise(c, new Exceptions.Raise(Exceptions.Type.FILE_REJECTED, imp.importId(), imp.issuerId(),
                null, null, null, null, "confirmation file " + (imp.originalName() == null ? imp.importId() : imp.originalName())
                + " rejected whole (" + reason + "): " + detail), now));
    }

    public java.util.Optional<Import> find(String importId) {
        return records.find(importId);
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

    /**
     * Erasure of a card: what issuers' confirmation files said of its credits keeps its outcome, amount and status,
     * without the account reference they confirmed (credit_reconciliation) or sent (confirmation_line).
     */
    public static void erase(java.sql.Connection c, long cardId) throws java.sql.SQLException {
        try (java.sql.PreparedStatement ps = c.prepareStatement("update credit_reconciliation r join statement_credit s "
                + "on s.credit_id = r.credit_id set r.confirmed_account_ref = null where s.card_id = ?")) {
            ps.setLong(1, cardId);
            ps.executeUpdate();
        }
        try (java.sql.PreparedStatement ps = c.prepareStatement("update confirmation_line l join statement_credit s "
                + "on s.credit_id = l.credit_id set l.account_ref = null where s.card_id = ?")) {
            ps.setLong(1, cardId);
            ps.executeUpdate();
        }
    }
}
