/*
 * Bulk enrollment from an issuer's file: one card per line,
 * pan|accountRef|lastName|airlineProgram|airlineMember (the last two may be
 * empty), an optional header line starting "pan|", '#' comments. Each line
 * is enrolled on its own, so a bad line is reported (by line number and rule,
 * never by its content) and the good lines around it still enroll. The file
 * is streamed; its size is bounded by linesMax.
 */
package org.accrue.processor.cards;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public final class BulkEnrollment {
    public static final int LINES_MAX = 10_000_000;
    private static final int REJECTIONS_KEPT_MAX = 1_000;

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
        long enrolled = 0;
        long already = 0;
        long rejected = 0;
        List<Rejection> rejections = new ArrayList<>();
        // A decoder that reports malformed input, as Files.newBufferedReader's does.
        try (BufferedReader in = new BufferedReader(new java.io.InputStreamReader(
                progress.reading(Files.newInputStream(file), size), StandardCharsets.UTF_8.newDecoder()))) {
            String line;
            long n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (n > LINES_MAX) {
                    throw new IOException("file has more than " + LINES_MAX + " lines; split it");
                }
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#") || (n == 1 && trimmed.toLowerCase().startsWith("pan|"))) {
                    continue;
                }
                String[] f = trimmed.split("\\|", -1);
                if (f.length != 3 && f.length != 5) {
                    rejected++;
                    keep(rejections, new Rejection(n, "LINE_FORMAT", "expected 3 or 5 '|'-separated fields, found " + f.length));
                    continue;
                }
                Enrollment.Request r = new Enrollment.Request(f[0].strip(), blankToNull(f[1]), blankToNull(f[2]),
                        f.length == 5 ? blankToNull(f[3]) : null, f.length == 5 ? blankToNull(f[4]) : null);
                try {
                    if (enrollment.enroll(issuerId, r).created()) {
                        enrolled++;
                    } else {
                        already++;
                    }
                } catch (EnrollmentException e) {
                    rejected++;
                    keep(rejections, new Rejection(n, e.code(), e.getMessage()));
                }
            }
        }
        progress.at(size, size);
        return new Report(enrolled, already, rejected, List.copyOf(rejections));
    }

    private static void keep(List<Rejection> rejections, Rejection r) {
        if (rejections.size() < REJECTIONS_KEPT_MAX) {
            rejections.add(r);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
