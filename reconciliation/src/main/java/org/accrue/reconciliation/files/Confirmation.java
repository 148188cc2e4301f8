package org.accrue.reconciliation.files;

import java.time.LocalDate;

/**
 * One D line of a confirmation file: what the issuer did with one credit. {@code lineNumber} is the line in the
 * file (the header is line 1); {@code reasonCode} is null when POSTED, {@code postedDate} null when REJECTED.
 */
public record Confirmation(long lineNumber, String creditId, String accountRef, long amount, String currency,
                           Status status, ReasonCode reasonCode, LocalDate postedDate) {
    public enum Status { POSTED, REJECTED }

    /** The issuer's reason for a REJECTED line (issuer-files.md). */
    public enum ReasonCode { ACCOUNT_CLOSED, ACCOUNT_NOT_FOUND, ACCOUNT_BLOCKED, LIMIT_EXCEEDED, OTHER }
}
