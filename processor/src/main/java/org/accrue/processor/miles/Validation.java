package org.accrue.processor.miles;

/** What the airline says about a member. */
public sealed interface Validation {
    /** How an Unavailable's problem starts when the airline refused our credentials (401, 403). */
    String CREDENTIALS_REFUSED = "credentials refused";

    /** 200 {"status":"ACTIVE"}. */
    record Valid() implements Validation {
    }

    /** 422 MEMBER_NOT_FOUND, NAME_MISMATCH, ACCOUNT_CLOSED or ACCOUNT_SUSPENDED; another 4xx as HTTP_<status>. */
    record Invalid(String code) implements Validation {
    }

    /**
     * No answer about the member: no usable reply after the retries, our credentials refused (401, 403: the
     * problem then starts with CREDENTIALS_REFUSED), or the circuit open (it starts with "circuit open"). Ask again
     * later.
     */
    record Unavailable(String problem) implements Validation {
    }
}
