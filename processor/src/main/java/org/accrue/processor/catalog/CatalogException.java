package org.accrue.processor.catalog;

import org.accrue.processor.Refusal;

/** A merchant or offer definition refused: the code is stable, the message names the field and the rule. */
public final class CatalogException extends Refusal {
    public CatalogException(String code, int status, String message) {
        super(code, status, message);
    }

    public static CatalogException invalid(String field, String rule) {
        return new CatalogException("FIELD_INVALID", 422, field + " " + rule);
    }
}
