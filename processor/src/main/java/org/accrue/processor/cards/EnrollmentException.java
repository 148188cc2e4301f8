package org.accrue.processor.cards;

import org.accrue.processor.Refusal;

/** An enrollment refused for a named rule; the message never contains a PAN. */
public final class EnrollmentException extends Refusal {
    public EnrollmentException(String code, int status, String message) {
        super(code, status, message);
    }
}
