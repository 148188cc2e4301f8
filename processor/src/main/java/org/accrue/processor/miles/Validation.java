package org.accrue.processor.miles;

/** What the airline says about a member. */
public sealed interface Validation {
    record Valid() implements Validation {
    }

    /** 422 MEMBER_NOT_FOUND, NAME_MISMATCH, ACCOUNT_CLOSED or ACCOUNT_SUSPENDED. */
    record Invalid(String code) implements Validation {
    }

    /** No answer (or the circuit is open): ask again later. */
    record Unavailable(String problem) implements Validation {
    }
}
