package org.accrue.processor.catalog;

/** A merchant or offer definition refused: the code is stable, the message names the field and the rule. */
public final class CatalogException extends RuntimeException {
    private final String code;
    private final int status;

    public CatalogException(String code, int status, String message) {
        super(message);
        this.code = code;
        this.status = status;
    }

    public static CatalogException invalid(String field, String rule) {
        return new CatalogException("FIELD_INVALID", 422, field + " " + rule);
    }

    public String code() {
        return code;
    }

    public int status() {
        return status;
    }
}
