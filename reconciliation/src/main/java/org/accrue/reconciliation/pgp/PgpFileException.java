package org.accrue.reconciliation.pgp;

/**
 * An OpenPGP file that cannot be trusted: whatever was written to the output must be discarded, and the file is
 * quarantined whole (issuer-files.md). The reason is stable for machines; the message never holds key material.
 */
public final class PgpFileException extends Exception {
    /** Why a file was not trusted. Values are only ever added, never renamed: they are stored. */
    public enum Reason {
        /** Not an OpenPGP message at all (plain text, another format, an unreadable first packet). */
        NOT_PGP,
        /** Not encrypted to any of our keys (or only to a password). */
        WRONG_KEY,
        /** Our secret key does not open with the passphrase we were given. */
        BAD_PASSPHRASE,
        /** Encrypted to us but carries no one-pass signature. */
        UNSIGNED,
        /** Signed by a key that is not the expected signer's, or the signature does not verify. */
        BAD_SIGNATURE,
        /** The integrity (MDC) check failed, or the message has no integrity protection. */
        INTEGRITY_FAILURE,
        /** A damaged or truncated message, or packets where they do not belong. */
        CORRUPT,
        /** An OpenPGP message that is signed or compressed but not encrypted. */
        NOT_ENCRYPTED,
        /** The plain content is larger than the limit the caller set (a decompression bomb, or a wrong file). */
        TOO_LARGE
    }

    private final Reason reason;

    public PgpFileException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public PgpFileException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
