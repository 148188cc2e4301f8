/*
 * Win-back campaigns (issue 17, item 5): an offer that needs activation made
 * the win-back offer of its merchant (or of its category, for a category
 * offer) with a lapse of N days. The win-back job (WinBackJob) enrolls the
 * cards lapsed there into it; this class owns the campaign and enrolment
 * tables and measures a campaign: how many enrolled cards came back (bought
 * at the merchant, or in the category, after their enrolment and before it
 * ran out), what they spent there in that time (in the offer's currency),
 * and the rewards the offer paid.
 */
package org.accrue.processor.winback;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.accrue.processor.Refusal;
import org.accrue.processor.audit.AuditLog;
import org.accrue.processor.ids.Ids;
import org.accrue.processor.performance.OfferPurchases;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.offers.Offer;

public final class WinBackCampaigns {
    public static final int LAPSE_DAYS_MAX = 3650;
    public static final int LIST_ROWS_MAX = 500;

    public record Campaign(String campaignId, String offerId, int lapseDays, Instant createdAt) {
    }

    /**
     * A campaign's measure: cards enrolled (distinct), enrolments, cards that came back, their purchases and spend
     * after enrolment (minor units of {@code currency}), and the offer's rewards by status.
     */
    public record Results(Campaign campaign, String merchantId, List<String> mccs, long cardsEnrolled, long enrollments,
                          long cardsCameBack, long purchasesAfter, long spentMinor, String currency,
                          List<RewardBook.OfferStatusTotal> rewards) {
    }

    private final DataSource ds;
    private final InstantSource clock;
    private final RewardBook book;

    public WinBackCampaigns(DataSource ds, InstantSource clock) {
        this.ds = ds;
        this.clock = clock;
        this.book = new RewardBook(ds);
    }

    /** Makes {@code offer} the win-back offer of its merchant or category; one campaign per offer. */
    public Campaign create(String actor, Offer offer, int lapseDays) {
        if (!offer.activationRequired()) {
            throw new Refusal("WINBACK_NEEDS_ACTIVATION", 409, "offer " + offer.id()
                    + " needs activationRequired and activationValidDays: enrolment activates it for the lapsed card");
        }
        if (lapseDays < 1 || lapseDays > LAPSE_DAYS_MAX) {
            throw new Refusal("FIELD_INVALID", 422, "lapseDays must be 1.." + LAPSE_DAYS_MAX);
        }
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        Campaign c = new Campaign(Ids.next("wb"), offer.id(), lapseDays, now);
        return Sql.inTransaction(ds, tx -> {
            try (PreparedStatement ps = tx.prepareStatement("insert ignore into winback_campaign (campaign_id, offer_id, "
                    + "lapse_days, created_at) values (?, ?, ?, ?)")) {
                ps.setString(1, c.campaignId());
                ps.setString(2, c.offerId());
                ps.setInt(3, lapseDays);
                Sql.setUtc(ps, 4, now);
                if (ps.executeUpdate() == 0) {
                    throw new Refusal("CAMPAIGN_EXISTS", 409, "offer " + offer.id() + " is already a win-back offer");
                }
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("offerId", offer.id());
            details.put("lapseDays", lapseDays);
            AuditLog.record(tx, now, new AuditLog.Entry(actor, AuditLog.Action.WINBACK_CAMPAIGN_CREATED,
                    AuditLog.Resource.WINBACK_CAMPAIGN, c.campaignId(), null, details));
            return c;
        });
    }

    public List<Campaign> list() {
        return Sql.inTransaction(ds, c -> read(c, null));
    }

    public Optional<Campaign> find(String campaignId) {
        return Sql.inTransaction(ds, c -> read(c, campaignId).stream().findFirst());
    }

    private static List<Campaign> read(Connection c, String id) throws SQLException {
        List<Campaign> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select campaign_id, offer_id, lapse_days, created_at from "
                + "winback_campaign" + (id == null ? "" : " where campaign_id = ?") + " order by created_at, campaign_id "
                + "limit " + LIST_ROWS_MAX)) {
            if (id != null) {
                ps.setString(1, id);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Campaign(rs.getString(1), rs.getString(2), rs.getInt(3), Sql.instant(rs, 4)));
                }
            }
        }
        return out;
    }

    /**
     * Who came back: enrolled cards with a purchase at the offer's merchant (or in its MCCs) in [enrolled_at,
     * valid_until), what they spent there then (purchases in the offer's currency, DE4 or the billed DE6), and the
     * rewards of the offer.
     */
    public Results results(Campaign campaign, Offer offer) {
        return Sql.inTransaction(ds, c -> {
            long[] enrolled = new long[2];
            try (PreparedStatement ps = c.prepareStatement("select count(distinct card_id), count(*) from winback_enrollment "
                    + "where campaign_id = ?")) {
                ps.setString(1, campaign.campaignId());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    enrolled[0] = rs.getLong(1);
                    enrolled[1] = rs.getLong(2);
                }
            }
            long[] back = new long[3];
            try (PreparedStatement ps = c.prepareStatement("select count(distinct e.card_id), count(distinct o.message_id), "
                    + "coalesce(sum(" + OfferPurchases.SPEND + "), 0) "
                    + "from winback_enrollment e join match_outcome o on o.card_id = e.card_id "
                    + "and o.purchased_at >= e.enrolled_at and o.purchased_at < e.valid_until "
                    + "join card_message m on m.id = o.message_id where e.campaign_id = ? and " + OfferPurchases.at(offer))) {
                int i = OfferPurchases.bindSpend(ps, 1, offer);
                ps.setString(i++, campaign.campaignId());
                OfferPurchases.bind(ps, i, offer);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    back[0] = rs.getLong(1);
                    back[1] = rs.getLong(2);
                    back[2] = rs.getLong(3);
                }
            }
            return new Results(campaign, offer.merchantId(), offer.mccs().stream().sorted().toList(), enrolled[0],
                    enrolled[1], back[0], back[1], back[2], offer.currency(), book.offerTotals(offer.id()));
        });
    }
}
