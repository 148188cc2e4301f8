/*
 * The seam between the wire and the processor. The listener (this module)
 * turns each frame into a typed CardMessage and hands it here; the processor
 * answers through the callback once the message's effect is durable. The
 * callback may be called from any thread, once.
 */
package org.accrue.iso8583;

import java.util.function.Consumer;

public interface CardMessageHandler {

    /** A well-formed 01xx/02xx/04xx message; answer exactly once through {@code reply}. */
    void onCardMessage(CardMessage message, Consumer<Acknowledgement> reply);

    /**
     * A message answered by the listener itself (format error, unsupported type,
     * network management), reported for counting only.
     */
    default void onAnsweredByListener(String mti, ResponseCode code) {
    }
}
