/*
 * What the matching engine asks about a card while one batch is matched: its live rewards per offer (caps, punch
 * cards), its activations, its tier and its last purchase at a merchant (audiences).
 *
 * Method. Until issue 13 a card's caps and activations were read once per message. Now the batch's cards are known
 * before it starts, and the first question about an offer reads the answer for all of them at once: their live
 * rewards for it (through MatcherRewards, which sends the batch's pending writes first) and their activations of it.
 * Rewards the batch earns or changes afterwards are added to or changed in those lists as they happen, so a later
 * message of the same card sees them. The tier is the card's stored tier state (MatcherTiers, read once per batch);
 * the last purchase is asked rarely (audience offers) and read from the store each time.
 *
 * Targeting (issue 17): the batch's cards' issuers and BINs, and their segments, are each read for all the batch's
 * cards at the first question (one statement per thousand cards); segments only when an offer names one.
 */
package org.accrue.processor.matcher;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.processor.catalog.Segments;
import org.accrue.processor.rewardbook.MatcherRewards;
import org.accrue.processor.store.Sql;
import org.accrue.processor.tiers.MatcherTiers;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.CardState;
import org.accrue.rewards.matching.Periods;
import org.accrue.rewards.offers.Offer;

final class CardStates {
    /** The most cards in one IN list (well under MariaDB's 65,535 placeholders). */
    private static final int IN_LIST_MAX = 1000;

    private final Connection c;
    private final Instant now;
    private final MatcherRewards rewards;
    private final MatcherTiers tiers;
    private final Set<Long> cards = new LinkedHashSet<>();
    private final Map<String, Map<Long, Instant>> activations = new HashMap<>(); // offer -> card -> activated at
    private final Map<String, Map<Long, List<Held>>> cardRewards = new HashMap<>(); // offer -> card -> live rewards
    private final Map<String, Held> held = new HashMap<>(); // reward public id -> its entry in cardRewards
    private Map<Long, Profile> profiles;                     // card -> issuer and BIN, read at the first question
    private Map<Long, Set<String>> segments;                 // card -> segments, read at the first question

    /** What targeting asks about a card: its issuer and BIN (-1 when not recorded). */
    private record Profile(String issuerId, int bin) {
    }

    private final BonusCounts bonus; // punches, threshold spend and enrollment times of the batch's cards (V26)

    /** A live reward of a card for an offer, as caps and punch cards count it. */
    private static final class Held {
        final List<Held> list;
        final long epochDay;
        long amount;

        Held(List<Held> list, long amount, long epochDay) {
            this.list = list;
            this.amount = amount;
            this.epochDay = epochDay;
        }
    }

    CardStates(Connection c, Instant now, MatcherRewards rewards, MatcherTiers tiers) {
        this.c = c;
        this.now = now;
        this.rewards = rewards;
        this.tiers = tiers;
        this.bonus = new BonusCounts(c, now, cards);
    }

    /** The batch's punches and threshold spend (bonus offers), read for all its cards at the first question. */
    BonusCounts bonus() {
        return bonus;
    }

    /** A card of the batch: its state is read with the others' at the first question about an offer. */
    void add(long cardId) {
        cards.add(cardId);
    }

    /** The card's history for the engine, for the message whose seq (arrival order, V18) is {@code beforeSeq}. */
    CardState of(long cardId, long beforeSeq) {
        return new BatchCardState(cardId, beforeSeq);
    }

    /** A reward the batch earned: it counts toward its card's caps from now on, when the offer's list is read already. */
    void earned(Reward r, long cardId, String offerId, LocalDate localDate) {
        Map<Long, List<Held>> ofOffer = cardRewards.get(offerId);
        if (ofOffer != null) {
            List<Held> list = ofOffer.computeIfAbsent(cardId, k -> new ArrayList<>());
            Held h = new Held(list, r.amount(), localDate.toEpochDay());
            list.add(h);
            held.put(r.id(), h);
        }
    }

    /** A reward the batch changed: a smaller amount counts less; reversed, expired or rejected, it counts no more. */
    void changed(Reward r) {
        Held h = held.get(r.id());
        if (h != null) {
            if (r.status() == Reward.Status.REVERSED || r.status() == Reward.Status.EXPIRED || r.status() == Reward.Status.REJECTED) {
                h.list.remove(h);
                held.remove(r.id());
            } else {
                h.amount = r.amount();
            }
        }
    }

    private Profile profile(long cardId) {
        if (profiles == null) {
            profiles = new HashMap<>();
            try {
                for (List<Long> part : parts(new ArrayList<>(cards))) {
                    try (PreparedStatement ps = c.prepareStatement("select id, issuer_id, bin from card where id in ("
                            + Sql.marks(part.size()) + ")")) {
                        for (int i = 0; i < part.size(); i++) {
                            ps.setLong(i + 1, part.get(i));
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                String bin = rs.getString(3);
                                profiles.put(rs.getLong(1), new Profile(rs.getString(2), bin == null ? -1 : org.accrue.rewards.offers.Targeting.binNumber(bin)));
                            }
                        }
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        return profiles.getOrDefault(cardId, new Profile(null, -1));
    }

    private boolean inSegment(long cardId, String segmentId) {
        if (segments == null) {
            try {
                segments = Segments.membership(c, new ArrayList<>(cards));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        Set<String> of = segments.get(cardId);
        return of != null && of.contains(segmentId);
    }

    private static <T> List<List<T>> parts(List<T> all) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i += IN_LIST_MAX) {
            out.add(all.subList(i, Math.min(all.size(), i + IN_LIST_MAX)));
        }
        return out;
    }

    private Instant activatedAt(long cardId, String offerId) {
        Map<Long, Instant> ofOffer = activations.get(offerId);
        if (ofOffer == null) {
            ofOffer = new HashMap<>();
            try {
                for (List<Long> part : parts(new ArrayList<>(cards))) {
                    try (PreparedStatement ps = c.prepareStatement("select card_id, activated_at from offer_activation "
                            + "where offer_id = ? and card_id in (" + Sql.marks(part.size()) + ")")) {
                        ps.setString(1, offerId);
                        for (int i = 0; i < part.size(); i++) {
                            ps.setLong(i + 2, part.get(i));
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                ofOffer.put(rs.getLong(1), Sql.instant(rs, 2));
                            }
                        }
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            activations.put(offerId, ofOffer);
        }
        return ofOffer.get(cardId);
    }

    /** The card's live rewards for the offer; read for all the batch's cards at the first question about the offer. */
    private List<Held> rewardsOf(long cardId, String offerId) {
        Map<Long, List<Held>> ofOffer = cardRewards.get(offerId);
        if (ofOffer == null) {
            ofOffer = new HashMap<>();
            try {
                // The store then holds every reward of the batch (live() flushes first); later ones are added by earned().
                for (MatcherRewards.Live r : rewards.live(offerId, new ArrayList<>(cards))) {
                    List<Held> list = ofOffer.computeIfAbsent(r.cardId(), k -> new ArrayList<>());
                    Held h = new Held(list, r.amount(), r.localDate().toEpochDay());
                    list.add(h);
                    held.put(r.rewardId(), h);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            cardRewards.put(offerId, ofOffer);
        }
        return ofOffer.getOrDefault(cardId, List.of());
    }

    /** A card's state as the engine asks for it, answered from the batch's caches (tier and last purchase from the store). */
    private final class BatchCardState implements CardState {
        private final long cardId;
        private final long beforeSeq;
        private String tier;
        private boolean tierKnown;

        BatchCardState(long cardId, long beforeSeq) {
            this.cardId = cardId;
            this.beforeSeq = beforeSeq;
        }

        /**
         * The card's tier now: its stored tier state (tiers.MatcherTiers), as this batch has moved it. A purchase that
         * crosses a threshold upgrades the card for the purchases after it, never for itself.
         */
        @Override
        public String tier() {
            if (!tierKnown) {
                tierKnown = true;
                tier = tiers.tier(cardId);
            }
            return tier;
        }

        @Override
        public String issuerId() {
            return profile(cardId).issuerId();
        }

        @Override
        public int bin() {
            return profile(cardId).bin();
        }

        @Override
        public boolean inSegment(String segmentId) {
            return CardStates.this.inSegment(cardId, segmentId);
        }

        @Override
        public Instant activatedAt(String offerId) {
            return CardStates.this.activatedAt(cardId, offerId);
        }

        @Override
        public Instant lastPurchaseAt(String merchantId, Instant before) {
            try (PreparedStatement ps = c.prepareStatement("select max(purchased_at) from match_outcome where card_id = ? "
                    + "and merchant_id = ? and purchased_at < ?")) {
                ps.setLong(1, cardId);
                ps.setString(2, merchantId);
                ps.setTimestamp(3, Sql.ts(before));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Sql.instant(rs, 1);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        private static boolean samePeriod(long epochDay, Offer.Period period, String key) {
            return Periods.key(period, LocalDate.ofEpochDay(epochDay)).equals(key);
        }

        @Override
        public long rewardInPeriod(String offerId, Offer.Period period, LocalDate date) {
            String key = Periods.key(period, date);
            long sum = 0;
            for (Held h : rewardsOf(cardId, offerId)) {
                if (samePeriod(h.epochDay, period, key)) {
                    sum += h.amount;
                }
            }
            return sum;
        }

        @Override
        public int redemptionsInPeriod(String offerId, Offer.Period period, LocalDate date) {
            String key = Periods.key(period, date);
            int n = 0;
            for (Held h : rewardsOf(cardId, offerId)) {
                if (h.amount > 0 && samePeriod(h.epochDay, period, key)) {
                    n++;
                }
            }
            return n;
        }

        @Override
        public int punches(String offerId) {
            return bonus.punches(cardId, offerId);
        }

        @Override
        public Instant enrolledAt() {
            return bonus.enrolledAt(cardId);
        }

        @Override
        public long spendInPeriod(String offerId, Offer.Period period, LocalDate date) {
            return bonus.spend(cardId, offerId, Periods.key(period, date));
        }
    }
}
