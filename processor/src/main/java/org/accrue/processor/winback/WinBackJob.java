/*
 * The `win-back` job (issue 17, item 5). For each campaign whose offer is
 * live: the enrolled cards whose last purchase at the offer's merchant (or in
 * its MCCs, for a category offer) is older than the campaign's lapse, and
 * that bought there before, are enrolled: the offer is activated for them
 * (offer_activation, valid for the offer's activationValidDays) and a
 * winback_enrollment row records it (source WIN_BACK, when, lapsed since,
 * valid until). A card whose enrolment in the campaign is still valid is
 * left alone, so a rerun enrolls nobody twice. Each enrolment raises
 * `offer.winback` through the outbox in the same transaction: the issuer's
 * "we miss you" message.
 *
 * Method: a merchant campaign reads match_outcome on ix_match_outcome_merchant
 * (merchant_id, purchased_at, card_id), one range per merchant grouped by
 * card; a category campaign joins the purchases' card_message rows for the
 * MCC (a scan of the resolved purchases). Cards are enrolled in transactions
 * of at most ENROLL_BATCH_MAX.
 */
package org.accrue.processor.winback;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.accrue.processor.catalog.Catalog;
import org.accrue.processor.jobs.ScheduledJob;
import org.accrue.processor.matcher.Activations;
import org.accrue.processor.performance.OfferPurchases;
import org.accrue.processor.store.Sql;
import org.accrue.processor.webhooks.EventType;
import org.accrue.processor.webhooks.Outbox;
import org.accrue.rewards.offers.Offer;

public final class WinBackJob implements ScheduledJob {
    /** Cards enrolled per transaction. */
    public static final int ENROLL_BATCH_MAX = 1_000;

    /** A card found lapsed: its issuer and its last purchase there. */
    record Lapsed(long cardId, String issuerId, Instant lastPurchaseAt) {
    }

    /** One campaign's run: how many cards it enrolled. */
    public record Enrolled(String campaignId, String offerId, int cards) {
    }

    private final DataSource ds;
    private final InstantSource clock;
    private final Catalog catalog;
    private final WinBackCampaigns campaigns;

    public WinBackJob(DataSource ds, InstantSource clock, Catalog catalog, WinBackCampaigns campaigns) {
        this.ds = ds;
        this.clock = clock;
        this.catalog = catalog;
        this.campaigns = campaigns;
    }

    @Override
    public String run(RunContext run) {
        List<Enrolled> done = enrollLapsed();
        return "enrolled " + done.stream().mapToInt(Enrolled::cards).sum() + " lapsed card(s) in " + done.size()
                + " win-back campaign(s)";
    }

    /** Enrolls the lapsed cards of every live campaign, now. */
    public List<Enrolled> enrollLapsed() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        List<Enrolled> out = new ArrayList<>();
        for (WinBackCampaigns.Campaign c : campaigns.list()) {
            Optional<Offer> offer = catalog.offer(c.offerId());
            if (offer.isEmpty() || !live(offer.get(), now)) {
                continue;
            }
            out.add(new Enrolled(c.campaignId(), c.offerId(), enroll(c, offer.get(), now)));
        }
        return out;
    }

    private static boolean live(Offer o, Instant now) {
        return o.status() == Offer.Status.ACTIVE && o.activationRequired() && !now.isBefore(o.startsAt())
                && (o.endsAt() == null || now.isBefore(o.endsAt()));
    }

    private int enroll(WinBackCampaigns.Campaign campaign, Offer offer, Instant now) {
        Instant cutoff = now.minus(Duration.ofDays(campaign.lapseDays()));
        Instant validUntil = now.plus(Duration.ofDays(offer.activationValidDays()));
        if (offer.endsAt() != null && offer.endsAt().isBefore(validUntil)) {
            validUntil = offer.endsAt();
        }
        Instant until = validUntil;
        int total = 0;
        while (true) {
            int n = Sql.inTransaction(ds, c -> {
                List<Lapsed> lapsed = lapsed(c, campaign, offer, cutoff, now);
                if (lapsed.isEmpty()) {
                    return 0;
                }
                Activations.activateAll(c, offer.id(), lapsed.stream().map(Lapsed::cardId).toList(), now);
                try (PreparedStatement ps = c.prepareStatement("insert into winback_enrollment (campaign_id, card_id, "
                        + "enrolled_at, valid_until, lapsed_since) values (?, ?, ?, ?, ?)")) {
                    for (Lapsed l : lapsed) {
                        ps.setString(1, campaign.campaignId());
                        ps.setLong(2, l.cardId());
                        Sql.setUtc(ps, 3, now);
                        Sql.setUtc(ps, 4, until);
                        Sql.setUtc(ps, 5, l.lastPurchaseAt());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                Outbox.emit(c, now, lapsed.stream().map(l -> event(campaign, offer, l, until)).toList());
                return lapsed.size();
            });
            total += n;
            if (n < ENROLL_BATCH_MAX) {
                return total;
            }
        }
    }

    /**
     * Up to ENROLL_BATCH_MAX enrolled cards whose last purchase there is before {@code cutoff}, with no enrolment in the
     * campaign that is still valid at {@code now}.
     */
    static List<Lapsed> lapsed(Connection c, WinBackCampaigns.Campaign campaign, Offer offer, Instant cutoff, Instant now)
            throws SQLException {
        String purchases = "select o.card_id, max(o.purchased_at) last_at from match_outcome o "
                + (offer.merchantId() != null ? "" : "join card_message m on m.id = o.message_id ")
                + "where " + OfferPurchases.at(offer) + " group by o.card_id";
        List<Lapsed> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select p.card_id, k.issuer_id, p.last_at from (" + purchases + ") p "
                + "join card k on k.id = p.card_id and k.status = 'ENROLLED' where p.last_at < ? and not exists "
                + "(select 1 from winback_enrollment e where e.campaign_id = ? and e.card_id = p.card_id and e.valid_until > ?) "
                + "order by p.card_id limit " + ENROLL_BATCH_MAX)) {
            int i = OfferPurchases.bind(ps, 1, offer);
            Sql.setUtc(ps, i++, cutoff);
            ps.setString(i++, campaign.campaignId());
            Sql.setUtc(ps, i, now);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Lapsed(rs.getLong(1), rs.getString(2), Sql.instant(rs, 3)));
                }
            }
        }
        return out;
    }

    private static Outbox.Event event(WinBackCampaigns.Campaign campaign, Offer offer, Lapsed l, Instant validUntil) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("campaignId", campaign.campaignId());
        d.put("offerId", offer.id());
        if (offer.merchantId() != null) {
            d.put("merchantId", offer.merchantId());
        } else {
            d.put("mccs", offer.mccs().stream().sorted().toList());
        }
        d.put("lapsedSince", l.lastPurchaseAt().toString());
        d.put("lapseDays", campaign.lapseDays());
        d.put("validUntil", validUntil.toString());
        return new Outbox.Event(EventType.OFFER_WINBACK, l.issuerId(), l.cardId(), d);
    }
}
