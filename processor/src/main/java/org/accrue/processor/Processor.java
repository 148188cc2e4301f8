/*
 * One processor node: the store, the journal (group commit), the ISO 8583
 * listener and the HTTP API, started in that order and stopped in reverse.
 * Stopping first closes the listener (no new messages), then lets the journal
 * answer what it holds, then closes the store.
 *
 * The one wiring point (ARCHITECTURE.md): `serve`, every CLI command, the
 * demo, the bench and the tests build their node here, through builder();
 * the services (enrollment, catalog, matcher, jobs, Operations) are
 * constructed nowhere else. A command asks for the parts it needs off
 * (offline(): no listener, API, matcher or scheduler) instead of wiring a
 * store and services of its own.
 */
package org.accrue.processor;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.cards.CardEntity;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.http.ApiKeys;
import org.accrue.processor.http.ApiServer;
import org.accrue.processor.intake.CardMessageEntity;
import org.accrue.processor.intake.IntakeStats;
import org.accrue.processor.intake.MessageJournal;
import org.accrue.processor.intake.ProcessingExceptionEntity;
import org.accrue.processor.listener.IsoListener;
import org.accrue.processor.store.EmbeddedMariaDb;
import org.accrue.processor.store.Store;
import org.accrue.rewards.enrollment.PanTokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

public final class Processor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Processor.class);

    /** Every Hibernate entity of the processor; the store validates their mapping against the schema. */
    public static final List<Class<?>> ENTITIES = List.of(CardEntity.class, CardMessageEntity.class,
            ProcessingExceptionEntity.class, org.accrue.processor.catalog.MerchantEntity.class,
            org.accrue.processor.catalog.MerchantMidEntity.class, org.accrue.processor.catalog.OfferEntity.class);

    private final AccrueConfig config;
    private final Store store;
    private final IntakeStats stats;
    private final MessageJournal journal;
    private final org.accrue.processor.matcher.MatchPace pace;
    private final Enrollment enrollment;
    private final org.accrue.processor.catalog.Catalog catalog;
    private final org.accrue.processor.matcher.RewardMatcher matcher;
    private final Operations operations;
    private final org.accrue.processor.webhooks.WebhookDispatcher webhookDispatcher;
    private final org.accrue.processor.matcher.RewardQueries rewardQueries;
    private final org.accrue.processor.rewardbook.RewardBook rewardBook;
    private final org.accrue.processor.audit.AuditLog audit;
    private final org.accrue.processor.jobs.Jobs jobs;
    private final IsoListener listener;
    private final ApiServer api;
    private final List<AutoCloseable> closeInOrder = new ArrayList<>();

    private Processor(Builder parts, Store store) {
        AccrueConfig config = parts.config;
        InstantSource clock = parts.clock;
        this.config = config;
        this.store = store;
        PanTokenizer tokenizer = new PanTokenizer(config.panKeys().currentVersion(), config.panKeys().keys());
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.stats = new IntakeStats();
        stats.bindTo(metrics);
        this.enrollment = new Enrollment(store.sessionFactory(), tokenizer, clock);
        this.catalog = new org.accrue.processor.catalog.Catalog(store.sessionFactory(), clock, ApiServer.newJsonMapper());
        var matcherRef = new java.util.concurrent.atomic.AtomicReference<org.accrue.processor.matcher.RewardMatcher>();
        this.pace = new org.accrue.processor.matcher.MatchPace(config.pace(), stats::stored, () -> {
            var m = matcherRef.get();
            return m == null ? 0 : m.matched() + m.quarantined();
        }, limit -> countQueue(store, limit), System::nanoTime);
        this.journal = new MessageJournal(store.sessionFactory(), tokenizer, clock, stats,
                config.journal().batchSizeMax(), config.journal().queueCapacity(), config.journal().writers(),
                java.time.Duration.ofMillis(config.journal().commitDeadlineMs()), pace::awaitMatcher);
        metrics.gauge("accrue.journal.queued", journal, MessageJournal::queued);
        metrics.gauge("accrue.store.up", journal, j -> j.storeUp() ? 1 : 0);
        this.matcher = parts.matcher && config.rewards().matcherEnabled()
                ? new org.accrue.processor.matcher.RewardMatcher(store.sessionFactory(), catalog, clock,
                java.time.Duration.ofDays(config.rewards().clearingWindowDays()), config.rewards().tierCurrency(),
                config.rewards().tierThresholds(), config.rewards().matcherWorkers()).pacedBy(pace).start()
                : null;
        matcherRef.set(matcher);
        metrics.gauge("accrue.rewards.matcher.yielding", pace, org.accrue.processor.matcher.MatchPace::yielding);
        metrics.gauge("accrue.rewards.backlog.estimate", pace, org.accrue.processor.matcher.MatchPace::backlogEstimate);
        metrics.gauge("accrue.journal.pacing", pace, org.accrue.processor.matcher.MatchPace::pacing);
        metrics.more().counter("accrue.journal.paced.batches", List.of(), pace,
                org.accrue.processor.matcher.MatchPace::waits);
        if (matcher != null) {
            metrics.more().counter("accrue.rewards.messages.matched", List.of(), matcher,
                    org.accrue.processor.matcher.RewardMatcher::matched);
            // Messages that failed matching alone RewardMatcher.FAILURES_MAX times and left the queue for ops.
            metrics.more().counter("accrue.rewards.messages.quarantined", List.of(), matcher,
                    org.accrue.processor.matcher.RewardMatcher::quarantined);
        }
        this.rewardBook = new org.accrue.processor.rewardbook.RewardBook(store.dataSource());
        this.audit = new org.accrue.processor.audit.AuditLog(store.dataSource());
        this.rewardQueries = new org.accrue.processor.matcher.RewardQueries(store.sessionFactory(), rewardBook);
        this.operations = new Operations(config, store.dataSource(), clock, catalog);
        if (matcher != null) {
            matcher.earningFrom(operations.points().programs()); // a program created here earns from the next batch
        }
        try {
            this.jobs = parts.scheduler && config.jobs().enabled()
                    ? org.accrue.processor.jobs.Jobs.start(store.dataSource(), clock, config.jobs(), operations.jobs())
                    : org.accrue.processor.jobs.Jobs.manual(store.dataSource(), clock, operations.jobs(), config.jobs().crons());
        } catch (RuntimeException e) {
            if (matcher != null) {
                matcher.close();
            }
            journal.close();
            operations.close();
            throw e;
        }
        try {
            this.listener = parts.listener && config.iso().enabled()
                    ? IsoListener.start(config, resolvePort(config.iso().port()), journal) : null;
            var activations = new org.accrue.processor.matcher.Activations(store.sessionFactory(), clock);
            this.api = parts.http && config.http().enabled()
                    ? new ApiServer(config.http().bindAddress(), config.http().port(), new ApiKeys(config.apiKeys()),
                    enrollment, catalog, rewardQueries, activations, stats, this::health,
                    metrics, new org.accrue.processor.http.OperationsRoutes.Services(jobs, operations.statements(),
                    operations.points(), operations.invoicing(), operations.files(), operations.miles(), operations.imports(),
                    operations.exceptions(), rewardBook, operations.webhooks(), operations.coalitions(),
                    operations.tiers().programs(), operations.programs()),
                    new org.accrue.processor.http.CardholderRoutes.Services(new org.accrue.processor.cardholder.Cardholder(
                            store.dataSource(), catalog, activations, rewardQueries, rewardBook, operations.points(), clock,
                            config.issuers()),
                            new org.accrue.processor.cardholder.PageLinks(config.panKeys().currentVersion(), config.panKeys().keys()),
                            config.issuers(), operations.tiers().programs()), audit, clock) : null;
        } catch (RuntimeException e) {
            jobs.close();
            if (matcher != null) {
                matcher.close();
            }
            journal.close();
            operations.close();
            throw e;
        }
        // Every node sends webhooks; the store shares the deliveries out (row locks, leases).
        this.webhookDispatcher = parts.scheduler && config.webhooks().enabled()
                ? new org.accrue.processor.webhooks.WebhookDispatcher(store.dataSource(), clock, operations.webhookSecrets(),
                new org.accrue.processor.webhooks.WebhookDispatcher.Settings(
                        java.time.Duration.ofMillis(config.webhooks().timeoutMs()), config.webhooks().senders(),
                        java.time.Duration.ofMillis(config.webhooks().pollMs()),
                        new org.accrue.processor.webhooks.RetrySchedule(config.webhooks().retryDelaysMs().stream()
                                .map(java.time.Duration::ofMillis).toList(),
                                java.time.Duration.ofSeconds(config.webhooks().retryPeriodSeconds())))).start()
                : null;
        if (webhookDispatcher != null) {
            webhookDispatcher.bindTo(metrics);
        }
        if (api != null) {
            closeInOrder.add(api);
            // Uploads this node took and left RECEIVED when it stopped are applied again now, not at the next
            // reconciliation run (which only takes those older than 10 minutes).
            operations.imports().resumeInBackground();
        }
        if (listener != null) {
            listener.bindTo(metrics);
            closeInOrder.add(listener);
        }
        closeInOrder.add(jobs);
        if (webhookDispatcher != null) {
            closeInOrder.add(webhookDispatcher);
        }
        closeInOrder.add(journal);
        if (matcher != null) {
            closeInOrder.add(matcher);
        }
        closeInOrder.add(operations);
        // Read at each scrape: ops alert on a queue that grows.
        metrics.gauge("accrue.exceptions.open", operations.exceptions(),
                q -> q.openByType().values().stream().mapToLong(Long::longValue).sum());
        for (var partner : operations.partners().entrySet()) {
            metrics.gauge("accrue.airline.circuit.open", List.of(io.micrometer.core.instrument.Tag.of("program", partner.getKey())),
                    partner.getValue(), a -> a.circuit().open() ? 1 : 0);
        }
    }

    /** A node to build on {@code config}: every part as configured until the builder turns one off. */
    public static Builder builder(AccrueConfig config) {
        return new Builder(config);
    }

    /**
     * The parts of a node to start. A part turned off here stays off whatever the configuration says; one left on
     * runs when its accrue.*.enabled key says so (an operator's intake-only node keeps its matcher off).
     */
    public static final class Builder {
        private final AccrueConfig config;
        private InstantSource clock = InstantSource.system();
        private Store store; // null: the node opens the configured one
        private boolean listener = true;
        private boolean http = true;
        private boolean matcher = true;
        private boolean scheduler = true;

        private Builder(AccrueConfig config) {
            this.config = java.util.Objects.requireNonNull(config, "config");
        }

        public Builder clock(InstantSource clock) {
            this.clock = java.util.Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** A store already open (tests give each class a database on one shared server); the node closes it. */
        public Builder store(Store store) {
            this.store = java.util.Objects.requireNonNull(store, "store");
            return this;
        }

        /** The ISO 8583 listener (accrue.iso.enabled). */
        public Builder listener(boolean on) {
            this.listener = on;
            return this;
        }

        /** The HTTP API and console (accrue.http.enabled). */
        public Builder http(boolean on) {
            this.http = on;
            return this;
        }

        /** The reward matcher's workers (accrue.rewards.matcher.enabled). */
        public Builder matcher(boolean on) {
            this.matcher = on;
            return this;
        }

        /** The clustered Quartz scheduler (accrue.jobs.enabled); off, jobs run only when asked (Jobs.runHere). */
        public Builder scheduler(boolean on) {
            this.scheduler = on;
            return this;
        }

        /**
         * A node for a command or a check: the store and the services, nothing that serves or works on its own
         * (no listener, API, matcher or scheduler), so it neither takes a port nor competes with the cluster.
         */
        public Builder offline() {
            return listener(false).http(false).matcher(false).scheduler(false);
        }

        /** Opens the store (unless given one) and starts the parts; on failure closes what it opened. */
        public Processor start() {
            Store s = store != null ? store : Store.open(config, ENTITIES);
            try {
                Processor p = new Processor(this, s);
                log.info("Accrue processor up: ISO 8583 on {}, HTTP on {}, store {}",
                        p.isoPort(), p.httpPort(), config.store().mode().name().toLowerCase());
                return p;
            } catch (RuntimeException e) {
                s.close();
                throw e;
            }
        }
    }

    private Map<String, Boolean> health() {
        Map<String, Boolean> m = new LinkedHashMap<>();
        m.put("store", journal.storeUp()); // the journal's probe: never waits on a store that hangs
        if (store.embedded() != null) { // down while the node starts its server again, or after it gave up
            m.put("store:embedded", store.embedded().state() == EmbeddedMariaDb.State.RUNNING);
        }
        m.put("listener", listener == null || listener.isRunning());
        m.put("matcher", matcher == null || matcher.isRunning());
        m.put("scheduler", jobs.isRunning());
        operations.partners().forEach((program, a) -> m.put("airline:" + program, !a.circuit().open()));
        return m;
    }

    public int isoPort() {
        return listener == null ? -1 : listener.port();
    }

    /** The HTTP API's routes, "METHOD /path" under /api/v1 (empty when the API is off). */
    public List<String> apiRoutes() {
        return api == null ? List.of() : api.routes();
    }

    public int httpPort() {
        return api == null ? -1 : api.port();
    }

    /** Where the listener hands card messages (tests drive it directly, without a socket). */
    public org.accrue.iso8583.CardMessageHandler intake() {
        return journal;
    }

    public Store store() {
        return store;
    }

    public Enrollment enrollment() {
        return enrollment;
    }

    public org.accrue.processor.catalog.Catalog catalog() {
        return catalog;
    }

    /** match_queue's rows, counted up to {@code limit} (a bounded scan: never the whole of a huge backlog). */
    private static long countQueue(Store store, long limit) {
        try (java.sql.Connection c = store.dataSource().getConnection();
             java.sql.PreparedStatement ps = c.prepareStatement("select count(*) from (select 1 from match_queue limit ?) q")) {
            ps.setLong(1, limit);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("counting the match queue: " + e.getMessage(), e);
        }
    }

    /** The reward matcher, or null when accrue.rewards.matcher.enabled=false. */
    public org.accrue.processor.matcher.RewardMatcher matcher() {
        return matcher;
    }

    /** The scheduled jobs: run one now, wait for it, list runs. */
    public org.accrue.processor.jobs.Jobs jobs() {
        return jobs;
    }

    /** The rewards and their ledger, as the API, the console and the demo read them. */
    /** The audit log (its export: the API's GET /audit and `accrue audit export`). */
    public org.accrue.processor.audit.AuditLog audit() {
        return audit;
    }

    public org.accrue.processor.rewardbook.RewardBook rewardBook() {
        return rewardBook;
    }

    /** A card's rewards and purchases as the API answers them; every purchase's outcome. */
    public org.accrue.processor.matcher.RewardQueries rewardQueries() {
        return rewardQueries;
    }

    /** This node's webhook dispatcher, or null when it sends none (offline, accrue.webhooks.enabled=false). */
    public org.accrue.processor.webhooks.WebhookDispatcher webhookDispatcher() {
        return webhookDispatcher;
    }

    public Operations operations() {
        return operations;
    }

    public IntakeStats stats() {
        return stats;
    }

    public AccrueConfig config() {
        return config;
    }

    private static int resolvePort(int port) {
        if (port != 0) {
            return port;
        }
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port for the ISO listener", e);
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeInOrder) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("error while stopping {}: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
        store.close();
    }
}
