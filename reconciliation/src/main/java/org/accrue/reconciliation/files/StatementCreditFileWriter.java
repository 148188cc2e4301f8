/*
 * Writes a statement credit file (issuer-files.md) as a stream: the header,
 * one D line per credit as it is added, and the trailer with the count and
 * sum of amounts. Memory stays constant whatever the number of credits.
 *
 * Atomicity: bytes go to a hidden temporary file in the target directory
 * (".STMTCR_...txt.<random>.part", owner-only permissions), through OpenPGP
 * when the issuer is so configured. finish() writes the trailer, fsyncs the
 * file, moves it into place with ATOMIC_MOVE and fsyncs the directory, so a
 * reader (or the issuer's pick-up) never sees half a file. close() without
 * finish() deletes the temporary file: an abandoned writer leaves nothing.
 *
 * Names: STMTCR_<issuer>_<yyyymmdd>_<seq>.txt, seq zero-padded to at least 3
 * digits (001, 999, 1000), ".pgp" appended when encrypted. A file of the same
 * name is replaced: the caller owns the sequence (the processor allocates it
 * under a row lock) and such a file can only be one a rolled-back run left.
 */
package org.accrue.reconciliation.files;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

import org.accrue.reconciliation.pgp.PgpEncryption;

public final class StatementCreditFileWriter implements AutoCloseable {
    /** Characters buffered before they are encoded and written. */
    private static final int BUFFER_CHARS = 1 << 16;
    /** Longest issuer id (the config's rule: 1-16 of A-Z 0-9 _ -). */
    public static final int ISSUER_ID_CHARS_MAX = 16;
    /** Longest file id, in characters. */
    public static final int FILE_ID_CHARS_MAX = 64;
    /** Largest sequence number of a day: far above any real cadence, and the name stays short. */
    public static final int SEQ_MAX = 999_999;

    private final Path dir;
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final MessageDigest digest;
    private final BufferedWriter out;
    private final String fileName;
    private final boolean encrypted;
    private long count;
    private long sum;
    private boolean finished;
    private boolean failed;

    private StatementCreditFileWriter(Path dir, String fileName, Optional<PgpEncryption> pgp, String header)
            throws IOException {
        this.dir = dir;
        this.fileName = fileName;
        this.encrypted = pgp.isPresent();
        this.target = dir.resolve(fileName);
        this.digest = sha256();
        // A unique hidden name: two writers never share a temporary file, and POSIX gives it mode 0600.
        this.temp = Files.createTempFile(dir, "." + fileName + ".", ".part");
        FileChannel ch = null;
        BufferedWriter w;
        try {
            ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            OutputStream disk = new DigestOutputStream(Channels.newOutputStream(ch), digest) {
                @Override
                public void close() throws IOException {
                    flush(); // the writer closes the channel itself, after fsync
                }
            };
            OutputStream plain = encrypted ? pgp.get().open(disk, plainName(fileName), false) : disk;
            w = new BufferedWriter(new OutputStreamWriter(plain, StandardCharsets.UTF_8), BUFFER_CHARS);
            w.write(header);
            w.write('\n');
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            Files.deleteIfExists(temp);
            throw e;
        }
        this.channel = ch;
        this.out = w;
    }

    /** The file name for an issuer, day and sequence number: {@code STMTCR_BANK_A_20261122_001.txt[.pgp]}. */
    public static String fileName(String issuerId, LocalDate fileDate, int seq, boolean encrypted) {
        return "STMTCR_" + issuerId + "_" + fileDate.format(DateTimeFormatter.BASIC_ISO_DATE) + "_"
                + String.format("%03d", seq) + ".txt" + (encrypted ? ".pgp" : "");
    }

    /**
     * Starts a file in {@code dir} (which must exist). {@code createdAt} is written in UTC, to the second;
     * {@code fileDate} and {@code seq} name the file. Nothing is visible in {@code dir} until {@link #finish()}.
     *
     * @throws IllegalArgumentException when the issuer id, file id or sequence number cannot go into a file
     */
    public static StatementCreditFileWriter open(Path dir, String issuerId, String fileId, Instant createdAt,
                                                 LocalDate fileDate, int seq, Optional<PgpEncryption> pgp)
            throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(fileDate, "fileDate");
        Objects.requireNonNull(pgp, "pgp");
        if (!issuerIdValid(issuerId)) {
            throw new IllegalArgumentException("issuerId must be 1-" + ISSUER_ID_CHARS_MAX + " of A-Z 0-9 _ -");
        }
        if (!StatementCredit.fits(fileId, FILE_ID_CHARS_MAX)) {
            throw new IllegalArgumentException("fileId must be 1-" + FILE_ID_CHARS_MAX
                    + " characters without | or control characters");
        }
        if (seq < 1 || seq > SEQ_MAX) {
            throw new IllegalArgumentException("seq must be 1-" + SEQ_MAX + ", was " + seq);
        }
        String header = "H|STMTCR|" + issuerId + "|" + fileId + "|" + createdAt.truncatedTo(ChronoUnit.SECONDS) + "|1";
        return new StatementCreditFileWriter(dir, fileName(issuerId, fileDate, seq, pgp.isPresent()), pgp, header);
    }

    /** Appends one D line. The credit was checked when it was built; only the running sum can still fail. */
    public void add(StatementCredit c) throws IOException {
        requireOpen();
        long newSum;
        try {
            newSum = Math.addExact(sum, c.amount());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("credit " + c.creditId() + ": the file's sum of amounts would overflow");
        }
        try {
            out.write("D|");
            out.write(c.creditId());
            out.write('|');
            out.write(c.accountRef());
            out.write('|');
            out.write(c.last4());
            out.write('|');
            out.write(Long.toString(c.amount()));
            out.write('|');
            out.write(c.currency());
            out.write('|');
            out.write(c.statementText());
            out.write('|');
            out.write(c.offerId());
            out.write('|');
            out.write(c.purchaseDate().toString());
            out.write('\n');
        } catch (IOException | RuntimeException e) {
            failed = true; // half a line may be in the buffer: this file can only be abandoned
            throw e;
        }
        count++;
        sum = newSum;
    }

    /** Credits added so far. */
    public long count() {
        return count;
    }

    /** Writes the trailer, fsyncs, and moves the file into place; after this the file is the issuer's. */
    public FileSummary finish() throws IOException {
        requireOpen();
        failed = true; // until the move is done, any failure leaves a writer that can only be abandoned
        out.write("T|" + count + "|" + sum + "\n");
        out.close(); // finishes the OpenPGP message when there is one
        channel.force(true);
        channel.close();
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        finished = true;
        syncDirectory(dir);
        return new FileSummary(fileName, target, count, sum, HexFormat.of().formatHex(digest.digest()), encrypted);
    }

    /** Abandons the file unless {@link #finish()} completed: the temporary file is deleted. */
    @Override
    public void close() throws IOException {
        if (finished) {
            return;
        }
        finished = true;
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private void requireOpen() {
        if (finished) {
            throw new IllegalStateException("the file " + fileName + " is already finished or abandoned");
        }
        if (failed) {
            throw new IllegalStateException("a write to " + fileName + " failed; close() it and start again");
        }
    }

    /** The name inside the OpenPGP literal packet: what the receiver gets after decrypting. */
    private static String plainName(String fileName) {
        return fileName.endsWith(".pgp") ? fileName.substring(0, fileName.length() - 4) : fileName;
    }

    /**
     * Makes the rename durable. Some platforms cannot open or sync a directory; there the move is still atomic,
     * only its durability across a power cut is the file system's, so the failure is not the caller's problem.
     */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // See above: atomicity does not depend on it.
            return;
        }
    }

    private static boolean issuerIdValid(String id) {
        if (id == null || id.isEmpty() || id.length() > ISSUER_ID_CHARS_MAX) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
