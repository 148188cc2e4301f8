/*
 * Offer performance (issue 17, item 8): per offer, its rewards by status
 * (count, amount, cards), the budget used (live rewards, as the matcher
 * counts it) and left, cards reached (rewarded at least once) and activated,
 * and for offers that need activation the incremental spend of activated vs
 * not-activated cards. What is computed, exactly:
 *
 *   window     = [startsAt, min(endsAt, now))
 *   activated  = cards holding an activation of the offer; each is exposed
 *                from max(activated_at, startsAt) to the window's end; their
 *                spend is their purchases at the offer's place in that time
 *   comparison = cards that bought at the offer's place in the window with no
 *                activation of the offer; each exposed for the whole window
 *   avg spend per card per week = spend * 7 days / total exposure (minor
 *                units of the offer's currency, rounded down)
 *   lift       = (activated avg - comparison avg) / comparison avg, in basis
 *                points (null when the comparison spent nothing)
 *
 * The comparison group is "cards that shop there", so the lift is a floor
 * rather than a controlled experiment; refunds are not subtracted. Cost: the
 * offer's rewards on ix_reward_offer, its activations on
 * ix_offer_activation_offer, the activated cards' purchases on
 * ix_match_outcome_card and the merchant's purchases in the window on
 * ix_match_outcome_merchant (a category offer scans resolved purchases).
 */
package org.accrue.processor.performance;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;

import javax.sql.DataSource;

import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;
import org.accrue.rewards.offers.Offer;

public final class OfferPerformance {
    private static final long WEEK_SECONDS = Duration.ofDays(7).toSeconds();

    /** One group's spend at the offer's place: cards, purchases, spend, exposure, and the average per card-week. */
    public record Group(long cards, long purchases, long spentMinor, long exposureSeconds, long avgPerCardWeekMinor) {
    }

    /** Activated against not activated (only for offers that need activation). */
    public record Incremental(Group activated, Group notActivated, Long liftBps) {
    }

    public record Performance(String offerId, String currency, Instant windowStart, Instant windowEnd,
                              List<RewardBook.OfferStatusTotal> rewards, Long budgetMinor, long budgetUsedMinor,
                              Long budgetLeftMinor, long cardsRewarded, long cardsActivated, Incremental incremental) {
    }

    private final DataSource ds;
    private final InstantSource clock;
    private final RewardBook book;

    public OfferPerformance(DataSource ds, InstantSource clock) {
        this.ds = ds;
        this.clock = clock;
        this.book = new RewardBook(ds);
    }

    public Performance of(Offer offer) {
        Instant now = clock.instant();
        Instant end = offer.endsAt() != null && offer.endsAt().isBefore(now) ? offer.endsAt() : now;
        Instant start = offer.startsAt().isBefore(end) ? offer.startsAt() : end;
        List<RewardBook.OfferStatusTotal> rewards = book.offerTotals(offer.id());
        RewardUnit cash = new RewardUnit(RewardUnit.Kind.CASH, offer.currency());
        long used = rewards.stream().filter(t -> t.unit().equals(cash) && live(t.status()))
                .mapToLong(RewardBook.OfferStatusTotal::amount).sum();
        Long left = offer.budgetMinor() == null ? null : Math.max(0, offer.budgetMinor() - used);
        long rewarded = book.offerCardsRewarded(offer.id());
        return Sql.inTransaction(ds, c -> {
            long activatedCards = count(c, offer.id());
            Incremental inc = offer.activationRequired() ? incremental(c, offer, start, end) : null;
            return new Performance(offer.id(), offer.currency(), start, end, rewards, offer.budgetMinor(), used, left,
                    rewarded, activatedCards, inc);
        });
    }

    private static boolean live(Reward.Status s) {
        return s != Reward.Status.REVERSED && s != Reward.Status.REJECTED && s != Reward.Status.EXPIRED;
    }

    private static long count(Connection c, String offerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select count(*) from offer_activation where offer_id = ?")) {
            ps.setString(1, offerId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static Incremental incremental(Connection c, Offer offer, Instant start, Instant end) throws SQLException {
        long activatedCards;
        long exposure;
        try (PreparedStatement ps = c.prepareStatement("select count(*), coalesce(sum(timestampdiff(SECOND, "
                + "greatest(activated_at, ?), ?)), 0) from offer_activation where offer_id = ? and activated_at < ?")) {
            Sql.setUtc(ps, 1, start);
            Sql.setUtc(ps, 2, end);
            ps.setString(3, offer.id());
            Sql.setUtc(ps, 4, end);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                activatedCards = rs.getLong(1);
                exposure = rs.getLong(2);
            }
        }
        long[] a = spend(c, offer, "select count(distinct o.message_id), coalesce(sum(" + OfferPurchases.SPEND + "), 0) "
                + "from offer_activation x join match_outcome o on o.card_id = x.card_id "
                + "and o.purchased_at >= greatest(x.activated_at, ?) and o.purchased_at < ? "
                + "join card_message m on m.id = o.message_id where x.offer_id = ? and " + OfferPurchases.at(offer), start, end, true);
        long[] n = spend(c, offer, "select count(distinct o.message_id), coalesce(sum(" + OfferPurchases.SPEND + "), 0), "
                + "count(distinct o.card_id) from match_outcome o join card_message m on m.id = o.message_id "
                + "where o.purchased_at >= ? and o.purchased_at < ? and " + OfferPurchases.at(offer)
                + " and not exists (select 1 from offer_activation x where x.card_id = o.card_id and x.offer_id = ?)",
                start, end, false);
        long window = Math.max(0, Duration.between(start, end).toSeconds());
        Group act = group(activatedCards, a[0], a[1], exposure);
        Group not = group(n[2], n[0], n[1], Math.multiplyExact(n[2], window));
        Long lift = not.avgPerCardWeekMinor() == 0 ? null
                : Math.multiplyExact(act.avgPerCardWeekMinor() - not.avgPerCardWeekMinor(), 10_000L) / not.avgPerCardWeekMinor();
        return new Incremental(act, not, lift);
    }

    /** [purchases, spend, cards]; the activated query takes the offer id before the place, the other after it. */
    private static long[] spend(Connection c, Offer offer, String sql, Instant start, Instant end, boolean activated)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = OfferPurchases.bindSpend(ps, 1, offer);
            Sql.setUtc(ps, i++, start);
            Sql.setUtc(ps, i++, end);
            if (activated) {
                ps.setString(i++, offer.id());
                OfferPurchases.bind(ps, i, offer);
            } else {
                i = OfferPurchases.bind(ps, i, offer);
                ps.setString(i, offer.id());
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2), activated ? 0 : rs.getLong(3)};
            }
        }
    }

    private static Group group(long cards, long purchases, long spent, long exposureSeconds) {
        long avg = exposureSeconds <= 0 ? 0 : Math.multiplyExact(spent, WEEK_SECONDS) / exposureSeconds;
        return new Group(cards, purchases, spent, exposureSeconds, avg);
    }
}
