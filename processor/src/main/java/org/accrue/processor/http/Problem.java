package org.accrue.processor.http;

/**
 * An error answered as application/problem+json (RFC 9457) with a stable
 * machine-readable {@code code}. Its detail never carries request content.
 */
public final class Problem extends RuntimeException {
    private final int status;
    private final String code;

    public Problem(int status, String code, String detail) {
        super(detail);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public static Problem notFound(String what) {
        return new Problem(404, "NOT_FOUND", what + " not found");
    }

    public static Problem badRequest(String code, String detail) {
        return new Problem(400, code, detail);
    }
}
