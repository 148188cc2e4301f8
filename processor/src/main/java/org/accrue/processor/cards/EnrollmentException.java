package org.accrue.processor.cards;

/** An enrollment refused for a named rule; the message never contains a PAN. */
public final class EnrollmentException extends RuntimeException {
    private final String code;
    private final int status;

    public EnrollmentException(String code, int status, String message) {
        super(message);
        this.code = code;
        this.status = status;
    }

    /** Stable machine-readable code, e.g. PAN_CHECK_DIGIT. */
    public String code() {
        return code;
    }

    /** The HTTP status it maps to. */
    public int status() {
        return status;
    }
}
