/*
 * The events an issuer can subscribe to (webhooks.md, "Event types"), each with
 * its name on the wire.
 */
package org.accrue.processor.webhooks;

import java.util.Arrays;
import java.util.Optional;

public enum EventType {
    REWARD_EARNED("reward.earned"),
    REWARD_AVAILABLE("reward.available"),
    REWARD_ADJUSTED("reward.adjusted"),
    REWARD_REVERSED("reward.reversed"),
    REWARD_POSTED("reward.posted"),
    MILES_CREDITED("miles.credited"),
    MILES_REFUSED("miles.refused"),
    POINTS_EXPIRING("points.expiring"),
    TIER_CHANGED("tier.changed"),
    EXCEPTION_OPENED("exception.opened"),
    EXCEPTION_RESOLVED("exception.resolved"),
    CARD_ERASED("card.erased"),
    OFFER_WINBACK("offer.winback");

    private final String wire;

    EventType(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<EventType> fromWire(String s) {
        return Arrays.stream(values()).filter(t -> t.wire.equals(s)).findFirst();
    }
}
