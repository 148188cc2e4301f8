package org.accrue.processor.intake;

import java.util.List;
import java.util.function.Consumer;

import org.accrue.iso8583.Acknowledgement;
import org.accrue.iso8583.CardMessage;
import org.accrue.rewards.enrollment.PanTokenizer.PanToken;

/**
 * A message waiting for its batch: tokens are computed on the connection thread, off the writer's path. Its
 * deadline (System.nanoTime) is when it must have been answered. The reply is the listener's own (not wrapped), so
 * that a batch's answers to one connection go in one write (Answers.sendAll); JournalReplies counts them.
 */
record Pending(CardMessage message, List<PanToken> tokens, Consumer<Acknowledgement> reply, long deadlineNanos) {
    PanToken tokenFor(int version) {
        for (PanToken t : tokens) {
            if (t.keyVersion() == version) {
                return t;
            }
        }
        return null;
    }
}
