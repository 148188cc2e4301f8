/*
 * The journal's answers to the issuer, every one counted in IntakeStats.
 * They go out on threads of their own (virtual, one per task) so that
 * neither a writer (which starts its next batch at once) nor the watchdog
 * (which must never wait on a socket) sends them itself. A committed batch's
 * answers to one issuer connection go in one write (Answers.sendAll).
 */
package org.accrue.processor.intake;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.accrue.iso8583.Acknowledgement;
import org.accrue.iso8583.Answers;
import org.accrue.iso8583.ResponseCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class JournalReplies {
    // The journal's log category: operators filter intake lines by it, whichever part of the journal writes them.
    private static final Logger log = LoggerFactory.getLogger(MessageJournal.class);

    private final IntakeStats stats;
    private final ExecutorService replies =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("accrue-reply-", 0).factory());

    JournalReplies(IntakeStats stats) {
        this.stats = stats;
    }

    /** A committed batch's answers, sent off the calling thread. */
    void answer(List<Pending> batch, List<Acknowledgement> acks) {
        replies.execute(() -> sendAnswers(batch, acks));
    }

    /** Answers 96 off the calling thread (the watchdog must not wait on a socket). */
    void answerAll(List<Pending> batch, NotRecorded cause) {
        replies.execute(() -> batch.forEach(p -> notRecorded(p, cause)));
    }

    void notRecorded(Pending p, NotRecorded cause) {
        stats.notRecorded(cause);
        reply(p, Acknowledgement.of(ResponseCode.NOT_RECORDED_STORE_UNAVAILABLE));
    }

    void notRecorded(Consumer<Acknowledgement> reply, NotRecorded cause) {
        stats.notRecorded(cause);
        reply.accept(Acknowledgement.of(ResponseCode.NOT_RECORDED_STORE_UNAVAILABLE));
    }

    /** A committed batch's answers: counted, then sent, those for one issuer connection in one write. */
    private void sendAnswers(List<Pending> batch, List<Acknowledgement> acks) {
        List<Consumer<Acknowledgement>> to = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            stats.answered(acks.get(i).code().wire());
            to.add(batch.get(i).reply());
        }
        Answers.sendAll(to, acks);
    }

    private void reply(Pending p, Acknowledgement ack) {
        stats.answered(ack.code().wire());
        try {
            p.reply().accept(ack);
        } catch (RuntimeException e) {
            log.debug("reply could not be sent: {}", e.getClass().getSimpleName());
        }
    }

    /** Lets the answers already handed in go out (bounded by {@code waitMs}), then takes no more. */
    void close(long waitMs) throws InterruptedException {
        replies.shutdown();
        replies.awaitTermination(waitMs, TimeUnit.MILLISECONDS);
    }
}
