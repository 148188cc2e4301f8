package org.accrue.processor.matcher;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

import org.accrue.processor.catalog.CatalogException;
import org.accrue.rewards.offers.Offer;
import org.hibernate.SessionFactory;

/**
 * Cardholders activating offers that need it. Activating again while the
 * activation is still valid changes nothing (idempotent); after it lapsed,
 * activating again renews it from now.
 */
public final class Activations {
    /** The activation as the API shows it, and whether this call made or renewed it. */
    public record Activation(Instant activatedAt, Instant validUntil, boolean created) {
    }

    private final SessionFactory sessions;
    private final InstantSource clock;

    public Activations(SessionFactory sessions, InstantSource clock) {
        this.sessions = sessions;
        this.clock = clock;
    }

    /** When the card last activated each offer it ever activated (lapsed or not): offer id to activation time. */
    public java.util.Map<String, Instant> of(long cardId) {
        return sessions.fromSession(s -> s.doReturningWork(c -> {
            java.util.Map<String, Instant> out = new java.util.HashMap<>();
            try (java.sql.PreparedStatement ps = c.prepareStatement(
                    "select offer_id, activated_at from offer_activation where card_id = ?")) {
                ps.setLong(1, cardId);
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), org.accrue.processor.store.Sql.instant(rs, 2));
                    }
                }
            }
            return out;
        }));
    }

    /**
     * Deactivates the offer for the card: later purchases earn nothing from it until it is activated again; what was
     * earned stays. Answers whether an activation was there (deactivating twice changes nothing).
     */
    public boolean deactivate(long cardId, Offer offer) {
        if (!offer.activationRequired()) {
            throw new CatalogException("ACTIVATION_NOT_REQUIRED", 409, "offer " + offer.id() + " needs no activation");
        }
        return sessions.fromTransaction(s -> s.createNativeMutationQuery(
                        "delete from offer_activation where card_id = :c and offer_id = :o")
                .setParameter("c", cardId).setParameter("o", offer.id()).executeUpdate() > 0);
    }

    /**
     * Activates {@code offerId} for these cards from {@code at}, in the caller's transaction (the win-back job enrolls
     * lapsed cards this way): a card's earlier activation of the offer is renewed from {@code at}.
     */
    public static void activateAll(java.sql.Connection c, String offerId, java.util.List<Long> cardIds, Instant at)
            throws java.sql.SQLException {
        try (java.sql.PreparedStatement ps = c.prepareStatement("insert into offer_activation (card_id, offer_id, "
                + "activated_at) values (?, ?, ?) on duplicate key update activated_at = values(activated_at)")) {
            for (long card : cardIds) {
                ps.setLong(1, card);
                ps.setString(2, offerId);
                org.accrue.processor.store.Sql.setUtc(ps, 3, at.truncatedTo(java.time.temporal.ChronoUnit.MICROS));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    public Activation activate(long cardId, Offer offer) {
        if (!offer.activationRequired()) {
            throw new CatalogException("ACTIVATION_NOT_REQUIRED", 409, "offer " + offer.id() + " needs no activation");
        }
        // DATETIME(6) keeps microseconds: answer with what is stored, so a repeat answers the same.
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        Duration valid = Duration.ofDays(offer.activationValidDays());
        return sessions.fromTransaction(s -> {
            LocalDateTime existing = s.createNativeQuery("select activated_at from offer_activation where card_id = :c and "
                            + "offer_id = :o for update", LocalDateTime.class)
                    .setParameter("c", cardId).setParameter("o", offer.id()).uniqueResult();
            Instant at = existing == null ? null : existing.toInstant(ZoneOffset.UTC);
            if (at != null && now.isBefore(at.plus(valid))) {
                return new Activation(at, at.plus(valid), false);
            }
            s.createNativeMutationQuery("insert into offer_activation (card_id, offer_id, activated_at) values (:c, :o, :t) "
                            + "on duplicate key update activated_at = values(activated_at)")
                    .setParameter("c", cardId).setParameter("o", offer.id())
                    .setParameter("t", LocalDateTime.ofInstant(now, ZoneOffset.UTC)).executeUpdate();
            return new Activation(now, now.plus(valid), true);
        });
    }
}
