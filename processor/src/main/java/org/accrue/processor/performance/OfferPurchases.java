/*
 * "A purchase at the offer's place" in SQL, said once for offer performance
 * and win-back: the matcher's first outcome of a purchase (match_outcome o,
 * joined to its card_message m) at the offer's merchant (o.merchant_id, on
 * ix_match_outcome_merchant or ix_match_outcome_card), or for a category
 * offer a resolved purchase (not NONE) in one of its MCCs. Clearings,
 * repeats, refunds and reversals have outcomes without a merchant and
 * resolution NONE, so each purchase counts once. Spend is in the offer's
 * currency: DE4 less the tip when DE49 is it, else DE6 when DE51 is, else 0
 * (the reward base rule of offers-and-rewards.md); card_message keeps the
 * ISO 4217 numeric codes the messages carried.
 */
package org.accrue.processor.performance;

import java.sql.PreparedStatement;
import java.sql.SQLException;

import org.accrue.processor.store.Sql;
import org.accrue.rewards.offers.Offer;

public final class OfferPurchases {
    private OfferPurchases() {
    }

    /** The condition on o (and m) for a purchase at the offer's merchant or in its category; bind with {@link #bind}. */
    public static String at(Offer offer) {
        return offer.merchantId() != null ? "o.merchant_id = ?"
                : "o.resolution <> 'NONE' and m.mcc in (" + Sql.marks(offer.mccs().size()) + ")";
    }

    /** Binds {@link #at}'s parameters from {@code index}; returns the next index. */
    public static int bind(PreparedStatement ps, int index, Offer offer) throws SQLException {
        if (offer.merchantId() != null) {
            ps.setString(index++, offer.merchantId());
        } else {
            for (String mcc : offer.mccs().stream().sorted().toList()) {
                ps.setString(index++, mcc);
            }
        }
        return index;
    }

    /** The purchase's amount in the offer's currency; binds two parameters (the currency's numeric code twice). */
    public static final String SPEND = "(case when m.currency = ? then m.amount_minor - m.tip_minor "
            + "when m.billing_currency = ? then m.billing_amount_minor else 0 end)";

    public static int bindSpend(PreparedStatement ps, int index, Offer offer) throws SQLException {
        String numeric = java.util.Currency.getInstance(offer.currency()).getNumericCodeAsString();
        ps.setString(index++, numeric);
        ps.setString(index++, numeric);
        return index;
    }
}
