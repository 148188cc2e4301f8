/*
 * The console pages of issue 17's partners, win-back campaigns and offer
 * performance (ops and admins): /console/programs lists partners, their
 * settlement invoices and every win-back campaign with what it won back;
 * /console/offers/{id} shows one offer's performance. Read through the same
 * features as the API (Programs), on Console's sessions and layout.
 */
package org.accrue.processor.http;

import static org.accrue.processor.http.Console.PATH;
import static org.accrue.processor.http.Console.esc;
import static org.accrue.processor.http.Console.money;

import java.util.List;

import org.accrue.processor.Programs;
import org.accrue.processor.invoicing.MerchantInvoicing;
import org.accrue.processor.invoicing.PartnerInvoicing;
import org.accrue.processor.partners.Partners;
import org.accrue.processor.performance.OfferPerformance;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.winback.WinBackCampaigns;
import org.accrue.rewards.offers.Offer;

import io.javalin.Javalin;
import io.javalin.http.Context;

final class ConsolePrograms {
    private final Console console;
    private final Programs p;

    private ConsolePrograms(Console console, Programs p) {
        this.console = console;
        this.p = p;
    }

    static void register(Javalin app, Console console, Programs p) {
        if (p == null) {
            return;
        }
        ConsolePrograms c = new ConsolePrograms(console, p);
        app.get(PATH + "/programs", c::programs);
        app.get(PATH + "/offers/{offerId}", c::offer);
    }

    private void programs(Context ctx) {
        Console.Session ses = console.session(ctx);
        if (ses == null) {
            return;
        }
        StringBuilder b = new StringBuilder("<h2>Partners</h2><table id=partners><thead><tr><th>id</th><th>name</th>"
                + "<th>kind</th><th>billing</th><th>fee</th><th>contact</th></tr></thead><tbody>");
        List<Partners.Partner> partners = p.partners().list();
        for (Partners.Partner x : partners) {
            b.append("<tr id='partner-").append(esc(x.partnerId())).append("'><td>").append(esc(x.partnerId()))
                    .append("</td><td>").append(esc(x.name())).append("</td><td>").append(esc(x.kind())).append("</td><td>")
                    .append(esc(x.billingCurrency())).append("</td><td>").append(bps(x.feeBps())).append("</td><td>")
                    .append(esc(x.contact())).append("</td></tr>");
        }
        if (partners.isEmpty()) {
            b.append("<tr><td colspan=6 class=muted>no partners (POST /api/v1/partners)</td></tr>");
        }
        b.append("</tbody></table><h2>Partner invoices</h2><table id=partner-invoices><thead><tr><th>invoice</th>"
                + "<th>partner</th><th>period</th><th>rewards</th><th>fee</th><th>clawbacks</th><th>total</th></tr></thead><tbody>");
        for (PartnerInvoicing.Invoice inv : p.partnerInvoicing().list(null)) {
            for (MerchantInvoicing.Line l : inv.lines()) {
                b.append("<tr><td>").append(esc(inv.invoiceId())).append("</td><td>").append(esc(inv.partnerId()))
                        .append("</td><td>").append(esc(inv.periodStart())).append(" to ").append(esc(inv.periodEnd()))
                        .append("</td><td class=num>").append(esc(money(l.rewards(), unit(l)))).append("</td><td class=num>")
                        .append(esc(money(l.commission(), unit(l)))).append("</td><td class=num>")
                        .append(esc(money(l.clawbacks(), unit(l)))).append("</td><td class=num>")
                        .append(esc(money(l.total(), unit(l)))).append("</td></tr>");
            }
        }
        b.append("</tbody></table><h2>Win-back campaigns</h2><table id=winback><thead><tr><th>campaign</th><th>offer</th>"
                + "<th>where</th><th>lapse</th><th>cards enrolled</th><th>came back</th><th>spent after enrolment</th>"
                + "<th>rewards</th></tr></thead><tbody>");
        for (WinBackCampaigns.Campaign c : p.winBack().list()) {
            Offer o = p.catalog().offer(c.offerId()).orElse(null);
            if (o == null) {
                continue;
            }
            WinBackCampaigns.Results r = p.winBack().results(c, o);
            b.append("<tr id='campaign-").append(esc(c.campaignId())).append("'><td>").append(esc(c.campaignId()))
                    .append("</td><td><a href='").append(PATH).append("/offers/").append(esc(o.id())).append("'>")
                    .append(esc(o.id())).append("</a></td><td>").append(esc(where(o))).append("</td><td>")
                    .append(c.lapseDays()).append(" days</td><td class=num>").append(r.cardsEnrolled())
                    .append("</td><td class=num>").append(r.cardsCameBack()).append("</td><td class=num>")
                    .append(esc(money(r.spentMinor(), r.currency()))).append("</td><td>").append(rewards(r.rewards()))
                    .append("</td></tr>");
        }
        b.append("</tbody></table>");
        console.page(ctx, "Partners and win-back", ses, b.toString());
    }

    private void offer(Context ctx) {
        Console.Session ses = console.session(ctx);
        if (ses == null) {
            return;
        }
        Offer o = p.catalog().offer(ctx.pathParam("offerId")).orElseThrow(() -> Problem.notFound("offer"));
        OfferPerformance.Performance f = p.performance().of(o);
        StringBuilder b = new StringBuilder("<div class=panel><p>").append(esc(where(o))).append(" · ")
                .append(esc(o.funding())).append(o.partnerId() == null ? "" : " (partner " + esc(o.partnerId()) + ")")
                .append(" · ").append(esc(o.status())).append(" · window ").append(esc(f.windowStart())).append(" to ")
                .append(esc(f.windowEnd())).append("</p></div><h2>Rewards</h2><table id=offer-rewards><thead><tr>"
                        + "<th>status</th><th>rewards</th><th>amount</th><th>cards</th></tr></thead><tbody>");
        for (RewardBook.OfferStatusTotal t : f.rewards()) {
            b.append("<tr><td>").append(esc(t.status())).append("</td><td class=num>").append(t.rewards())
                    .append("</td><td class=num>").append(esc(money(t.amount(), t.unit()))).append("</td><td class=num>")
                    .append(t.cards()).append("</td></tr>");
        }
        b.append("</tbody></table><h2>Budget and reach</h2><table id=offer-reach><tbody><tr><th>budget</th><td>")
                .append(f.budgetMinor() == null ? "<span class=muted>unlimited</span>" : esc(money(f.budgetMinor(), f.currency())))
                .append("</td></tr><tr><th>used</th><td id=budget-used>").append(esc(money(f.budgetUsedMinor(), f.currency())))
                .append("</td></tr><tr><th>left</th><td>").append(f.budgetLeftMinor() == null ? "<span class=muted>-</span>"
                        : esc(money(f.budgetLeftMinor(), f.currency()))).append("</td></tr><tr><th>cards rewarded</th><td>")
                .append(f.cardsRewarded()).append("</td></tr><tr><th>cards activated</th><td>").append(f.cardsActivated())
                .append("</td></tr></tbody></table>");
        if (f.incremental() != null) {
            b.append("<h2>Incremental spend</h2><p class=muted>Average spend per card per week at ").append(esc(where(o)))
                    .append(" during the offer: activated cards from their activation, against cards that bought there "
                            + "without activating (purchases, refunds not subtracted).</p><table id=offer-incremental><thead>"
                            + "<tr><th></th><th>cards</th><th>purchases</th><th>spent</th><th>card-days</th>"
                            + "<th>per card per week</th></tr></thead><tbody>");
            group(b, "activated", f.incremental().activated(), f.currency());
            group(b, "not activated", f.incremental().notActivated(), f.currency());
            b.append("</tbody></table><p>Lift: <strong id=lift>").append(f.incremental().liftBps() == null ? "n/a"
                    : bps(f.incremental().liftBps())).append("</strong></p>");
        }
        console.page(ctx, "Offer " + o.id(), ses, b.toString());
    }

    private static void group(StringBuilder b, String label, OfferPerformance.Group g, String currency) {
        b.append("<tr><th>").append(label).append("</th><td class=num>").append(g.cards()).append("</td><td class=num>")
                .append(g.purchases()).append("</td><td class=num>").append(esc(money(g.spentMinor(), currency)))
                .append("</td><td class=num>").append(g.exposureSeconds() / 86_400).append("</td><td class=num>")
                .append(esc(money(g.avgPerCardWeekMinor(), currency))).append("</td></tr>");
    }

    private static String rewards(List<RewardBook.OfferStatusTotal> totals) {
        if (totals.isEmpty()) {
            return "<span class=muted>none</span>";
        }
        StringBuilder b = new StringBuilder();
        for (RewardBook.OfferStatusTotal t : totals) {
            b.append(b.isEmpty() ? "" : ", ").append(esc(t.status())).append(' ').append(t.rewards()).append(" (")
                    .append(esc(money(t.amount(), t.unit()))).append(')');
        }
        return b.toString();
    }

    private static org.accrue.rewards.matching.RewardUnit unit(MerchantInvoicing.Line l) {
        return new org.accrue.rewards.matching.RewardUnit(org.accrue.rewards.matching.RewardUnit.Kind.valueOf(l.unitKind()),
                l.unit());
    }

    private static String where(Offer o) {
        return o.merchantId() != null ? "merchant " + o.merchantId() : "MCC " + String.join(", ", new java.util.TreeSet<>(o.mccs()));
    }

    /** Basis points as a percentage with two decimals ("10.00%", "-2.50%"). */
    private static String bps(long bps) {
        return (bps < 0 ? "-" : "") + Math.abs(bps) / 100 + "." + String.format("%02d", Math.abs(bps) % 100) + "%";
    }
}
