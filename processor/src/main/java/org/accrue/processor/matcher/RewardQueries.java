/*
 * The read side of GET /cards/{id}/rewards: a card's rewards (read by the
 * reward book, their owner) and, per purchase, what it earned or why it earned
 * nothing (the matcher's own match_outcome). Both as typed bodies in the shape
 * the API has always answered: cash amounts as {"minor","currency"}, miles and
 * points as integers with their program.
 */
package org.accrue.processor.matcher;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.matching.RewardUnit;
import org.hibernate.SessionFactory;

import com.fasterxml.jackson.annotation.JsonInclude;

public final class RewardQueries {
    public static final int LIMIT_MAX = RewardBook.VIEW_ROWS_MAX;
    private final SessionFactory sessions;
    private final RewardBook book;

    public RewardQueries(SessionFactory sessions, RewardBook book) {
        this.sessions = sessions;
        this.book = book;
    }

    /** An amount over HTTP: minor units and the ISO 4217 alpha code. */
    public record Amount(long minor, String currency) {
    }

    /** A reward as the API shows it; cash has amount and earned, miles and points their count and program. */
    public record RewardBody(String rewardId, String status,
                             @JsonInclude(JsonInclude.Include.NON_NULL) Amount amount,
                             @JsonInclude(JsonInclude.Include.NON_NULL) Amount earned,
                             @JsonInclude(JsonInclude.Include.NON_NULL) Long miles,
                             @JsonInclude(JsonInclude.Include.NON_NULL) Long points,
                             @JsonInclude(JsonInclude.Include.NON_NULL) String program,
                             String offerId, String merchantId, Instant purchasedAt,
                             @JsonInclude(JsonInclude.Include.NON_NULL) Instant clearedAt, Instant updatedAt) {
        static RewardBody of(RewardBook.CardReward r) {
            RewardUnit u = r.unit();
            boolean cash = u.kind() == RewardUnit.Kind.CASH;
            return new RewardBody(r.rewardId(), r.status().name(),
                    cash ? new Amount(r.amount(), u.code()) : null, cash ? new Amount(r.originalAmount(), u.code()) : null,
                    u.kind() == RewardUnit.Kind.MILES ? r.amount() : null,
                    u.kind() == RewardUnit.Kind.POINTS ? r.amount() : null, cash ? null : u.code(),
                    r.offerId(), r.merchantId(), r.purchasedAt(), r.clearedAt(), r.updatedAt());
        }
    }

    /** A purchase message and what came of it. */
    public record PurchaseBody(long messageId, String mti, Amount amount, String merchantId, String resolution,
                               int rewardsEarned, String why, Instant at) {
    }

    /** The card's rewards, newest first. */
    /** What a purchase earned and the engine's words on what it did not (match_outcome), for every purchase matched. */
    public record Outcome(String detail, int earned) {
    }

    /** Every purchase's outcome, in no order: the demo's summary of why purchases earned nothing. */
    public List<Outcome> allOutcomes() {
        return sessions.fromSession(s -> s.doReturningWork(c -> {
            List<Outcome> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select detail, earned from match_outcome");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Outcome(rs.getString(1), rs.getInt(2)));
                }
            }
            return out;
        }));
    }

    public List<RewardBody> rewards(long cardId, int limit) {
        return rewards(cardId, 0, limit);
    }

    /** The card's rewards, newest first, a page at a time. */
    public List<RewardBody> rewards(long cardId, int offset, int limit) {
        return book.cardRewards(cardId, offset, Math.min(limit, LIMIT_MAX)).stream().map(RewardBody::of).toList();
    }

    public List<PurchaseBody> purchases(long cardId, int limit) {
        return purchases(cardId, 0, limit);
    }

    /** Per purchase message: merchant, how it was found, rewards earned, and the reasons of every offer that declined. */
    public List<PurchaseBody> purchases(long cardId, int offset, int limit) {
        return sessions.fromSession(s -> s.doReturningWork(c -> {
            List<PurchaseBody> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select o.message_id, m.mti, m.amount_minor, m.currency, "
                    + "o.merchant_id, o.resolution, o.earned, o.detail, o.purchased_at from match_outcome o "
                    + "join card_message m on m.id = o.message_id where o.card_id = ? order by o.message_id desc limit ? offset ?")) {
                ps.setLong(1, cardId);
                ps.setInt(2, Math.min(limit, LIMIT_MAX));
                ps.setInt(3, offset);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new PurchaseBody(rs.getLong(1), rs.getString(2), amount(rs.getLong(3), rs.getString(4)),
                                rs.getString(5), rs.getString(6), rs.getInt(7), rs.getString(8), Sql.instant(rs, 9)));
                    }
                }
            }
            return out;
        }));
    }

    /**
     * A purchase's amount as every amount over HTTP is (http-api.md): {"minor", "currency": ISO 4217 alpha}. The message
     * keeps DE49 as sent ("840"); a code no currency has (stored before the listener refused them) is shown as it is.
     */
    private static Amount amount(long minor, String numeric) {
        String currency;
        try {
            currency = org.accrue.rewards.money.Money.alphaOf(numeric);
        } catch (IllegalArgumentException e) {
            currency = numeric;
        }
        return new Amount(minor, currency);
    }
}
