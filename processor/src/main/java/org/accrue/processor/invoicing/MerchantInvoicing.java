/*
 * The `merchant-invoicing` job (offers-and-rewards.md, "Money owed"): for
 * each merchant and calendar month (UTC), what the merchant owes for the
 * rewards it funds: rewards sent in the month, plus the offer's commission
 * on them (basis points, rounded half up per offer), minus clawbacks of the
 * month; one line per unit (each cash currency, each miles program). Read
 * from the ledger (SEND and CLAWBACK transactions of merchant-funded
 * rewards), so an invoice always agrees with it. One invoice per merchant and
 * month, written once (a rerun finds it and leaves it): a plain text file
 * under <data>/files/invoices and a row served over the API.
 */
package org.accrue.processor.invoicing;

import java.io.IOException;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.money.Money;

public final class MerchantInvoicing implements ScheduledJob {
    private final DataSource ds;
    private final InstantSource clock;
    private final Path dir;

    public MerchantInvoicing(DataSource ds, InstantSource clock, Path dataDir) {
        this.ds = ds;
        this.clock = clock;
        this.dir = dataDir.resolve("files").resolve("invoices");
    }

    /** One unit's line: rewards sent, commission on them, clawbacks, and the total due. */
    public record Line(String unitKind, String unit, long rewards, long commission, long clawbacks, long total) {
        /** The line of a unit ("KIND|code"): rewards plus what is charged on them, less clawbacks. */
        static Line of(String unitKey, long rewards, long charged, long clawbacks) {
            String[] u = unitKey.split("\\|");
            return new Line(u[0], u[1], rewards, charged, clawbacks, Math.subtractExact(Math.addExact(rewards, charged),
                    clawbacks));
        }
    }

    public record Invoice(String invoiceId, String merchantId, LocalDate periodStart, LocalDate periodEnd, List<Line> lines,
                          String fileName, Instant createdAt) {
    }

    @Override
    public String run(RunContext run) throws IOException {
        YearMonth last = InvoiceTable.Month.before(clock).month();
        List<Invoice> made = invoice(last);
        return "invoiced " + made.size() + " merchant(s) for " + last;
    }

    /** Invoices every merchant with funded activity in {@code month} that has no invoice for it yet. */
    public List<Invoice> invoice(YearMonth month) throws IOException {
        Files.createDirectories(dir);
        InvoiceTable.Month m = new InvoiceTable.Month(month);
        Map<String, Map<String, long[]>> byMerchant = Sql.inTransaction(ds, c -> activity(c, m.from(), m.to()));
        List<Invoice> out = new ArrayList<>();
        for (Map.Entry<String, Map<String, long[]>> e : byMerchant.entrySet()) {
            String merchantId = e.getKey();
            String invoiceId = "INV_" + merchantId + "_" + m.idPart();
            List<Line> lines = new ArrayList<>();
            for (Map.Entry<String, long[]> u : e.getValue().entrySet()) {
                long[] v = u.getValue();
                lines.add(Line.of(u.getKey(), v[0], v[1], v[2]));
            }
            Invoice inv = new Invoice(invoiceId, merchantId, m.first(), m.last(), lines, invoiceId + ".txt", clock.instant());
            if (InvoiceTable.write(ds, InvoiceTable.Owner.MERCHANT, new InvoiceTable.Stored(inv.invoiceId(), merchantId,
                    inv.periodStart(), inv.periodEnd(), inv.fileName(), render(inv), inv.createdAt()), dir)) {
                out.add(inv);
            }
        }
        return out;
    }

    /** merchant -> "KIND|unit" -> [rewards sent, commission, clawbacks], from the month's ledger. */
    private static Map<String, Map<String, long[]>> activity(Connection c, Instant from, Instant to) throws SQLException {
        Map<String, Map<String, long[]>> out = new TreeMap<>();
        Map<String, Integer> commission = commissions(c);
        for (RewardBook.FunderActivity a : RewardBook.merchantActivity(c, from, to)) {
            String merchant = a.funder().substring("MERCHANT:".length());
            String unit = a.unit().kind().name() + "|" + a.unit().code();
            long[] v = out.computeIfAbsent(merchant, k -> new LinkedHashMap<>()).computeIfAbsent(unit, k -> new long[3]);
            if (a.kind() == LedgerTransaction.Kind.SEND) {
                v[0] = Math.addExact(v[0], a.amount());
                int bps = commission.getOrDefault(a.offerId(), 0);
                v[1] = Math.addExact(v[1], Money.divide(Math.multiplyExact(a.amount(), bps), 10_000, RoundingMode.HALF_UP));
            } else {
                v[2] = Math.addExact(v[2], a.amount());
            }
        }
        return out;
    }

    /** Offer id -> commission basis points, from the catalog's JSON definitions. */
    private static Map<String, Integer> commissions(Connection c) throws SQLException {
        Map<String, Integer> out = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select offer_id, coalesce(json_value(definition, "
                + "'$.commissionBps'), 0) from offer"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getInt(2));
            }
        }
        return out;
    }

    static String render(Invoice inv) {
        StringBuilder b = new StringBuilder();
        b.append("H|INVOICE|").append(inv.invoiceId()).append('|').append(inv.merchantId()).append('|')
                .append(inv.periodStart()).append('|').append(inv.periodEnd()).append('\n');
        InvoiceTable.appendLines(b, inv.lines());
        return b.toString();
    }

    /** Invoices of one merchant (or all, merchantId null), newest period first. */
    public List<Invoice> list(String merchantId) {
        return InvoiceTable.list(ds, InvoiceTable.Owner.MERCHANT, merchantId).stream().map(i -> new Invoice(i.invoiceId(),
                i.ownerId(), i.periodStart(), i.periodEnd(), InvoiceTable.parseLines(i.body()), i.fileName(), i.createdAt()))
                .toList();
    }

    /** The invoice file's text, or null. */
    public String body(String invoiceId) {
        return InvoiceTable.body(ds, InvoiceTable.Owner.MERCHANT, invoiceId);
    }
}
