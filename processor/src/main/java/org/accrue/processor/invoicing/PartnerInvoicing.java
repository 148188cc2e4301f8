/*
 * The `partner-invoicing` job (issue 17, item 6): partner settlement, as
 * merchant invoicing does it for merchants. For each partner and calendar
 * month (UTC): the rewards of its offers sent in the month (ledger funder
 * "PARTNER:<partnerId>"), plus the partner's fee (its feeBps of those
 * rewards, rounded half up per offer), minus clawbacks of the month; one
 * line per unit. Read from the ledger, so an invoice agrees with it. One
 * invoice per partner and month, written once (a rerun leaves it): a text
 * file under <data>/files/invoices and a row served over the API. Rewards of
 * a PARTNER offer that names no partner (before partners existed) are funded
 * by "PARTNER:<offerId>" and invoiced only when a partner of that id exists.
 */
package org.accrue.processor.invoicing;

import java.io.IOException;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import org.accrue.processor.jobs.ScheduledJob;
import org.accrue.processor.partners.Partners;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.money.Money;

public final class PartnerInvoicing implements ScheduledJob {
    private final DataSource ds;
    private final InstantSource clock;
    private final Path dir;

    public PartnerInvoicing(DataSource ds, InstantSource clock, Path dataDir) {
        this.ds = ds;
        this.clock = clock;
        this.dir = dataDir.resolve("files").resolve("invoices");
    }

    /** A partner's settlement invoice: one line per unit (rewards, fee, clawbacks, total), in the partner's terms. */
    public record Invoice(String invoiceId, String partnerId, String billingCurrency, int feeBps, LocalDate periodStart,
                          LocalDate periodEnd, List<MerchantInvoicing.Line> lines, String fileName, Instant createdAt) {
    }

    /** What one unit of one partner adds up to over the month, before it becomes a line. */
    private static final class Sums {
        long rewards;
        long fee;
        long clawbacks;
    }

    @Override
    public String run(RunContext run) throws IOException {
        YearMonth last = InvoiceTable.Month.before(clock).month();
        List<Invoice> made = invoice(last);
        return "invoiced " + made.size() + " partner(s) for " + last;
    }

    /** Invoices every partner with funded activity in {@code month} that has no invoice for it yet. */
    public List<Invoice> invoice(YearMonth month) throws IOException {
        Files.createDirectories(dir);
        InvoiceTable.Month m = new InvoiceTable.Month(month);
        List<Invoice> out = new ArrayList<>();
        Instant now = clock.instant();
        List<Invoice> due = Sql.inTransaction(ds, c -> {
            List<Invoice> l = new ArrayList<>();
            for (Map.Entry<Partners.Partner, Map<String, Sums>> p : activity(c, m.from(), m.to()).entrySet()) {
                Partners.Partner partner = p.getKey();
                String invoiceId = "PINV_" + partner.partnerId() + "_" + m.idPart();
                List<MerchantInvoicing.Line> lines = new ArrayList<>();
                p.getValue().forEach((unit, v) -> lines.add(MerchantInvoicing.Line.of(unit, v.rewards, v.fee, v.clawbacks)));
                l.add(new Invoice(invoiceId, partner.partnerId(), partner.billingCurrency(), partner.feeBps(),
                        m.first(), m.last(), lines, invoiceId + ".txt", now));
            }
            return l;
        });
        for (Invoice inv : due) {
            if (InvoiceTable.write(ds, InvoiceTable.Owner.PARTNER, new InvoiceTable.Stored(inv.invoiceId(), inv.partnerId(),
                    inv.periodStart(), inv.periodEnd(), inv.fileName(), render(inv), inv.createdAt()), dir)) {
                out.add(inv);
            }
        }
        return out;
    }

    /** Partner -> "KIND|unit" -> sums, from the month's ledger; funders that name no partner are left out. */
    private static Map<Partners.Partner, Map<String, Sums>> activity(Connection c, Instant from, Instant to)
            throws SQLException {
        Map<String, Partners.Partner> partners = new TreeMap<>();
        Map<Partners.Partner, Map<String, Sums>> out = new LinkedHashMap<>();
        for (RewardBook.FunderActivity a : RewardBook.partnerActivity(c, from, to)) {
            String id = a.funder().substring("PARTNER:".length());
            if (!partners.containsKey(id)) {
                partners.put(id, Partners.find(c, id).orElse(null));
            }
            Partners.Partner partner = partners.get(id);
            if (partner == null) {
                continue;
            }
            Sums v = out.computeIfAbsent(partner, k -> new TreeMap<>())
                    .computeIfAbsent(a.unit().kind().name() + "|" + a.unit().code(), k -> new Sums());
            if (a.kind() == LedgerTransaction.Kind.SEND) {
                v.rewards = Math.addExact(v.rewards, a.amount());
                v.fee = Math.addExact(v.fee, Money.divide(Math.multiplyExact(a.amount(), partner.feeBps()), 10_000,
                        RoundingMode.HALF_UP));
            } else {
                v.clawbacks = Math.addExact(v.clawbacks, a.amount());
            }
        }
        return out;
    }

    static String render(Invoice inv) {
        StringBuilder b = new StringBuilder();
        b.append("H|PARTNER_INVOICE|").append(inv.invoiceId()).append('|').append(inv.partnerId()).append('|')
                .append(inv.periodStart()).append('|').append(inv.periodEnd()).append('|').append(inv.billingCurrency())
                .append('|').append(inv.feeBps()).append('\n');
        InvoiceTable.appendLines(b, inv.lines());
        return b.toString();
    }

    /** Invoices of one partner (or all, partnerId null), newest period first; terms from the file's header. */
    public List<Invoice> list(String partnerId) {
        return InvoiceTable.list(ds, InvoiceTable.Owner.PARTNER, partnerId).stream().map(i -> {
            String[] head = i.body().substring(0, i.body().indexOf('\n')).split("\\|");
            return new Invoice(i.invoiceId(), i.ownerId(), head[6], Integer.parseInt(head[7]), i.periodStart(), i.periodEnd(),
                    InvoiceTable.parseLines(i.body()), i.fileName(), i.createdAt());
        }).toList();
    }

    /** The invoice file's text, or null. */
    public String body(String invoiceId) {
        return InvoiceTable.body(ds, InvoiceTable.Owner.PARTNER, invoiceId);
    }
}
