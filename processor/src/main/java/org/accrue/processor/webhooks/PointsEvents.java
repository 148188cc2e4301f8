/*
 * points.expiring (webhooks.md): a card's points of a program that expire on one date, sent once per card,
 * program and date when the date comes within the program's warning period (points.PointsExpiry).
 */
package org.accrue.processor.webhooks;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;

public final class PointsEvents {
    private PointsEvents() {
    }

    public static Outbox.Event expiring(String issuerId, long cardId, String program, long points, LocalDate expiresOn) {
        Map<String, Object> amount = new LinkedHashMap<>();
        amount.put("amount", points);
        amount.put("unit", "POINTS");
        amount.put("program", program);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("program", program);
        d.put("amount", amount);
        d.put("expiresOn", expiresOn.toString());
        return new Outbox.Event(EventType.POINTS_EXPIRING, issuerId, cardId, d);
    }
}
