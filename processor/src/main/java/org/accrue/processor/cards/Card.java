package org.accrue.processor.cards;

import java.time.Instant;

/** A card as the API shows it: masked, never the PAN. */
public record Card(String cardId, String issuerId, String last4, String accountRef, String lastName,
                   String airlineProgram, String airlineMember, CardEntity.Status status, Instant enrolledAt,
                   Instant unenrolledAt, Instant erasedAt) {

    public String panMasked() {
        return "************" + last4;
    }

    static Card of(CardEntity e) {
        return new Card(e.publicId(), e.issuerId(), e.last4(), e.accountRef(), e.lastName(), e.airlineProgram(),
                e.airlineMember(), e.status(), e.enrolledAt(), e.unenrolledAt(), e.erasedAt());
    }
}
