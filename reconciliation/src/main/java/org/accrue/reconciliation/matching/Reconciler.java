/*
 * The reconciliation rules as a pure function: a confirmation line against
 * the credit it names (or none) gives exactly one outcome, checked in a fixed
 * order so that a line that is wrong in two ways is reported for the first:
 * no such credit (UNKNOWN), already confirmed (DUPLICATE), already raised
 * MISSING (LATE), refused (REJECTED), another account (ACCOUNT_MISMATCH),
 * another amount or currency (AMOUNT_MISMATCH), else MATCHED. A credit no
 * line confirms within the issuer's window is MISSING (missing()).
 */
package org.accrue.reconciliation.matching;

import java.time.Duration;
import java.time.Instant;

public final class Reconciler {
    private Reconciler() {
    }

    /** What the processor sent, as far as reconciliation needs it; outcome is null until reconciled. */
    public record SentCredit(String creditId, String accountRef, long amount, String currency, Outcome outcome) {
    }

    /** What the issuer says it did with a credit. */
    public record Confirmed(String creditId, String accountRef, long amount, String currency, boolean posted) {
    }

    /** The outcome of one confirmation line; {@code credit} is null when the id was never sent. */
    public static Outcome outcome(SentCredit credit, Confirmed line) {
        if (credit == null) {
            return Outcome.UNKNOWN;
        }
        if (credit.outcome() != null && credit.outcome() != Outcome.MISSING) {
            return Outcome.DUPLICATE;
        }
        if (credit.outcome() == Outcome.MISSING) {
            return Outcome.LATE;
        }
        return judge(credit, line);
    }

    /** What a confirmation says about the credit, ignoring when it came (a LATE line is judged by this too). */
    public static Outcome judge(SentCredit credit, Confirmed line) {
        if (!line.posted()) {
            return Outcome.REJECTED;
        }
        if (!credit.accountRef().equals(line.accountRef())) {
            return Outcome.ACCOUNT_MISMATCH;
        }
        if (credit.amount() != line.amount() || !credit.currency().equals(line.currency())) {
            return Outcome.AMOUNT_MISMATCH;
        }
        return Outcome.MATCHED;
    }

    /** Whether a credit filed at {@code filedAt} and not yet confirmed is MISSING at {@code now}. */
    public static boolean missing(Instant filedAt, Instant now, Duration window) {
        return !now.isBefore(filedAt.plus(window));
    }
}
