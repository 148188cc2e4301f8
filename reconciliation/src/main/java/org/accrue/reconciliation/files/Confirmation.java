package org.accrue.reconciliation.files;

import java.time.LocalDate;

/** One D line of a confirmation file: what the issuer did with one credit. */
public record Confirmation(long lineNumber, String creditId, String accountRef, long amount, String currency,
                           Status status, ReasonCode reasonCode, LocalDate postedDate) {
    public enum Status { POSTED, REJECTED }

    public enum ReasonCode { ACCOUNT_CLOSED, ACCOUNT_NOT_FOUND, ACCOUNT_BLOCKED, LIMIT_EXCEEDED, OTHER }
}
