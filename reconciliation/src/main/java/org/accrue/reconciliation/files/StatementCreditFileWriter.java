/*
 * Writes a statement credit file (issuer-files.md) as a stream: header, one
 * D line per credit as it comes, trailer with count and sum. The bytes go to
 * a hidden temporary file in the target directory (through OpenPGP when the
 * issuer is so configured) and are fsynced; finish() moves the file into
 * place atomically, so a reader never sees half a file. close() without
 * finish() deletes the temporary file and leaves nothing.
 * Names: STMTCR_<issuer>_<yyyymmdd>_<seq, 3 digits or more>.txt, + .pgp.
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
import java.util.Optional;

import org.accrue.reconciliation.pgp.PgpEncryption;

public final class StatementCreditFileWriter implements AutoCloseable {
    private static final int BUFFER_CHARS = 1 << 16;

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

    private StatementCreditFileWriter(Path dir, String fileName, Optional<PgpEncryption> pgp, String header) throws IOException {
        this.fileName = fileName;
        this.encrypted = pgp.isPresent();
        this.target = dir.resolve(fileName);
        this.temp = dir.resolve("." + fileName + ".part");
        this.channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        OutputStream disk = new DigestOutputStream(Channels.newOutputStream(channel), digest) {
            @Override
            public void close() throws IOException {
                flush(); // the channel is closed by the writer, after fsync
            }
        };
        OutputStream plain = pgp.isPresent() ? pgp.get().open(disk, fileName.replace(".pgp", ""), false) : disk;
        this.out = new BufferedWriter(new OutputStreamWriter(plain, StandardCharsets.UTF_8), BUFFER_CHARS);
        out.write(header);
        out.write('\n');
    }

    /** The file name for an issuer, day and sequence number. */
    public static String fileName(String issuerId, LocalDate fileDate, int seq, boolean encrypted) {
        return "STMTCR_" + issuerId + "_" + fileDate.format(DateTimeFormatter.BASIC_ISO_DATE) + "_"
                + String.format("%03d", seq) + ".txt" + (encrypted ? ".pgp" : "");
    }

    public static StatementCreditFileWriter open(Path dir, String issuerId, String fileId, Instant createdAt,
                                                 LocalDate fileDate, int seq, Optional<PgpEncryption> pgp) throws IOException {
        if (!issuerId.matches("[A-Z0-9_-]{1,16}") || fileId.contains("|") || seq < 1) {
            throw new IllegalArgumentException("issuer id, file id or sequence number not fit for a file");
        }
        String header = "H|STMTCR|" + issuerId + "|" + fileId + "|" + createdAt.truncatedTo(ChronoUnit.SECONDS) + "|1";
        return new StatementCreditFileWriter(dir, fileName(issuerId, fileDate, seq, pgp.isPresent()), pgp, header);
    }

    public void add(StatementCredit c) throws IOException {
        StringBuilder b = new StringBuilder(128).append("D|").append(c.creditId()).append('|').append(c.accountRef())
                .append('|').append(c.last4()).append('|').append(c.amount()).append('|').append(c.currency()).append('|')
                .append(c.statementText()).append('|').append(c.offerId()).append('|').append(c.purchaseDate()).append('\n');
        out.append(b);
        count++;
        sum = Math.addExact(sum, c.amount());
    }

    /** Writes the trailer, syncs, and moves the file into place. */
    public FileSummary finish() throws IOException {
        out.write("T|" + count + "|" + sum + "\n");
        out.close(); // finishes the OpenPGP message when there is one
        channel.force(true);
        channel.close();
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        finished = true;
        return new FileSummary(fileName, target, count, sum, HexFormat.of().formatHex(digest.digest()), encrypted);
    }

    @Override
    public void close() throws IOException {
        if (!finished) {
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }
}
