package org.accrue.reconciliation.pgp;

/** An OpenPGP file that cannot be trusted: its output must be discarded. The reason is stable for machines. */
public final class PgpFileException extends Exception {
    public enum Reason { NOT_PGP, WRONG_KEY, BAD_PASSPHRASE, UNSIGNED, BAD_SIGNATURE, INTEGRITY_FAILURE, CORRUPT }

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
