package org.accrue.processor.miles;

import java.time.Instant;

/** What a call to the airline ended in: the caller persists it. */
public sealed interface Outcome {
    /** 201 (replayed=false), or 200: the airline had this key already and answers its original result. */
    record Credited(String confirmation, boolean replayed) implements Outcome {
    }

    /**
     * An answer that is a no: 409 DUPLICATE_ACCRUAL, 422 with its code (MEMBER_NOT_FOUND, NAME_MISMATCH,
     * ACCOUNT_CLOSED, ACCOUNT_SUSPENDED, INSUFFICIENT_BALANCE), another 4xx (but 401 and 403: Unauthorized, and
     * 408 and 429: retried) or an unreadable code as HTTP_<status>.
     */
    record Refused(int httpStatus, String code) implements Outcome {
    }

    /**
     * No usable answer after {@code attempts} tries (5xx, timeout, reset, malformed 2xx, 429 beyond the limits),
     * or fewer when the thread was interrupted: the outcome is unknown, so the caller sends the same key and body
     * again in a later run.
     */
    record Unresolved(int attempts, String lastProblem) implements Outcome {
    }

    /**
     * 401 or 403: the airline refused our credentials. Nothing was decided about the accrual or the member, so the
     * accrual stays owed; the refusal counts against the circuit breaker like a partner that does not answer.
     */
    record Unauthorized(int httpStatus) implements Outcome {
    }

    /** The partner kept failing: not called at all; the circuit half-opens at {@code until}. */
    record CircuitOpen(Instant until) implements Outcome {
    }
}
