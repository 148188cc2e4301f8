/*
 * The store side of invoices, said once for merchant_invoice and
 * partner_invoice (same columns, the owner's id column aside): written once
 * (insert ignore on the invoice id and the owner's period), listed newest
 * period first, the file's text read back, and the L and T records every
 * invoice file ends with.
 */
package org.accrue.processor.invoicing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.accrue.processor.store.Sql;

final class InvoiceTable {
    /** Invoices one list reads at the most. */
    static final int LIST_ROWS_MAX = 500;

    /** A calendar month invoiced (UTC): its days, its bounds as instants, and its part of invoice ids (202611). */
    record Month(java.time.YearMonth month) {
        /** The month before the clock's. */
        static Month before(java.time.InstantSource clock) {
            return new Month(java.time.YearMonth.from(java.time.LocalDate.ofInstant(clock.instant(), java.time.ZoneOffset.UTC))
                    .minusMonths(1));
        }

        java.time.Instant from() {
            return month.atDay(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
        }

        java.time.Instant to() {
            return month.plusMonths(1).atDay(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
        }

        java.time.LocalDate first() {
            return month.atDay(1);
        }

        java.time.LocalDate last() {
            return month.atEndOfMonth();
        }

        String idPart() {
            return month.toString().replace("-", "");
        }
    }

    enum Owner {
        MERCHANT("merchant_invoice", "merchant_id"), PARTNER("partner_invoice", "partner_id");

        private final String table;
        private final String column;

        Owner(String table, String column) {
            this.table = table;
            this.column = column;
        }
    }

    /** An invoice as stored: its owner (merchant or partner id), period, file name and text. */
    record Stored(String invoiceId, String ownerId, LocalDate periodStart, LocalDate periodEnd, String fileName, String body,
                  Instant createdAt) {
    }

    private InvoiceTable() {
    }

    /** Stores the invoice unless it is there; when it was new, writes its file whole under {@code dir}. */
    static boolean write(DataSource ds, Owner owner, Stored s, Path dir) throws IOException {
        boolean created = Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("insert ignore into " + owner.table + " (invoice_id, " + owner.column
                    + ", period_start, period_end, file_name, body, created_at) values (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, s.invoiceId());
                ps.setString(2, s.ownerId());
                ps.setObject(3, s.periodStart());
                ps.setObject(4, s.periodEnd());
                ps.setString(5, s.fileName());
                ps.setString(6, s.body());
                ps.setTimestamp(7, Sql.ts(s.createdAt()));
                return ps.executeUpdate() == 1;
            }
        });
        if (created) {
            Path tmp = dir.resolve("." + s.fileName() + ".tmp");
            Files.writeString(tmp, s.body(), StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve(s.fileName()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return created;
    }

    /** Invoices of one owner (or all, ownerId null), newest period first. */
    static List<Stored> list(DataSource ds, Owner owner, String ownerId) {
        return Sql.inTransaction(ds, c -> {
            List<Stored> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select invoice_id, " + owner.column + ", period_start, period_end, "
                    + "file_name, body, created_at from " + owner.table + (ownerId == null ? "" : " where " + owner.column
                    + " = ?") + " order by period_start desc, " + owner.column + " limit " + LIST_ROWS_MAX)) {
                if (ownerId != null) {
                    ps.setString(1, ownerId);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Stored(rs.getString(1), rs.getString(2), rs.getObject(3, LocalDate.class),
                                rs.getObject(4, LocalDate.class), rs.getString(5), rs.getString(6), Sql.instant(rs, 7)));
                    }
                }
            }
            return out;
        });
    }

    /** The invoice file's text, or null. */
    static String body(DataSource ds, Owner owner, String invoiceId) {
        return Sql.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("select body from " + owner.table + " where invoice_id = ?")) {
                ps.setString(1, invoiceId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    /** The L records of the lines and the T record, after a header the caller wrote. */
    static void appendLines(StringBuilder b, List<MerchantInvoicing.Line> lines) {
        for (MerchantInvoicing.Line l : lines) {
            b.append("L|").append(l.unitKind()).append('|').append(l.unit()).append('|').append(l.rewards()).append('|')
                    .append(l.commission()).append('|').append(l.clawbacks()).append('|').append(l.total()).append('\n');
        }
        b.append("T|").append(lines.size()).append('\n');
    }

    /** The lines of a stored invoice, read back from its file's L records. */
    static List<MerchantInvoicing.Line> parseLines(String body) {
        List<MerchantInvoicing.Line> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("L|")) {
                String[] f = line.split("\\|");
                out.add(new MerchantInvoicing.Line(f[1], f[2], Long.parseLong(f[3]), Long.parseLong(f[4]),
                        Long.parseLong(f[5]), Long.parseLong(f[6])));
            }
        }
        return out;
    }
}
