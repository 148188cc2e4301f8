package org.accrue.processor.miles;

import java.time.Instant;

/** What a call to the airline ended in: the caller persists it. */
public sealed interface Outcome {
    /** 201 (replayed=false), or 200: the airline had this key already and answers its original result. */
    record Credited(String confirmation, boolean replayed) implements Outcome {
    }

    /** An answer that is a no: 409 DUPLICATE_ACCRUAL, 422 with a code, another 4xx as HTTP_<status>. */
    record Refused(int httpStatus, String code) implements Outcome {
    }

    /** No usable answer after every attempt (5xx, timeout, reset, malformed body): the outcome is unknown. */
    record Unresolved(int attempts, String lastProblem) implements Outcome {
    }

    /** The partner kept failing: not called until the cool-off ends. */
    record CircuitOpen(Instant until) implements Outcome {
    }
}
