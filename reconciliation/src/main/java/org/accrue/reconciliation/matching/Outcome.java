package org.accrue.reconciliation.matching;

/** How a sent credit ends (issuer-files.md, "Reconciliation outcomes"); all but MATCHED are exceptions for ops. */
public enum Outcome {
    MATCHED, REJECTED, AMOUNT_MISMATCH, ACCOUNT_MISMATCH, MISSING, DUPLICATE, UNKNOWN, LATE;

    /** Whether ops must look at it. */
    public boolean isException() {
        return this != MATCHED;
    }
}
