/*
 * What the cardholder sees on a month's statement (http-api.md,
 * GET /cards/{id}/statement?month=): the statement credits and debits that
 * went to the issuer in a file that month, with their statement text, and the
 * miles the airline credited (or reversed) that month; with the month's
 * totals per currency and in miles. Credits netted to nothing against a
 * clawback show as netted lines with amount 0, so the cardholder can see why.
 */
package org.accrue.processor.statements;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import org.accrue.processor.store.Sql;

public final class Statements {
    private final DataSource ds;

    public Statements(DataSource ds) {
        this.ds = ds;
    }

    public record CashLine(String creditId, String kind, String statementText, long amount, long netted, String currency,
                           String offerId, LocalDate purchaseDate, Instant date, String fileId) {
    }

    public record MilesLine(String accrualId, String kind, String program, long miles, String description, Instant date,
                            String confirmation) {
    }

    public record Statement(long cardId, YearMonth month, List<CashLine> cash, List<MilesLine> miles,
                            Map<String, Long> cashTotals, Map<String, Long> milesTotals) {
    }

    public Statement of(long cardId, YearMonth month) {
        Instant from = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant to = month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        return Sql.inTransaction(ds, c -> {
            List<CashLine> cash = new ArrayList<>();
            Map<String, Long> cashTotals = new TreeMap<>();
            String columns = "select s.credit_id, s.kind, s.statement_text, s.amount, s.netted, s.currency, s.offer_id, "
                    + "s.purchase_date, ";
            // A card's credits through its cash rewards (statement_credit has no card index: StatementCredits.OF_CARD)
            try (PreparedStatement ps = c.prepareStatement(columns + "f.created_at, f.file_id "
                    + StatementCredits.OF_CARD + "join statement_file f on " + StatementCredits.FILE_OF_CREDIT + " "
                    + "where r.card_id = ? and r.unit_kind = 'CASH' and s.status = 'TO_FILE' and f.created_at >= ? "
                    + "and f.created_at < ? union all " + columns + "s.created_at, null " + StatementCredits.OF_CARD
                    + "where r.card_id = ? and r.unit_kind = 'CASH' and s.status = 'NETTED' and s.created_at >= ? "
                    + "and s.created_at < ? order by 9, 1")) {
                ps.setLong(1, cardId);
                ps.setTimestamp(2, Sql.ts(from));
                ps.setTimestamp(3, Sql.ts(to));
                ps.setLong(4, cardId);
                ps.setTimestamp(5, Sql.ts(from));
                ps.setTimestamp(6, Sql.ts(to));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        CashLine l = new CashLine(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                                rs.getLong(5), rs.getString(6), rs.getString(7), rs.getObject(8, LocalDate.class),
                                Sql.instant(rs, 9), rs.getString(10));
                        cash.add(l);
                        cashTotals.merge(l.currency(), l.amount(), Math::addExact);
                    }
                }
            }
            List<MilesLine> miles = new ArrayList<>();
            Map<String, Long> milesTotals = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement("select accrual_id, reversal_no, program, miles, description, "
                    + "updated_at, confirmation from miles_accrual where card_id = ? and status = 'POSTED' and updated_at >= ? "
                    + "and updated_at < ? order by updated_at, accrual_id, reversal_no")) {
                ps.setLong(1, cardId);
                ps.setTimestamp(2, Sql.ts(from));
                ps.setTimestamp(3, Sql.ts(to));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        boolean reversal = rs.getInt(2) > 0;
                        long m = reversal ? -rs.getLong(4) : rs.getLong(4);
                        MilesLine l = new MilesLine(rs.getString(1) + (reversal ? "-R" + rs.getInt(2) : ""),
                                reversal ? "REVERSAL" : "ACCRUAL", rs.getString(3), m, rs.getString(5), Sql.instant(rs, 6),
                                rs.getString(7));
                        miles.add(l);
                        milesTotals.merge(l.program(), m, Math::addExact);
                    }
                }
            }
            return new Statement(cardId, month, cash, miles, cashTotals, milesTotals);
        });
    }
}
