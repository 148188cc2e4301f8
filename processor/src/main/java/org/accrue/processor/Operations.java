/*
 * The back office of a node: the services behind the scheduled jobs
 * (posting, statement files, miles, points and tiers, invoicing) and the
 * job table by name. Built only by Processor (the one wiring point): a
 * serving node's Quartz runs the jobs, and `accrue jobs run NAME` runs one on
 * an offline node and exits.
 */
package org.accrue.processor;

import java.time.Duration;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.sql.DataSource;

import org.accrue.config.AccrueConfig;
import org.accrue.config.JobName;
import org.accrue.processor.invoicing.MerchantInvoicing;
import org.accrue.processor.jobs.ScheduledJob;
import org.accrue.processor.miles.AirlinePartner;
import org.accrue.processor.miles.MilesAccrual;
import org.accrue.processor.miles.PartnerSettings;
import org.accrue.processor.points.Points;
import org.accrue.processor.points.Tiers;
import org.accrue.processor.posting.Posting;
import org.accrue.processor.statements.StatementFiles;
import org.accrue.processor.statements.Statements;

public final class Operations implements AutoCloseable {
    private final Posting posting;
    private final StatementFiles files;
    private final Map<String, AirlinePartner> partners;
    private final MilesAccrual miles;
    private final Points points;
    private final Tiers tiers;
    private final MerchantInvoicing invoicing;
    private final Statements statements;
    private final org.accrue.processor.confirmations.ConfirmationImports imports;
    private final org.accrue.processor.confirmations.Reconciliation reconciliation;
    private final org.accrue.processor.confirmations.ExceptionsQueue exceptions;
    private final org.accrue.processor.webhooks.SecretBox webhookSecrets;
    private final org.accrue.processor.webhooks.WebhookEndpoints webhooks;
    private final org.accrue.processor.coalition.Coalitions coalitions;

    private final Programs programs;

    Operations(AccrueConfig config, DataSource ds, InstantSource clock, org.accrue.processor.catalog.Catalog catalog) {
        this.programs = Programs.build(ds, clock, catalog, config.dataDir());
        this.posting = new Posting(ds, clock, config.issuers(), config.jobs().postingBatchSizeMax(),
                config.jobs().postingWorkers());
        this.files = new StatementFiles(ds, clock, config.issuers(), config.pgp(),
                config.dataDir().resolve("files").resolve("outbound"));
        Map<String, AirlinePartner> p = new LinkedHashMap<>();
        for (AccrueConfig.Airline a : config.airlines().values()) {
            p.put(a.program(), new AirlinePartner(new PartnerSettings(a.program(), java.net.URI.create(a.baseUrl()),
                    a.apiKey(), a.timeoutMs(), a.attemptsMax(), a.backoffInitialMs(), a.backoffMaxMs(), a.retryAfterMaxMs(),
                    a.breakerFailures(), a.breakerCoolOffMs()), clock, d -> Thread.sleep(d)));
        }
        this.partners = Map.copyOf(p);
        this.miles = new MilesAccrual(ds, clock, partners);
        this.points = new Points(ds, clock, new org.accrue.processor.points.PointsPrograms(ds, clock, config.points(),
                config.airlines(), config.issuers().keySet()));
        this.coalitions = new org.accrue.processor.coalition.Coalitions(ds, clock, points.programs());
        this.tiers = new Tiers(ds, clock, config.rewards().tierCurrency(), config.rewards().tierThresholds());
        this.invoicing = new MerchantInvoicing(ds, clock, config.dataDir());
        this.statements = new Statements(ds);
        this.imports = new org.accrue.processor.confirmations.ConfirmationImports(ds, clock, config.issuers(), config.pgp(),
                config.dataDir(), config.reconciliation().applyParts());
        this.reconciliation = new org.accrue.processor.confirmations.Reconciliation(ds, clock, config.issuers(), imports);
        this.exceptions = new org.accrue.processor.confirmations.ExceptionsQueue(ds, clock, config.exceptions().writeOffApprovalMinor());
        this.webhookSecrets = new org.accrue.processor.webhooks.SecretBox(config.panKeys().currentVersion(),
                config.panKeys().keys());
        this.webhooks = new org.accrue.processor.webhooks.WebhookEndpoints(ds, clock, webhookSecrets,
                config.webhooks().allowLocalHttp());
    }

    /** Every job this build has: what each JobName runs. */
    public Map<JobName, ScheduledJob> jobs() {
        Map<JobName, ScheduledJob> m = new EnumMap<>(JobName.class);
        for (JobName job : JobName.values()) {
            m.put(job, switch (job) { // a new JobName fails to compile here until it is given its work
                case POSTING -> posting;
                case STATEMENT_FILE -> files;
                case MILES_ACCRUAL -> miles;
                case EXPIRY -> points.expiryJob();
                case TIERS -> tiers;
                case MERCHANT_INVOICING -> invoicing;
                case RECONCILIATION -> reconciliation;
                case WIN_BACK -> programs.winBackJob();
                case PARTNER_INVOICING -> programs.partnerInvoicing();
            });
        }
        return m;
    }

    public Posting posting() { return posting; }
    public StatementFiles files() { return files; }
    public MilesAccrual miles() { return miles; }
    public Map<String, AirlinePartner> partners() { return partners; }
    public Points points() { return points; }
    public org.accrue.processor.coalition.Coalitions coalitions() { return coalitions; }
    public Tiers tiers() { return tiers; }
    public MerchantInvoicing invoicing() { return invoicing; }
    public Statements statements() { return statements; }
    public Programs programs() { return programs; }
    public org.accrue.processor.confirmations.ConfirmationImports imports() { return imports; }
    public org.accrue.processor.confirmations.Reconciliation reconciliation() { return reconciliation; }
    public org.accrue.processor.confirmations.ExceptionsQueue exceptions() { return exceptions; }
    public org.accrue.processor.webhooks.WebhookEndpoints webhooks() { return webhooks; }
    public org.accrue.processor.webhooks.SecretBox webhookSecrets() { return webhookSecrets; }

    /** How long a job may run before a waiting caller (tests, demo) gives up on it. */
    public static final Duration RUN_WAIT_MAX = Duration.ofMinutes(5);

    @Override
    public void close() {
        for (AirlinePartner a : partners.values()) {
            a.close();
        }
    }
}
