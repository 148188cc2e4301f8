/*
 * Reads a confirmation file (issuer-files.md) as a stream, in constant
 * memory: the header is checked, each D line is parsed and handed to the
 * caller's visitor as soon as it is read, and the trailer's count and control
 * total are checked at the end. A file that breaks any rule throws
 * FileRejectedException with a stable reason, naming the line and the field;
 * a message never repeats a line (it could hold data not fit for a log).
 *
 * The visitor sees detail lines BEFORE the trailer is checked: whatever it
 * does must be undone when read() throws. The processor applies lines inside
 * one database transaction and rolls it back on FileRejectedException (or
 * runs validate() first, a cheap pass that applies nothing).
 *
 * Decisions where the spec is silent:
 * - bytes must be UTF-8 (no byte order mark); lines end in '\n', and one '\r'
 *   before it is tolerated on every line (CRLF files from Windows tools);
 * - the trailer's own '\n' may be missing; nothing at all may follow it, not
 *   even an empty line;
 * - an empty line anywhere is a bad detail;
 * - a POSTED line has reason "-" and a posted date; a REJECTED line has a
 *   reason code and posted date "-";
 * - amounts are an optional '-' and 1-18 digits, currencies known ISO 4217.
 */
package org.accrue.reconciliation.files;

import java.io.IOException;
import java.io.InputStream;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Objects;

import org.accrue.rewards.money.Money;

public final class ConfirmationFileReader {
    /** Longest line accepted, in bytes without the line end: a D line is well under 300. */
    public static final int LINE_BYTES_MAX = 1024;
    /** Most detail lines in one file. */
    public static final long DETAIL_LINES_MAX = 20_000_000L;
    /** Most digits of an amount: 18 always fit a long. */
    private static final int AMOUNT_DIGITS_MAX = 18;
    /** Longest file id in a header, in characters. */
    private static final int FILE_ID_CHARS_MAX = 64;
    /** Longest value a message repeats (issuer ids, file types), in characters. */
    private static final int ECHO_CHARS_MAX = 24;
    private static final int HEADER_FIELDS = 6;
    private static final int DETAIL_FIELDS = 8;
    private static final int TRAILER_FIELDS = 3;

    private ConfirmationFileReader() {
    }

    /** What the caller does with each detail line; it may throw its own exception, which read() passes on. */
    @FunctionalInterface
    public interface Visitor<E extends Exception> {
        void detail(Confirmation c) throws E;
    }

    /**
     * The file as its header and trailer describe it: {@code answersFileId} is null for "-"; {@code sha256} is
     * of the bytes read (the plain file when it came encrypted).
     */
    public record Summary(String issuerId, String fileId, Instant createdAt, String answersFileId, long count, long sum,
                          String sha256) {
    }

    /** Checks the whole file, applying nothing. */
    public static Summary validate(InputStream in, String expectedIssuer) throws IOException, FileRejectedException {
        return read(in, expectedIssuer, c -> { });
    }

    /**
     * Reads the file, calling {@code visitor} once per detail line, in file order, before the trailer is
     * checked. Returns only when the whole file is valid; on FileRejectedException the caller undoes whatever
     * the visitor did. The stream is read to its end but not closed.
     *
     * @param expectedIssuer the issuer the file must come from (header field 3)
     * @throws FileRejectedException the file breaks a rule; undo what the visitor did
     * @throws IOException           reading {@code in} failed (not the file's fault: it may be read again)
     */
    public static <E extends Exception> Summary read(InputStream in, String expectedIssuer, Visitor<E> visitor)
            throws IOException, FileRejectedException, E {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(expectedIssuer, "expectedIssuer");
        Objects.requireNonNull(visitor, "visitor");
        Lines lines = new Lines(in, LINE_BYTES_MAX);
        String headerLine = lines.next();
        if (headerLine == null) {
            throw new FileRejectedException(FileRejectedException.Reason.EMPTY, 0, "the file is empty");
        }
        Header header = header(headerLine, expectedIssuer);
        long count = 0;
        long sum = 0;
        String line;
        while ((line = lines.next()) != null) {
            long lineNo = lines.lineNo();
            if (line.startsWith("T|") || line.equals("T")) {
                trailer(line, lineNo, count, sum);
                if (lines.hasMore()) {
                    throw new FileRejectedException(FileRejectedException.Reason.CONTENT_AFTER_TRAILER, lineNo + 1,
                            "nothing may follow the trailer");
                }
                return new Summary(header.issuerId, header.fileId, header.createdAt, header.answersFileId, count, sum,
                        lines.sha256Hex());
            }
            Confirmation c = detail(line, lineNo);
            if (count == DETAIL_LINES_MAX) {
                throw new FileRejectedException(FileRejectedException.Reason.TOO_MANY_LINES, lineNo,
                        "more than " + DETAIL_LINES_MAX + " detail lines");
            }
            try {
                sum = Math.addExact(sum, c.amount());
            } catch (ArithmeticException e) {
                throw bad(lineNo, 4, "amount", "the sum of amounts overflows");
            }
            count++;
            visitor.detail(c);
        }
        throw new FileRejectedException(FileRejectedException.Reason.NO_TRAILER, lines.lineNo(),
                "the file ends without a trailer (truncated?)");
    }

    private record Header(String issuerId, String fileId, Instant createdAt, String answersFileId) {
    }

    private static Header header(String line, String expectedIssuer) throws FileRejectedException {
        String[] h = split(line, HEADER_FIELDS);
        if (!h[0].equals("H") || h.length < 2) {
            throw new FileRejectedException(FileRejectedException.Reason.BAD_HEADER, 1,
                    line.startsWith("\uFEFF") ? "the file starts with a byte order mark" : "the first line must be the H header");
        }
        if (!h[1].equals("STMTCONF")) {
            throw new FileRejectedException(FileRejectedException.Reason.WRONG_FILE_TYPE, 1,
                    "field 2 (file type): " + echo(h[1]) + ", expected STMTCONF");
        }
        if (h.length != HEADER_FIELDS) {
            throw new FileRejectedException(FileRejectedException.Reason.BAD_HEADER, 1, "the header has " + h.length
                    + " fields, H|STMTCONF|issuer id|file id|created at|answered file id has " + HEADER_FIELDS);
        }
        if (!h[2].equals(expectedIssuer)) {
            throw new FileRejectedException(FileRejectedException.Reason.ISSUER_MISMATCH, 1,
                    "field 3 (issuer id): " + echo(h[2]) + ", expected " + echo(expectedIssuer));
        }
        if (!StatementCredit.fits(h[3], FILE_ID_CHARS_MAX)) {
            throw new FileRejectedException(FileRejectedException.Reason.BAD_HEADER, 1,
                    "field 4 (file id): must be 1-" + FILE_ID_CHARS_MAX + " characters without control characters");
        }
        Instant createdAt = instant(h[4]);
        if (createdAt == null) {
            throw new FileRejectedException(FileRejectedException.Reason.BAD_HEADER, 1,
                    "field 5 (created at): must be ISO 8601 UTC, e.g. 2026-11-22T03:00:00Z");
        }
        String answers = h[5].equals("-") ? null : h[5];
        if (answers != null && !StatementCredit.fits(answers, FILE_ID_CHARS_MAX)) {
            throw new FileRejectedException(FileRejectedException.Reason.BAD_HEADER, 1,
                    "field 6 (answered file id): must be - or 1-" + FILE_ID_CHARS_MAX + " characters");
        }
        return new Header(h[2], h[3], createdAt, answers);
    }

    private static void trailer(String line, long lineNo, long count, long sum) throws FileRejectedException {
        String[] t = split(line, TRAILER_FIELDS);
        if (t.length != TRAILER_FIELDS || !digits(t[1], false) || !digits(t[2], true)) {
            throw new FileRejectedException(FileRejectedException.Reason.BAD_TRAILER, lineNo,
                    "the trailer must be T|detail count|sum of amounts, both whole numbers");
        }
        long declaredCount = Long.parseLong(t[1]);
        long declaredSum = Long.parseLong(t[2]);
        if (declaredCount != count) {
            throw new FileRejectedException(FileRejectedException.Reason.COUNT_MISMATCH, lineNo,
                    "field 2 (detail count): the trailer says " + declaredCount + ", the file has " + count);
        }
        if (declaredSum != sum) {
            throw new FileRejectedException(FileRejectedException.Reason.TOTAL_MISMATCH, lineNo,
                    "field 3 (sum of amounts): the trailer says " + declaredSum + ", the details sum to " + sum);
        }
    }

    private static Confirmation detail(String line, long lineNo) throws FileRejectedException {
        String[] f = split(line, DETAIL_FIELDS);
        if (!f[0].equals("D")) {
            throw new FileRejectedException(FileRejectedException.Reason.BAD_DETAIL, lineNo, line.isEmpty()
                    ? "an empty line" : f[0].equals("H") ? "a second header" : "field 1 (record type): must be D or T");
        }
        if (f.length != DETAIL_FIELDS) {
            throw new FileRejectedException(FileRejectedException.Reason.BAD_DETAIL, lineNo, "the detail has " + f.length
                    + " fields, D|credit id|account ref|amount|currency|status|reason code|posted date has " + DETAIL_FIELDS);
        }
        if (!StatementCredit.fits(f[1], StatementCredit.CREDIT_ID_CHARS_MAX)) {
            throw bad(lineNo, 2, "credit id", "must be 1-" + StatementCredit.CREDIT_ID_CHARS_MAX
                    + " characters without control characters");
        }
        if (!StatementCredit.fits(f[2], StatementCredit.REF_CHARS_MAX)) {
            throw bad(lineNo, 3, "account ref", "must be 1-" + StatementCredit.REF_CHARS_MAX
                    + " characters without control characters");
        }
        if (!digits(f[3], true)) {
            throw bad(lineNo, 4, "amount", "must be a whole number of minor units (optional -, 1-"
                    + AMOUNT_DIGITS_MAX + " digits)");
        }
        long amount = Long.parseLong(f[3]);
        if (!StatementCredit.alpha3(f[4]) || !knownCurrency(f[4])) {
            throw bad(lineNo, 5, "currency", "must be an ISO 4217 alpha-3 code such as USD");
        }
        Confirmation.Status status = switch (f[5]) {
            case "POSTED" -> Confirmation.Status.POSTED;
            case "REJECTED" -> Confirmation.Status.REJECTED;
            default -> throw bad(lineNo, 6, "status", "must be POSTED or REJECTED");
        };
        Confirmation.ReasonCode reason = null;
        LocalDate posted = null;
        if (status == Confirmation.Status.POSTED) {
            if (!f[6].equals("-")) {
                throw bad(lineNo, 7, "reason code", "must be - on a POSTED line");
            }
            posted = date(f[7]);
            if (posted == null) {
                throw bad(lineNo, 8, "posted date", "must be YYYY-MM-DD on a POSTED line");
            }
        } else {
            reason = reasonCode(f[6]);
            if (reason == null) {
                throw bad(lineNo, 7, "reason code", "must be ACCOUNT_CLOSED, ACCOUNT_NOT_FOUND, ACCOUNT_BLOCKED, "
                        + "LIMIT_EXCEEDED or OTHER on a REJECTED line");
            }
            if (!f[7].equals("-")) {
                throw bad(lineNo, 8, "posted date", "must be - on a REJECTED line");
            }
        }
        return new Confirmation(lineNo, f[1], f[2], amount, f[4], status, reason, posted);
    }

    private static FileRejectedException bad(long lineNo, int field, String name, String rule) {
        return new FileRejectedException(FileRejectedException.Reason.BAD_DETAIL, lineNo,
                "field " + field + " (" + name + "): " + rule);
    }

    /**
     * The line's fields; a line with more separators than {@code expected} gives expected + 1 fields (enough to
     * say the count is wrong without splitting a hostile line into thousands of strings).
     */
    private static String[] split(String line, int expected) {
        int n = 1;
        for (int i = line.indexOf('|'); i >= 0 && n <= expected; i = line.indexOf('|', i + 1)) {
            n++;
        }
        String[] f = new String[n];
        int start = 0;
        for (int k = 0; k < n - 1; k++) {
            int end = line.indexOf('|', start);
            f[k] = line.substring(start, end);
            start = end + 1;
        }
        f[n - 1] = line.substring(start);
        return f;
    }

    private static boolean digits(String s, boolean signed) {
        int i = signed && s.startsWith("-") ? 1 : 0;
        int n = s.length() - i;
        if (n < 1 || n > AMOUNT_DIGITS_MAX) {
            return false;
        }
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean knownCurrency(String code) {
        try {
            Money.exponent(code);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Strictly YYYY-MM-DD (LocalDate.parse would also take a signed five-digit year). */
    private static LocalDate date(String s) {
        if (s.length() != 10 || s.charAt(4) != '-' || s.charAt(7) != '-' || !digits(s.substring(0, 4), false)
                || !digits(s.substring(5, 7), false) || !digits(s.substring(8), false)) {
            return null;
        }
        try { // the digits are checked: LocalDate.of then checks the calendar (a tenth of LocalDate.parse's time)
            return LocalDate.of(Integer.parseInt(s, 0, 4, 10), Integer.parseInt(s, 5, 7, 10), Integer.parseInt(s, 8, 10, 10));
        } catch (DateTimeException e) {
            return null; // 2026-02-30: the caller names the field
        }
    }

    /** ISO 8601 in UTC, with the Z (an offset such as +01:00 is refused: the spec says UTC). */
    private static Instant instant(String s) {
        if (!s.endsWith("Z") || s.length() < 20 || s.charAt(10) != 'T') {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeException e) {
            return null;
        }
    }

    private static Confirmation.ReasonCode reasonCode(String s) {
        for (Confirmation.ReasonCode r : Confirmation.ReasonCode.values()) {
            if (r.name().equals(s)) {
                return r;
            }
        }
        return null;
    }

    /** A short, printable rendering of a value from the file, for a message. */
    private static String echo(String s) {
        StringBuilder b = new StringBuilder(ECHO_CHARS_MAX + 3);
        for (int i = 0; i < s.length() && b.length() < ECHO_CHARS_MAX; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return "'" + b + (s.length() > ECHO_CHARS_MAX ? "...'" : "'");
    }
}
