/*
 * Answers many card messages at once (a group commit's worth): the answers
 * that go to one issuer connection are sent together, in their order, with
 * one flush (IssuerChannel.sendAll), so they cost one write instead of one
 * each. Any other reply (a test's, a channel that is not an IssuerChannel) is
 * called one by one as before. Nothing here waits for the store.
 */
package org.accrue.iso8583;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.jpos.iso.ISOMsg;
import org.jpos.iso.ISOSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class Answers {
    private static final Logger log = LoggerFactory.getLogger(Answers.class);

    private Answers() {
    }

    /** The reply a card message carries: answers the request on the connection it came in on. */
    record ToSource(ISOSource source, ISOMsg request) implements Consumer<Acknowledgement> {
        @Override
        public void accept(Acknowledgement ack) {
            AcquiringListener.answer(source, request, ack);
        }
    }

    /** Sends {@code acks.get(i)} through {@code replies.get(i)} for every i; one write per issuer connection. */
    public static void sendAll(List<? extends Consumer<Acknowledgement>> replies, List<Acknowledgement> acks) {
        if (replies.size() != acks.size()) {
            throw new IllegalArgumentException(replies.size() + " replies for " + acks.size() + " answers");
        }
        Map<IssuerChannel, List<ISOMsg>> byChannel = new IdentityHashMap<>();
        for (int i = 0; i < replies.size(); i++) {
            Consumer<Acknowledgement> reply = replies.get(i);
            if (reply instanceof ToSource to && to.source() instanceof IssuerChannel channel) {
                try {
                    byChannel.computeIfAbsent(channel, c -> new ArrayList<>()).add(IsoCodec.response(to.request(), acks.get(i)));
                } catch (RuntimeException e) {
                    log.debug("answer not built: {}", e.getClass().getSimpleName());
                }
            } else {
                try {
                    reply.accept(acks.get(i));
                } catch (RuntimeException e) {
                    log.debug("answer not sent: {}", e.getClass().getSimpleName());
                }
            }
        }
        for (Map.Entry<IssuerChannel, List<ISOMsg>> e : byChannel.entrySet()) {
            try {
                if (e.getKey().isConnected()) {
                    e.getKey().sendAll(e.getValue());
                }
            } catch (Exception ex) {
                // The issuer hung up; it will resend, and the resend is a duplicate or a first.
                log.debug("answers not sent: {}", ex.getClass().getSimpleName());
            }
        }
    }
}
