/*
 * Bulk enrollment from an issuer's file: one card per line,
 * pan|accountRef|lastName|airlineProgram|airlineMember (the last two may be
 * empty), an optional header line starting "pan|", '#' comments. A bad line
 * is reported (by line number and rule, never by its content) and the good
 * lines around it still enroll. The lines are enrolled in chunks of
 * CHUNK_LINES, one transaction each (Enrollment.enrollAll): a card per commit
 * made a large issuer's first file take hours. A run stopped midway leaves
 * whole chunks enrolled; the same file run again answers those "already
 * enrolled". The file is streamed; its size is bounded by LINES_MAX.
 */
package org.accrue.processor.cards;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public final class BulkEnrollment {
    public static final int LINES_MAX = 10_000_000;
    private static final int REJECTIONS_KEPT_MAX = 1_000;
    /** Lines enrolled in one transaction. */
    public static final int CHUNK_LINES = 500;

    public record Rejection(long line, String code, String reason) {
    }

    public record Report(long enrolled, long alreadyEnrolled, long rejected, List<Rejection> rejections) {
        public String describe() {
            StringBuilder b = new StringBuilder();
            b.append(enrolled).append(" enrolled, ").append(alreadyEnrolled).append(" already enrolled, ")
                    .append(rejected).append(" rejected");
            for (Rejection r : rejections) {
                b.append("\n  line ").append(r.line()).append(": ").append(r.code()).append(" (").append(r.reason()).append(')');
            }
            if (rejected > rejections.size()) {
                b.append("\n  ... ").append(rejected - rejections.size()).append(" more");
            }
            return b.toString();
        }
    }

    private BulkEnrollment() {
    }

    public static Report run(Path file, String issuerId, Enrollment enrollment) throws IOException {
        return run(file, issuerId, enrollment, org.accrue.processor.Progress.NONE);
    }

    /** As run, telling {@code progress} the bytes of the file read so far, of its size. */
    public static Report run(Path file, String issuerId, Enrollment enrollment, org.accrue.processor.Progress progress)
            throws IOException {
        long size = Files.size(file);
        try (InputStream in = progress.reading(Files.newInputStream(file), size)) {
            Report r = run(in, issuerId, enrollment, org.accrue.processor.audit.AuditLog.CLI);
            progress.at(size, size);
            return r;
        }
    }

    /**
     * The lines of {@code in} (UTF-8) enrolled for {@code issuerId}, with {@code actor} in the audit log: the command
     * line's file and the API's upload. A line that is not UTF-8 text, or longer than LINE_BYTES_MAX, is rejected on
     * its own (LINE_ENCODING, LINE_TOO_LONG) and the lines after it still enroll. A file of more than LINES_MAX lines
     * stops the run with an IOException at that line; the chunks before it stay enrolled.
     */
    public static Report run(InputStream in, String issuerId, Enrollment enrollment, String actor) throws IOException {
        Tally tally = new Tally();
        List<Line> chunk = new ArrayList<>(CHUNK_LINES);
        LineReader lines = new LineReader(in);
        long n = 0;
        for (LineReader.Read read = lines.next(); read != null; read = lines.next()) {
            n++;
            if (n > LINES_MAX) {
                throw new IOException("file has more than " + LINES_MAX + " lines; split it");
            }
            if (read.refused() != null) {
                chunk.add(new Line(n, null, new Rejection(n, read.refused(), read.refused().equals("LINE_TOO_LONG")
                        ? "a line may have at most " + LineReader.LINE_BYTES_MAX + " bytes" : "the line is not UTF-8 text")));
            } else {
                String text = n == 1 && read.text().startsWith("\uFEFF") ? read.text().substring(1) : read.text(); // a BOM
                String trimmed = text.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#") || (n == 1 && trimmed.toLowerCase().startsWith("pan|"))) {
                    continue;
                }
                String[] f = trimmed.split("\\|", -1);
                if (f.length != 3 && f.length != 5) {
                    chunk.add(new Line(n, null, new Rejection(n, "LINE_FORMAT",
                            "expected 3 or 5 '|'-separated fields, found " + f.length)));
                } else {
                    chunk.add(new Line(n, new Enrollment.Request(f[0].strip(), blankToNull(f[1]), blankToNull(f[2]),
                            f.length == 5 ? blankToNull(f[3]) : null, f.length == 5 ? blankToNull(f[4]) : null), null));
                }
            }
            if (chunk.size() == CHUNK_LINES) {
                tally.enroll(chunk, issuerId, enrollment, actor);
                chunk.clear();
            }
        }
        tally.enroll(chunk, issuerId, enrollment, actor);
        return new Report(tally.enrolled, tally.already, tally.rejected, List.copyOf(tally.rejections));
    }

    /**
     * Lines of UTF-8 text read as bytes up to each '\n' (a '\r' before it dropped) and decoded one by one, so that a
     * line that is not UTF-8 text is known by its number and the others are read as they are.
     */
    static final class LineReader {
        static final int LINE_BYTES_MAX = 4096;
        private final InputStream in;
        private final byte[] line = new byte[LINE_BYTES_MAX];

        /** A line's text, or (text null) why it could not be read: LINE_ENCODING or LINE_TOO_LONG. */
        record Read(String text, String refused) {
        }

        LineReader(InputStream in) {
            this.in = in instanceof java.io.BufferedInputStream ? in : new java.io.BufferedInputStream(in, 64 * 1024);
        }

        /** The next line, or null at the end of the stream. */
        Read next() throws IOException {
            int length = 0;
            boolean tooLong = false;
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (length < LINE_BYTES_MAX) {
                    line[length++] = (byte) b;
                } else {
                    tooLong = true; // the rest of the line is read and dropped
                }
            }
            if (b == -1 && length == 0 && !tooLong) {
                return null;
            }
            if (tooLong) {
                return new Read(null, "LINE_TOO_LONG");
            }
            if (length > 0 && line[length - 1] == '\r') {
                length--;
            }
            try {
                return new Read(StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(line, 0, length))
                        .toString(), null);
            } catch (java.nio.charset.CharacterCodingException e) {
                return new Read(null, "LINE_ENCODING");
            }
        }
    }

    /** A line of the file to enroll: its request, or (request null) why its format was refused. */
    private record Line(long number, Enrollment.Request request, Rejection refused) {
    }

    /** The run's counts, and the first REJECTIONS_KEPT_MAX rejections in line order. */
    private static final class Tally {
        long enrolled;
        long already;
        long rejected;
        final List<Rejection> rejections = new ArrayList<>();

        void enroll(List<Line> chunk, String issuerId, Enrollment enrollment, String actor) {
            List<Line> requests = chunk.stream().filter(l -> l.request() != null).toList();
            List<Enrollment.Outcome> outcomes = requests.isEmpty() ? List.of()
                    : enrollment.enrollAll(actor, issuerId,
                    requests.stream().map(Line::request).toList());
            java.util.Iterator<Enrollment.Outcome> next = outcomes.iterator();
            for (Line l : chunk) {
                if (l.refused() != null) {
                    reject(l.refused());
                    continue;
                }
                Enrollment.Outcome o = next.next();
                if (o.refused() != null) {
                    reject(new Rejection(l.number(), o.refused().code(), o.refused().getMessage()));
                } else if (o.result().created()) {
                    enrolled++;
                } else {
                    already++;
                }
            }
        }

        private void reject(Rejection r) {
            rejected++;
            if (rejections.size() < REJECTIONS_KEPT_MAX) {
                rejections.add(r);
            }
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
