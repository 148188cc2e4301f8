package org.accrue.processor.tiers;

import java.util.LinkedHashMap;
import java.util.Map;

import org.accrue.processor.webhooks.EventType;
import org.accrue.processor.webhooks.Outbox;

/** tier.changed (webhooks.md): program, from, to (null: no tier), and the progress that decided it. */
final class TierEvents {
    private TierEvents() {
    }

    static Outbox.Event changed(String issuerId, TierState s, TierRules.Change change) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("program", change.program());
        d.put("from", change.from());
        d.put("to", change.to());
        d.put("progress", s.progress());
        return new Outbox.Event(EventType.TIER_CHANGED, issuerId, s.cardId(), d);
    }
}
