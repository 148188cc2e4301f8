/*
 * The `reconciliation` job: imports what issuers dropped in their inbound
 * directories, then raises every credit filed longer ago than its issuer's
 * confirmation window and still unconfirmed as MISSING, one exception each
 * (a confirmation that comes later makes it LATE and resolves the
 * exception). Set-wise and idempotent: a credit is raised MISSING once.
 */
package org.accrue.processor.recon;

import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.jobs.ScheduledJob;
import org.accrue.processor.store.Sql;

public final class Reconciliation implements ScheduledJob {
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
        List<ConfirmationImports.Import> inbox = imports.sweepInboxes();
        Map<String, Integer> missing = raiseMissing();
        return "imported " + inbox.size() + " file(s) from inboxes " + inbox.stream()
                .map(i -> i.importId() + "=" + i.status()).toList() + "; newly MISSING by issuer " + missing;
    }

    /** Marks unconfirmed credits past their issuer's window MISSING and raises them; returns how many per issuer. */
    public Map<String, Integer> raiseMissing() {
        Map<String, Integer> out = new TreeMap<>();
        for (AccrueConfig.Issuer issuer : issuers.values()) {
            Instant now = clock.instant();
            Instant cutoff = now.minus(Duration.ofDays(issuer.confirmationWindowDays()));
            int n = Sql.inTransaction(ds, c -> {
                try (PreparedStatement raise = c.prepareStatement("insert ignore into processing_exception (id, type, "
                        + "fingerprint, message_key, issuer_id, card_id, last4, amount_minor, currency, detail, status, created_at, "
                        + "credit_id, reward_id) select next value for processing_exception_seq, 'RECON_MISSING', s.credit_id, null, "
                        + "s.issuer_id, s.card_id, s.last4, s.amount, s.currency, concat('credit ', s.credit_id, ' in file ', "
                        + "s.file_id, ' was not confirmed within ', ?, ' day(s)'), 'OPEN', ?, s.credit_id, s.reward_id "
                        + "from statement_credit s where s.issuer_id = ? and s.status = 'FILED' and s.outcome is null "
                        + "and s.filed_at <= ?");
                     PreparedStatement mark = c.prepareStatement("update statement_credit set outcome = 'MISSING', "
                             + "reconciled_at = ? where issuer_id = ? and status = 'FILED' and outcome is null and filed_at <= ?")) {
                    raise.setInt(1, issuer.confirmationWindowDays());
                    raise.setTimestamp(2, Sql.ts(now));
                    raise.setString(3, issuer.id());
                    raise.setTimestamp(4, Sql.ts(cutoff));
                    raise.executeUpdate();
                    mark.setTimestamp(1, Sql.ts(now));
                    mark.setString(2, issuer.id());
                    mark.setTimestamp(3, Sql.ts(cutoff));
                    return mark.executeUpdate();
                }
            });
            out.put(issuer.id(), n);
        }
        return out;
    }
}
