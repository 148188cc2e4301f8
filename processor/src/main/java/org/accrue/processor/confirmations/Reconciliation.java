/*
 * The `reconciliation` job: finishes imports a stopped node left unfinished,
 * imports what issuers dropped in their inbound directories, then checks each statement file older than its issuer's
 * confirmation window, once: every credit in it still unconfirmed becomes
 * MISSING, one exception each (a confirmation that comes later makes it LATE
 * and resolves the exception). Set-wise and idempotent: a file is checked
 * once (missing_checked_at, under a row lock), a credit raised MISSING once.
 */
package org.accrue.processor.confirmations;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.jobs.ScheduledJob;
import org.accrue.processor.statements.StatementCredits;
import org.accrue.processor.store.Sql;

public final class Reconciliation implements ScheduledJob {
    /** An import still RECEIVED this long after it came in was left unfinished by a node that stopped: resumed. */
    static final Duration UNFINISHED_AFTER = Duration.ofMinutes(10);

    private final DataSource ds;
    private final InstantSource clock;
    private final Map<String, AccrueConfig.Issuer> issuers;
    private final ConfirmationImports imports;

    public Reconciliation(DataSource ds, InstantSource clock, Map<String, AccrueConfig.Issuer> issuers,
                          ConfirmationImports imports) {
        this.ds = ds;
        this.clock = clock;
        this.issuers = new TreeMap<>(issuers);
        this.imports = imports;
    }

    @Override
    public String run(RunContext run) throws Exception {
        List<ConfirmationImports.Import> inbox = new ArrayList<>(imports.resumeUnfinished(UNFINISHED_AFTER));
        inbox.addAll(imports.sweepInboxes());
        Map<String, Integer> missing = raiseMissing();
        return "imported " + inbox.size() + " file(s) (unfinished imports, then inboxes) " + inbox.stream()
                .map(i -> i.importId() + "=" + i.status()).toList() + "; newly MISSING by issuer " + missing;
    }

    /**
     * Checks each statement file that has passed its issuer's confirmation window, once: its credits with no
     * outcome yet become MISSING, one exception each. Returns how many per issuer.
     */
    public Map<String, Integer> raiseMissing() {
        Map<String, Integer> out = new TreeMap<>();
        for (AccrueConfig.Issuer issuer : issuers.values()) {
            Instant now = clock.instant();
            Instant cutoff = now.minus(Duration.ofDays(issuer.confirmationWindowDays()));
            List<String> files = Sql.inTransaction(ds, c -> {
                List<String> ids = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("select file_id from statement_file where issuer_id = ? "
                        + "and missing_checked_at is null and created_at <= ? order by created_at")) {
                    ps.setString(1, issuer.id());
                    ps.setTimestamp(2, Sql.ts(cutoff));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getString(1));
                        }
                    }
                }
                return ids;
            });
            int n = 0;
            for (String fileId : files) {
                n += Sql.inTransaction(ds, c -> missing(c, issuer, fileId, now));
            }
            out.put(issuer.id(), n);
        }
        return out;
    }

    /** One file's unconfirmed credits MISSING, and the file checked, in one transaction. */
    private static int missing(Connection c, AccrueConfig.Issuer issuer, String fileId, Instant now) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement("select missing_checked_at from statement_file where file_id = ? "
                + "for update")) {
            lock.setString(1, fileId);
            try (ResultSet rs = lock.executeQuery()) {
                if (!rs.next() || rs.getTimestamp(1) != null) {
                    return 0; // another node checked it meanwhile
                }
            }
        }
        // The file's credits that were sent and have no outcome yet.
        String unconfirmed = " from statement_file f join statement_credit s on " + StatementCredits.FILE_OF_CREDIT
                + " left join credit_reconciliation r on r.credit_id = s.credit_id "
                + "where s.issuer_id = ? and f.file_id = ? and s.status = 'TO_FILE' and r.credit_id is null";
        try (PreparedStatement raise = c.prepareStatement("insert ignore into processing_exception (id, type, "
                + "fingerprint, message_key, issuer_id, card_id, last4, amount_minor, currency, detail, status, created_at, "
                + "credit_id, reward_id) select next value for processing_exception_seq, '"
                + org.accrue.processor.exceptions.Exceptions.Type.RECON_MISSING.name() + "', s.credit_id, null, "
                + "s.issuer_id, s.card_id, s.last4, s.amount, s.currency, concat('credit ', s.credit_id, ' in file ', "
                + "f.file_id, ' was not confirmed within ', ?, ' day(s)'), 'OPEN', ?, s.credit_id, s.reward_id" + unconfirmed);
             PreparedStatement mark = c.prepareStatement("insert into credit_reconciliation (credit_id, outcome, "
                     + "reconciled_at) select s.credit_id, 'MISSING', ?" + unconfirmed);
             PreparedStatement checked = c.prepareStatement("update statement_file set missing_checked_at = ? "
                     + "where file_id = ?")) {
            raise.setInt(1, issuer.confirmationWindowDays());
            raise.setTimestamp(2, Sql.ts(now));
            raise.setString(3, issuer.id());
            raise.setString(4, fileId);
            raise.executeUpdate();
            mark.setTimestamp(1, Sql.ts(now));
            mark.setString(2, issuer.id());
            mark.setString(3, fileId);
            int n = mark.executeUpdate();
            checked.setTimestamp(1, Sql.ts(now));
            checked.setString(2, fileId);
            checked.executeUpdate();
            return n;
        }
    }
}
