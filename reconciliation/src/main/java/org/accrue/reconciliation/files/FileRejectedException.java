package org.accrue.reconciliation.files;

/**
 * A file refused whole (issuer-files.md): nothing from it may be applied. The reason is stable for machines;
 * the message names the line and field, never a whole line.
 */
public final class FileRejectedException extends Exception {
    public enum Reason {
        EMPTY, NOT_UTF8, LINE_TOO_LONG, BAD_HEADER, WRONG_FILE_TYPE, ISSUER_MISMATCH, BAD_DETAIL, NO_TRAILER, BAD_TRAILER,
        COUNT_MISMATCH, TOTAL_MISMATCH, CONTENT_AFTER_TRAILER, TOO_MANY_LINES, NOT_DECRYPTED, BAD_SIGNATURE, DUPLICATE_FILE
    }

    private final Reason reason;
    private final long line;

    public FileRejectedException(Reason reason, long line, String message) {
        super((line > 0 ? "line " + line + ": " : "") + message);
        this.reason = reason;
        this.line = line;
    }

    public Reason reason() {
        return reason;
    }

    /** The line that broke the file (1-based), or 0 for the file as a whole. */
    public long line() {
        return line;
    }
}
