/*
 * Reads a confirmation file (issuer-files.md) as a stream, in constant
 * memory: the header is checked, each D line is parsed and handed to the
 * caller's visitor as it is read, and the trailer's count and control total
 * are checked at the end. A file that breaks any rule throws
 * FileRejectedException naming the line and field. Because the visitor sees
 * detail lines before the trailer is checked, a caller that applies them
 * must do so in a transaction it rolls back when read() throws (or run
 * validate() first). Lines end in \n; a \r before it is tolerated; the
 * bytes must be UTF-8.
 */
package org.accrue.reconciliation.files;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;

public final class ConfirmationFileReader {
    /** Longest line accepted, in characters: a D line is well under 300. */
    public static final int LINE_CHARS_MAX = 1024;
    /** Most detail lines in one file. */
    public static final long DETAIL_LINES_MAX = 20_000_000L;

    private ConfirmationFileReader() {
    }

    @FunctionalInterface
    public interface Visitor {
        void detail(Confirmation c) throws Exception;
    }

    /** The file as its header and trailer describe it, with the SHA-256 of its (plain) bytes. */
    public record Summary(String issuerId, String fileId, Instant createdAt, String answersFileId, long count, long sum,
                          String sha256) {
    }

    /** Checks the whole file without applying anything. */
    public static Summary validate(InputStream in, String expectedIssuer) throws IOException, FileRejectedException {
        return read(in, expectedIssuer, c -> { });
    }

    /**
     * Reads the file, calling {@code visitor} per detail line in file order. An exception from the visitor is
     * passed through (wrapped as IOException when it is checked and not an IOException).
     */
    public static Summary read(InputStream raw, String expectedIssuer, Visitor visitor) throws IOException, FileRejectedException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        BufferedReader r = new BufferedReader(new InputStreamReader(new DigestInputStream(raw, digest), decoder), 1 << 16);
        long lineNo = 0;
        try {
            String header = line(r, ++lineNo);
            if (header == null) {
                throw new FileRejectedException(FileRejectedException.Reason.EMPTY, 0, "the file is empty");
            }
            String[] h = header.split("\\|", -1);
            if (h.length != 6 || !h[0].equals("H")) {
                throw new FileRejectedException(FileRejectedException.Reason.BAD_HEADER, lineNo,
                        "the header must be H|STMTCONF|issuer|file id|created at|answered file id");
            }
            if (!h[1].equals("STMTCONF")) {
                throw new FileRejectedException(FileRejectedException.Reason.WRONG_FILE_TYPE, lineNo,
                        "file type must be STMTCONF");
            }
            if (expectedIssuer != null && !h[2].equals(expectedIssuer)) {
                throw new FileRejectedException(FileRejectedException.Reason.ISSUER_MISMATCH, lineNo,
                        "the header names another issuer");
            }
            if (h[3].isEmpty() || h[3].length() > 64) {
                throw new FileRejectedException(FileRejectedException.Reason.BAD_HEADER, lineNo, "file id must be 1-64 characters");
            }
            Instant created;
            try {
                created = Instant.parse(h[4]);
            } catch (DateTimeParseException e) {
                throw new FileRejectedException(FileRejectedException.Reason.BAD_HEADER, lineNo,
                        "created at must be ISO 8601 UTC, e.g. 2026-11-22T03:00:00Z");
            }
            String answers = h[5].equals("-") ? null : h[5];
            long count = 0;
            long sum = 0;
            String line;
            while ((line = line(r, ++lineNo)) != null) {
                if (line.startsWith("T|")) {
                    String[] t = line.split("\\|", -1);
                    long declaredCount;
                    long declaredSum;
                    try {
                        if (t.length != 3) {
                            throw new NumberFormatException();
                        }
                        declaredCount = Long.parseLong(t[1]);
                        declaredSum = Long.parseLong(t[2]);
                    } catch (NumberFormatException e) {
                        throw new FileRejectedException(FileRejectedException.Reason.BAD_TRAILER, lineNo,
                                "the trailer must be T|detail count|sum of amounts");
                    }
                    if (declaredCount != count) {
                        throw new FileRejectedException(FileRejectedException.Reason.COUNT_MISMATCH, lineNo,
                                "the trailer says " + declaredCount + " detail lines, the file has " + count);
                    }
                    if (declaredSum != sum) {
                        throw new FileRejectedException(FileRejectedException.Reason.TOTAL_MISMATCH, lineNo,
                                "the trailer's control total is " + declaredSum + ", the details sum to " + sum);
                    }
                    String after = line(r, lineNo + 1);
                    if (after != null && !(after.isEmpty() && line(r, lineNo + 2) == null)) {
                        throw new FileRejectedException(FileRejectedException.Reason.CONTENT_AFTER_TRAILER, lineNo + 1,
                                "nothing may follow the trailer");
                    }
                    return new Summary(h[2], h[3], created, answers, count, sum, HexFormat.of().formatHex(digest.digest()));
                }
                Confirmation c = detail(line, lineNo);
                if (++count > DETAIL_LINES_MAX) {
                    throw new FileRejectedException(FileRejectedException.Reason.TOO_MANY_LINES, lineNo,
                            "more than " + DETAIL_LINES_MAX + " detail lines");
                }
                sum = Math.addExact(sum, c.amount());
                try {
                    visitor.detail(c);
                } catch (IOException | RuntimeException e) {
                    throw e;
                } catch (FileRejectedException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }
            throw new FileRejectedException(FileRejectedException.Reason.NO_TRAILER, lineNo - 1,
                    "the file ends without a trailer (truncated?)");
        } catch (CharacterCodingException e) {
            throw new FileRejectedException(FileRejectedException.Reason.NOT_UTF8, lineNo, "the file is not UTF-8");
        } catch (ArithmeticException e) {
            throw new FileRejectedException(FileRejectedException.Reason.BAD_DETAIL, lineNo, "amounts overflow");
        }
    }

    private static String line(BufferedReader r, long lineNo) throws IOException, FileRejectedException {
        StringBuilder b = new StringBuilder(128);
        int c;
        while ((c = r.read()) != -1) {
            if (c == '\n') {
                return strip(b);
            }
            if (b.length() >= LINE_CHARS_MAX) {
                throw new FileRejectedException(FileRejectedException.Reason.LINE_TOO_LONG, lineNo,
                        "longer than " + LINE_CHARS_MAX + " characters");
            }
            b.append((char) c);
        }
        return b.isEmpty() ? null : strip(b);
    }

    private static String strip(StringBuilder b) {
        int n = b.length();
        return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
    }

    private static Confirmation detail(String line, long lineNo) throws FileRejectedException {
        String[] f = line.split("\\|", -1);
        if (f.length != 8 || !f[0].equals("D")) {
            throw bad(lineNo, "a detail must be D|credit id|account ref|amount|currency|status|reason|posted date (8 fields)");
        }
        if (f[1].isEmpty() || f[1].length() > 40) {
            throw bad(lineNo, "credit id must be 1-40 characters");
        }
        if (f[2].isEmpty() || f[2].length() > 64) {
            throw bad(lineNo, "account ref must be 1-64 characters");
        }
        long amount;
        try {
            amount = Long.parseLong(f[3]);
        } catch (NumberFormatException e) {
            throw bad(lineNo, "amount must be a whole number of minor units");
        }
        if (!f[4].matches("[A-Z]{3}")) {
            throw bad(lineNo, "currency must be ISO 4217 alpha-3");
        }
        Confirmation.Status status;
        try {
            status = Confirmation.Status.valueOf(f[5]);
        } catch (IllegalArgumentException e) {
            throw bad(lineNo, "status must be POSTED or REJECTED");
        }
        Confirmation.ReasonCode reason = null;
        if (status == Confirmation.Status.REJECTED) {
            try {
                reason = Confirmation.ReasonCode.valueOf(f[6]);
            } catch (IllegalArgumentException e) {
                throw bad(lineNo, "a rejection needs a reason code: ACCOUNT_CLOSED, ACCOUNT_NOT_FOUND, ACCOUNT_BLOCKED, "
                        + "LIMIT_EXCEEDED or OTHER");
            }
        } else if (!f[6].equals("-")) {
            throw bad(lineNo, "a posted credit has reason -");
        }
        LocalDate posted = null;
        if (!f[7].equals("-")) {
            try {
                posted = LocalDate.parse(f[7]);
            } catch (DateTimeParseException e) {
                throw bad(lineNo, "posted date must be YYYY-MM-DD or -");
            }
        } else if (status == Confirmation.Status.POSTED) {
            throw bad(lineNo, "a posted credit has a posted date");
        }
        return new Confirmation(lineNo, f[1], f[2], amount, f[4], status, reason, posted);
    }

    private static FileRejectedException bad(long lineNo, String message) {
        return new FileRejectedException(FileRejectedException.Reason.BAD_DETAIL, lineNo, message);
    }
}
