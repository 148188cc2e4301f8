package org.accrue.reconciliation.files;

/**
 * A file refused whole (issuer-files.md): nothing from it may be applied, and it becomes one file-level
 * exception for ops. The reason is stable for machines (stored, counted, alerted on); the message names the line
 * and field that broke, never a whole line.
 */
public final class FileRejectedException extends Exception {
    /** Why a file was refused. Values are only ever added, never renamed: they are stored. */
    public enum Reason {
        /** No bytes at all. */
        EMPTY,
        /** A line is not valid UTF-8. */
        NOT_UTF8,
        /** A line is longer than {@link ConfirmationFileReader#LINE_BYTES_MAX}. */
        LINE_TOO_LONG,
        /** The first line is not a well-formed header. */
        BAD_HEADER,
        /** The header is of another file type (STMTCR instead of STMTCONF). */
        WRONG_FILE_TYPE,
        /** The header names another issuer than the one the file came from. */
        ISSUER_MISMATCH,
        /** A detail line breaks the format (the message names the field). */
        BAD_DETAIL,
        /** The file ends without a trailer: truncated. */
        NO_TRAILER,
        /** The trailer is not T|count|sum. */
        BAD_TRAILER,
        /** The trailer's detail count is not the number of detail lines. */
        COUNT_MISMATCH,
        /** The trailer's control total is not the sum of the detail amounts. */
        TOTAL_MISMATCH,
        /** Something follows the trailer. */
        CONTENT_AFTER_TRAILER,
        /** More than {@link ConfirmationFileReader#DETAIL_LINES_MAX} detail lines. */
        TOO_MANY_LINES,
        /** For callers: the file did not decrypt (see PgpFileException). The reader never throws it. */
        NOT_DECRYPTED,
        /** For callers: the file's OpenPGP signature did not verify. The reader never throws it. */
        BAD_SIGNATURE,
        /** For callers: the same file id or content was imported before. The reader never throws it. */
        DUPLICATE_FILE
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
