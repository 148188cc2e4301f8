/*
 * A card on the console (/console/cards/{cardId}, or the header's card
 * search): the card masked, its tier, this month's statement with totals, its
 * rewards newest first, and its bonus offers when the cardholder API is served.
 */
package org.accrue.processor.http;

import static org.accrue.processor.http.Console.esc;
import static org.accrue.processor.http.Console.money;
import static org.accrue.processor.http.ConsoleChrome.page;

import java.time.InstantSource;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;

import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.http.Console.Session;
import org.accrue.processor.rewardbook.RewardBook;

import io.javalin.http.Context;

final class ConsoleCards {
    /** Rewards on a card's page, newest first. */
    private static final int CARD_REWARDS_SHOWN = 200;
    private final ConsoleChrome chrome;
    private final OperationsRoutes.Services s;
    private final Enrollment enrollment;
    /** The reward and ledger views the console shows (the book owns those tables). */
    private final RewardBook rewards;
    private final InstantSource clock;
    /** A card's bonus offers and progress on its page (punch cards, welcome, thresholds); null without the cardholder API. */
    private final org.accrue.processor.cardholder.Cardholder cardholder;

    ConsoleCards(ConsoleChrome chrome, OperationsRoutes.Services s, Enrollment enrollment, RewardBook rewards,
                 InstantSource clock, org.accrue.processor.cardholder.Cardholder cardholder) {
        this.chrome = chrome;
        this.s = s;
        this.enrollment = enrollment;
        this.rewards = rewards;
        this.clock = clock;
        this.cardholder = cardholder;
    }

    private Session session(Context ctx) {
        return chrome.session(ctx);
    }

    /** Totals per currency or program, "1.20 USD, 300 JPY"; "none" when empty. */
    private static String totals(Map<String, Long> totals, boolean cash) {
        return totals.isEmpty() ? "none" : String.join(", ", totals.entrySet().stream()
                .map(t -> cash ? money(t.getValue(), t.getKey()) : t.getValue() + " " + t.getKey()).toList());
    }

    void card(Context ctx) {
        Session ses = session(ctx);
        if (ses == null) {
            return;
        }
        String cardId = ctx.pathParam("cardId").isBlank() ? String.valueOf(ctx.queryParam("card")) : ctx.pathParam("cardId");
        var card = enrollment.find(null, cardId).orElseThrow(() -> Problem.notFound("card"));
        long row = enrollment.internalId(null, cardId).orElseThrow();
        YearMonth month = YearMonth.from(clock.instant().atZone(ZoneOffset.UTC));
        var st = s.statements().of(row, month);
        StringBuilder b = new StringBuilder("<p class=panel>").append(esc(Owners.masked(card))).append(" · issuer ").append(esc(card.issuerId()))
                .append(" · account ").append(esc(card.accountRef())).append(" · ").append(esc(card.status())).append("</p>");
        b.append(ConsoleTiers.card(s.tiers(), row, card.issuerId()));
        b.append("<h2>Statement ").append(month).append("</h2><table id=statement><thead><tr><th>text</th>"
                + "<th class=num>amount</th><th>kind</th></tr></thead><tbody>");
        for (var l : st.cash()) {
            b.append("<tr><td>").append(esc(l.statementText())).append("</td><td class=num>")
                    .append(esc(money(l.amount(), l.currency()))).append("</td><td>").append(esc(l.kind())).append("</td></tr>");
        }
        b.append("</tbody></table><p id=totals>Totals: ").append(esc(totals(st.cashTotals(), true))).append(" · miles ")
                .append(esc(totals(st.milesTotals(), false))).append("</p>");
        b.append("<h2>Rewards</h2><table id=rewards><thead><tr><th>offer</th><th>status</th><th class=num>amount</th>"
                + "<th>purchased</th></tr></thead><tbody>");
        for (RewardBook.CardReward r : rewards.cardRewards(row, CARD_REWARDS_SHOWN)) {
            b.append("<tr><td>").append(esc(r.offerId())).append("</td><td>").append(esc(r.status().name()))
                    .append("</td><td class=num>").append(esc(money(r.amount(), r.unit())))
                    .append("</td><td>").append(esc(r.purchasedAt())).append("</td></tr>");
        }
        b.append("</tbody></table>");
        if (cardholder != null) {
            b.append(ConsoleBonuses.section(cardholder.offers(row, 0, org.accrue.processor.cardholder.Cardholder.PAGE_LIMIT_MAX)));
        }
        page(ctx, "Card " + cardId, ses, b.toString());
    }
}
