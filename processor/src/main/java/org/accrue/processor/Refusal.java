package org.accrue.processor;

/**
 * A request refused for a named rule: a stable machine-readable code and the
 * HTTP status it maps to. The message names the field or rule, never request
 * content (an enrollment carries a PAN).
 */
public class Refusal extends RuntimeException {
    private final String code;
    private final int status;

    public Refusal(String code, int status, String message) {
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
