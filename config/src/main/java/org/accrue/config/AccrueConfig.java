/*
 * The whole typed configuration of a processor node, validated and sealed at
 * start: a bad value fails with a message naming its key, nothing is silently
 * corrected, and an unknown "accrue.*" key is an error (a typo must not fall
 * back to a default). Every key, its unit and default is in config/README.md.
 */
package org.accrue.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

public record AccrueConfig(
        Path dataDir,
        String logLevel,
        Store store,
        Iso iso,
        Journal journal,
        Http http,
        Rewards rewards,
        PanKeys panKeys,
        Map<String, Issuer> issuers,
        List<ApiKey> apiKeys,
        Jobs jobs,
        Pgp pgp,
        Map<String, Airline> airlines,
        Map<String, PointsProgram> points,
        Exceptions exceptions,
        Reconciliation reconciliation,
        Pace pace,
        Webhooks webhooks) {

    public enum StoreMode { EMBEDDED, EXTERNAL }

    /**
     * TLS to an external store: none, or the server's certificate checked against a CA file (VERIFY_CA), and its
     * host name too (VERIFY_FULL). Connector/J's sslMode of the same names.
     */
    public enum StoreTls {
        DISABLE, VERIFY_CA, VERIFY_FULL;

        /** The key's value as written in configuration, and Connector/J's sslMode value. */
        public String value() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    /**
     * The embedded server's redo log: large enough that a burst of a million purchases (about 1.6 KB of redo each,
     * stored and matched) does not force checkpoints while it lasts (issue 13: 512 MB did).
     */
    public static final int DEFAULT_REDO_LOG_MB = 1024;
    /** The shortest accrue.store.socket-timeout-ms but 0 (none): no legitimate statement is cut short. */
    public static final int STORE_SOCKET_TIMEOUT_MS_MIN = 10_000;

    /**
     * The embedded server's buffer pool: a quarter of the machine's memory, at least 512 MB and at most 16 GB. A node
     * with a million messages waiting to be matched reads them back, and writes rewards and ledger rows into random
     * places of their indexes: with the old fixed 512 MB that working set no longer fit and matching fell to 2,600
     * purchases a second, reading pages from disk (issue 13). InnoDB touches the pool's pages only as it uses them.
     */
    static int defaultBufferPoolMb() {
        long bytes = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? os.getTotalMemorySize() : 0;
        return (int) Math.clamp(bytes / 4 / (1024 * 1024), 512, 16_384);
    }

    public enum Role { ISSUER, OPS, ADMIN }

    /**
     * Where the MariaDB is. Embedded: a server this node runs under dataDir/mariadb on embeddedPort (0 = any free
     * port), started again when it dies (at most embeddedRestartAttemptsMax times in a row), each start given
     * embeddedStartTimeoutMs to be ready. External: url, user and password; tls and tlsCaFile (null unless tls is
     * a verify mode) say how the connection is secured.
     */
    public record Store(StoreMode mode, int embeddedPort, String url, String user, String password,
                        int poolSizeMax, int connectTimeoutMs, int embeddedBufferPoolMb, int embeddedRedoLogMb,
                        int embeddedRestartAttemptsMax, int embeddedStartTimeoutMs, StoreTls tls, Path tlsCaFile,
                        int socketTimeoutMs) {
        @Override
        public String toString() {
            return "Store[mode=" + mode + ", url=" + url + ", user=" + user + ", password=***, tls=" + tls.value() + "]";
        }
    }

    /**
     * The ISO 8583 listener. idleTimeoutMs: silence allowed between frames; frameTimeoutMs: once a frame's first
     * byte is in, the time the rest of it has; connectionsMax: open connections, the next is closed at once;
     * backlog: connections the kernel queues before the listener accepts them.
     */
    public record Iso(boolean enabled, int port, int frameBytesMax, int idleTimeoutMs,
                      int connectionsMax, int backlog, int frameTimeoutMs) {
    }

    /**
     * Group commit: how many acknowledged-after-durable messages share one transaction, and how long a message may
     * wait for its commit (queued time included) before it is answered 96.
     */
    public record Journal(int batchSizeMax, int queueCapacity, int writers, int commitDeadlineMs) {
    }

    /**
     * How intake and matching share the node (issue 13). The matcher yields to a busy intake (at least
     * busyAbovePerSecond messages stored per second) while its backlog is under yieldBacklogMax (0: never yields), and
     * matches the backlog when the burst is over. Above intakeBacklogMax queued messages (0: never), each journal batch
     * waits up to intakeWaitMs for the matcher before it commits, so a sustained overload slows acknowledgements to
     * the matcher's pace instead of growing the backlog without bound; nothing is refused for it.
     */
    public record Pace(int busyAbovePerSecond, int yieldBacklogMax, int intakeBacklogMax, int intakeWaitMs) {
    }

    public record Http(boolean enabled, String bindAddress, int port) {
    }

    /**
     * Matching stored messages into rewards. Tiers: a card's tier is the highest whose threshold its cleared spend
     * over the trailing 12 months (in tierCurrency, minor units) reaches.
     */
    public record Rewards(boolean matcherEnabled, int clearingWindowDays, String tierCurrency, Map<String, Long> tierThresholds,
                          int matcherWorkers) {
    }

    /** HMAC keys for PAN tokens by version; currentVersion tokenizes new cards. */
    public record PanKeys(int currentVersion, Map<Integer, byte[]> keys) {
        @Override
        public String toString() {
            return "PanKeys[currentVersion=" + currentVersion + ", versions=" + keys.keySet() + "]";
        }
    }

    /**
     * An issuer: whether its statement credit files may carry debits (clawbacks; otherwise they are netted against
     * the card's next credits), the OpenPGP public key its files are encrypted to (none: plain files), and how long
     * a sent credit may wait for its confirmation before it is MISSING.
     */
    /**
     * An issuer. {@code timeZone} is its cardholders' (accrue.issuer.<ID>.time-zone, an IANA id; default UTC): the day
     * a cardholder view calls today (the bonus period it shows progress in) and the dates its pages show.
     */
    public record Issuer(String id, String name, boolean debitsAllowed, Path pgpPublicKey, int confirmationWindowDays,
                         Language language, java.time.ZoneId timeZone) {
        public Issuer {
            java.util.Objects.requireNonNull(language, "language");
            java.util.Objects.requireNonNull(timeZone, "timeZone");
        }

        /** An issuer whose cardholder pages are in English, on UTC. */
        public Issuer(String id, String name, boolean debitsAllowed, Path pgpPublicKey, int confirmationWindowDays) {
            this(id, name, debitsAllowed, pgpPublicKey, confirmationWindowDays, Language.EN, java.time.ZoneOffset.UTC);
        }
    }

    /** The languages the cardholder page is written in (accrue.issuer.<ID>.language): a message bundle each. */
    public enum Language {
        EN, DA, NB, TR;

        /** The BCP 47 tag (the page's lang attribute and the bundle's suffix). */
        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The Quartz scheduler: off on nodes that only take traffic; instanceId AUTO makes a unique one per node; a cron
     * of "-" leaves a job to manual runs only.
     */
    public record Jobs(boolean enabled, String instanceId, int threads, Map<JobName, String> crons, int postingBatchSizeMax,
                       int postingWorkers) {
    }

    /** The processor's own OpenPGP secret key (signs outgoing files, decrypts incoming ones). */
    public record Pgp(byte[] secretKeyRing, char[] passphrase) {
        public boolean configured() {
            return secretKeyRing != null;
        }

        @Override
        public String toString() {
            return "Pgp[configured=" + configured() + "]";
        }
    }

    /** An airline partner (airline-partner-api.md), its limits, and how many miles 1,000 bank points buy. */
    public record Airline(String program, String baseUrl, String apiKey, int timeoutMs, int attemptsMax, int backoffInitialMs,
                          int backoffMaxMs, int retryAfterMaxMs, int breakerFailures, int breakerCoolOffMs,
                          long milesPer1000Points) {
        @Override
        public String toString() {
            return "Airline[" + program + " at " + baseUrl + ", apiKey=***]";
        }
    }

    /** The exceptions queue: write-offs above this amount (minor units, any currency) need a second person. */
    public record Exceptions(long writeOffApprovalMinor) {
    }

    /**
     * Confirmation files: how many transactions side by side apply one file (its lines split by reward). An import
     * holds that many connections plus two, and a node applies one file at a time.
     */
    public record Reconciliation(int applyParts) {
    }

    /**
     * Issuer webhooks: the dispatcher on (enabled), plain http:// allowed to 127.0.0.1 and localhost only (tests,
     * the demo), the send timeout, deliveries in flight per node, the idle poll, the delays between attempts (the
     * last repeats) and how long a delivery is retried before it is dead.
     */
    public record Webhooks(boolean enabled, boolean allowLocalHttp, int timeoutMs, int senders, int pollMs,
                           java.util.List<Long> retryDelaysMs, long retryPeriodSeconds) {
    }

    /** A bank points program: cash value of 1,000 points (minor units of currency) and how long points live. */
    public record PointsProgram(String program, String currency, long cashMinorPer1000Points, int validityMonths) {
    }

    /** An API key as stored: only its SHA-256 (hex), with role and, for issuers, the issuer id. */
    public record ApiKey(String name, String sha256Hex, Role role, String issuerId) {
    }

    public static final int PAN_KEY_BYTES_MIN = 32;

    public static AccrueConfig from(Settings s) {
        Path dataDir = Path.of(s.string("accrue.data-dir", "data")).toAbsolutePath();
        String logLevel = s.string("accrue.log.level", "INFO").toUpperCase();
        if (!java.util.List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(logLevel)) {
            throw new ConfigException("accrue.log.level must be one of TRACE, DEBUG, INFO, WARN, ERROR, was '" + logLevel + "'");
        }
        Store store = new Store(
                s.choice("accrue.store.mode", StoreMode.EMBEDDED),
                s.integer("accrue.store.embedded.port", 0, 0, 65535),
                s.string("accrue.store.url", null),
                s.string("accrue.store.user", "accrue"),
                s.secretText("accrue.store.password", ""),
                s.integer("accrue.store.pool-size-max", 8, 2, 256),
                s.integer("accrue.store.connect-timeout-ms", 2000, 250, 60_000),
                s.integer("accrue.store.embedded.buffer-pool-mb", defaultBufferPoolMb(), 16, 65_536),
                s.integer("accrue.store.embedded.redo-log-mb", DEFAULT_REDO_LOG_MB, 16, 65_536),
                s.integer("accrue.store.embedded.restart-attempts-max", 10, 0, 1000),
                s.integer("accrue.store.embedded.start-timeout-ms", 120_000, 5_000, 3_600_000),
                s.choice("accrue.store.tls", StoreTls.DISABLE),
                StoreChecks.tlsCaFile(s),
                s.integer("accrue.store.socket-timeout-ms", 600_000, 0, 3_600_000));
        if (store.socketTimeoutMs() != 0 && store.socketTimeoutMs() < STORE_SOCKET_TIMEOUT_MS_MIN) {
            // Shorter would cut legitimate statements (a posting batch, a confirmation file's chunk) short.
            throw new ConfigException("accrue.store.socket-timeout-ms must be 0 (none) or at least "
                    + STORE_SOCKET_TIMEOUT_MS_MIN + " ms, was " + store.socketTimeoutMs());
        }
        if (store.mode() == StoreMode.EXTERNAL && store.url() == null) {
            throw new ConfigException("accrue.store.url is required when accrue.store.mode=external");
        }
        StoreChecks.tls(store);
        if (store.url() != null && store.url().toLowerCase().matches(".*[?&](password|sslmode|serversslcert)=.*")) {
            // The URL is printed (Store.toString) and its TLS options would fight the keys': each has a key of its own.
            throw new ConfigException("accrue.store.url must not carry password, sslMode or serverSslCert: use "
                    + "accrue.store.password, accrue.store.tls and accrue.store.tls-ca-file");
        }
        Iso iso = new Iso(
                s.bool("accrue.iso.enabled", true),
                s.integer("accrue.iso.port", 8583, 0, 65535),
                s.integer("accrue.iso.max-frame-bytes", 8192, 64, 65535),
                s.integer("accrue.iso.idle-timeout-ms", 300_000, 1000, 86_400_000),
                s.integer("accrue.iso.connections-max", 256, 1, 10_000),
                s.integer("accrue.iso.backlog", 1024, 1, 65_535),
                s.integer("accrue.iso.frame-timeout-ms", 5_000, 100, 600_000));
        Journal journal = new Journal(
                s.integer("accrue.journal.batch-size-max", 512, 1, 10_000),
                s.integer("accrue.journal.queue-capacity", 65_536, 16, 1_000_000),
                s.integer("accrue.journal.writers", 1, 1, 64),
                s.integer("accrue.journal.commit-deadline-ms", 5000, 100, 60_000));
        Pace pace = new Pace(
                s.integer("accrue.rewards.matcher.busy-above-per-second", 1_000, 1, 10_000_000),
                s.integer("accrue.rewards.matcher.yield-backlog-max", 1_000_000, 0, 100_000_000),
                s.integer("accrue.journal.backlog-max", 2_000_000, 0, 100_000_000),
                s.integer("accrue.journal.backlog-wait-ms", 100, 1, 1_000));
        if (pace.intakeBacklogMax() != 0 && pace.intakeBacklogMax() <= pace.yieldBacklogMax()) {
            throw new ConfigException("accrue.journal.backlog-max (" + pace.intakeBacklogMax() + ") must be 0 or above "
                    + "accrue.rewards.matcher.yield-backlog-max (" + pace.yieldBacklogMax() + ")");
        }
        Http http = new Http(
                s.bool("accrue.http.enabled", true),
                s.string("accrue.http.bind-address", "0.0.0.0"),
                s.integer("accrue.http.port", 8080, 0, 65535));
        Map<String, Long> tiers = new LinkedHashMap<>();
        String tierSpec = s.string("accrue.rewards.tiers", "");
        for (String t : tierSpec.split(",")) {
            if (t.isBlank()) {
                continue;
            }
            String[] kv = t.split("=");
            try {
                long threshold = Long.parseLong(kv[1].strip());
                if (!kv[0].strip().matches("[A-Z][A-Z0-9_]{0,15}") || threshold <= 0) {
                    throw new NumberFormatException();
                }
                tiers.put(kv[0].strip(), threshold);
            } catch (RuntimeException e) {
                throw new ConfigException("accrue.rewards.tiers must be TIER=minorUnits pairs, e.g. SILVER=100000,GOLD=500000");
            }
        }
        String tierCurrency = s.string("accrue.rewards.tier-currency", "840");
        if (!tierCurrency.matches("[0-9]{3}")) {
            throw new ConfigException("accrue.rewards.tier-currency must be an ISO 4217 numeric code (DE49), e.g. 840");
        }
        Rewards rewards = new Rewards(
                s.bool("accrue.rewards.matcher.enabled", true),
                s.integer("accrue.rewards.clearing-window-days", 10, 1, 90),
                tierCurrency, Map.copyOf(tiers),
                // Each worker has a connection and a MariaDB thread of its own; lanes are 8 (V15), so at most 8.
                s.integer("accrue.rewards.matcher.workers", 2, 1, 8));

        Map<Integer, byte[]> keys = new LinkedHashMap<>();
        for (String v : s.children("accrue.pan.key.")) {
            int version;
            try {
                version = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new ConfigException("accrue.pan.key." + v + ": the key version must be a number 1..32767");
            }
            if (version < 1 || version > Short.MAX_VALUE) {
                throw new ConfigException("accrue.pan.key." + v + ": the key version must be 1..32767");
            }
            byte[] key = s.secret("accrue.pan.key." + v);
            if (key.length < PAN_KEY_BYTES_MIN) {
                throw new ConfigException("accrue.pan.key." + v + " must be at least " + PAN_KEY_BYTES_MIN + " bytes");
            }
            keys.put(version, key);
        }
        if (keys.isEmpty()) {
            throw new ConfigException("accrue.pan.key.<version> is required: at least one PAN token key (env:NAME or file:PATH)");
        }
        int defaultCurrent = keys.keySet().stream().max(Integer::compare).orElseThrow();
        int current = s.integer("accrue.pan.current-key-version", defaultCurrent, 1, Short.MAX_VALUE);
        if (!keys.containsKey(current)) {
            throw new ConfigException("accrue.pan.current-key-version=" + current + " has no accrue.pan.key." + current);
        }

        Map<String, Issuer> issuers = new LinkedHashMap<>();
        for (String id : s.children("accrue.issuer.")) {
            if (!id.matches("[A-Z0-9_-]{1,16}")) {
                throw new ConfigException("accrue.issuer." + id + ": issuer ids are 1-16 of A-Z 0-9 _ -");
            }
            String prefix = "accrue.issuer." + id + ".";
            String key = s.string(prefix + "pgp-public-key", null);
            issuers.put(id, new Issuer(id, s.string(prefix + "name", id), s.bool(prefix + "debits-allowed", false),
                    key == null ? null : Path.of(key).toAbsolutePath(),
                    s.integer(prefix + "confirmation-window-days", 3, 1, 60), s.choice(prefix + "language", Language.EN),
                    timeZone(s, prefix + "time-zone")));
        }

        List<ApiKey> apiKeys = new java.util.ArrayList<>();
        for (String name : s.children("accrue.api-key.")) {
            String prefix = "accrue.api-key." + name + ".";
            String hash = s.required(prefix + "sha256").toLowerCase();
            if (!hash.matches("[0-9a-f]{64}")) {
                throw new ConfigException(prefix + "sha256 must be 64 hex digits (the SHA-256 of the key)");
            }
            Role role = s.choice(prefix + "role", Role.ISSUER);
            String issuer = s.string(prefix + "issuer", null);
            if (role == Role.ISSUER && (issuer == null || !issuers.containsKey(issuer))) {
                throw new ConfigException(prefix + "issuer must name a configured issuer (accrue.issuer.<id>.name)");
            }
            if (role != Role.ISSUER && issuer != null) {
                throw new ConfigException(prefix + "issuer is only for role issuer");
            }
            apiKeys.add(new ApiKey(name, hash, role, issuer));
        }

        Map<JobName, String> crons = new java.util.EnumMap<>(JobName.class);
        for (String job : s.children("accrue.jobs.schedule.")) {
            if (JobName.parse(job).isEmpty()) {
                throw new ConfigException("accrue.jobs.schedule." + job + ": no such job; jobs are " + JobName.ids());
            }
        }
        for (JobName job : JobName.values()) {
            String cron = s.string("accrue.jobs.schedule." + job.id(), job.defaultCron()).strip();
            if (!cron.equals("-") && !org.quartz.CronExpression.isValidExpression(cron)) {
                throw new ConfigException("accrue.jobs.schedule." + job.id() + " is not a Quartz cron expression (or - for manual only): " + cron);
            }
            crons.put(job, cron);
        }
        String instanceId = s.string("accrue.jobs.instance-id", "AUTO");
        if (!instanceId.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new ConfigException("accrue.jobs.instance-id must be AUTO or 1-100 of A-Z a-z 0-9 . _ -");
        }
        Jobs jobs = new Jobs(s.bool("accrue.jobs.enabled", true), instanceId, s.integer("accrue.jobs.threads", 4, 1, 32),
                java.util.Collections.unmodifiableMap(crons), s.integer("accrue.jobs.posting.batch-size-max", 1000, 1, 10_000),
                StoreChecks.postingWorkers(s, store));

        byte[] pgpKey = s.string("accrue.pgp.secret-key", null) == null ? null : s.secret("accrue.pgp.secret-key");
        char[] pgpPass = s.string("accrue.pgp.passphrase", null) == null ? new char[0]
                : new String(s.secret("accrue.pgp.passphrase"), java.nio.charset.StandardCharsets.UTF_8).toCharArray();
        Pgp pgp = new Pgp(pgpKey, pgpPass);
        for (Issuer i : issuers.values()) {
            if (i.pgpPublicKey() != null && !pgp.configured()) {
                throw new ConfigException("accrue.issuer." + i.id() + ".pgp-public-key needs accrue.pgp.secret-key (files are signed)");
            }
        }

        Map<String, Airline> airlines = new LinkedHashMap<>();
        for (String program : s.children("accrue.airline.")) {
            if (!program.matches("[A-Z0-9]{2,16}")) {
                throw new ConfigException("accrue.airline." + program + ": airline program codes are 2-16 of A-Z 0-9");
            }
            String prefix = "accrue.airline." + program + ".";
            String url = s.required(prefix + "base-url");
            if (!url.matches("https?://.+")) {
                throw new ConfigException(prefix + "base-url must be an http(s) URL");
            }
            String apiKey = new String(s.secret(prefix + "api-key"), java.nio.charset.StandardCharsets.UTF_8);
            if (!apiKey.matches("[\\x21-\\x7e]{8,512}")) {
                throw new ConfigException(prefix + "api-key must decode to 8-512 printable ASCII characters (it is sent as a bearer token)");
            }
            airlines.put(program, new Airline(program, url.replaceAll("/+$", ""), apiKey,
                    s.integer(prefix + "timeout-ms", 5000, 50, 120_000),
                    s.integer(prefix + "attempts-max", 4, 1, 20),
                    s.integer(prefix + "backoff-initial-ms", 500, 1, 60_000),
                    s.integer(prefix + "backoff-max-ms", 30_000, 1, 600_000),
                    s.integer(prefix + "retry-after-max-ms", 60_000, 0, 3_600_000),
                    s.integer(prefix + "breaker-failures", 5, 1, 1000),
                    s.integer(prefix + "breaker-cool-off-ms", 300_000, 100, 86_400_000),
                    s.integer(prefix + "miles-per-1000-points", 0, 0, 1_000_000)));
        }

        Map<String, PointsProgram> points = new LinkedHashMap<>();
        for (String program : s.children("accrue.points.")) {
            String prefix = "accrue.points." + program + ".";
            String currency = s.required(prefix + "currency");
            if (!currency.matches("[A-Z]{3}")) {
                throw new ConfigException(prefix + "currency must be an ISO 4217 alpha-3 code, e.g. USD");
            }
            points.put(program, new PointsProgram(program, currency,
                    s.integer(prefix + "cash-minor-per-1000-points", 1000, 0, 1_000_000),
                    s.integer(prefix + "validity-months", 24, 1, 240)));
        }

        Exceptions exceptions = new Exceptions(s.integer("accrue.exceptions.write-off-approval-minor", 10_000, 0,
                Integer.MAX_VALUE));

        Reconciliation reconciliation = new Reconciliation(s.integer("accrue.reconciliation.apply-parts", 4, 1, 16));
        if (reconciliation.applyParts() + 2 > store.poolSizeMax()) {
            throw new ConfigException("accrue.reconciliation.apply-parts=" + reconciliation.applyParts() + " needs "
                    + (reconciliation.applyParts() + 2) + " connections while a file is applied, more than "
                    + "accrue.store.pool-size-max=" + store.poolSizeMax());
        }

        String delays = s.string("accrue.webhooks.retry-delays-ms", "60000,300000,1800000,7200000,21600000");
        java.util.List<Long> retryDelays = new java.util.ArrayList<>();
        for (String d : delays.split(",")) {
            try {
                long ms = Long.parseLong(d.trim());
                if (ms < 1 || ms > 86_400_000L) {
                    throw new NumberFormatException();
                }
                retryDelays.add(ms);
            } catch (NumberFormatException e) {
                throw new ConfigException("accrue.webhooks.retry-delays-ms must be a comma-separated list of "
                        + "milliseconds, each 1..86400000, was '" + delays + "'");
            }
        }
        Webhooks webhooks = new Webhooks(s.bool("accrue.webhooks.enabled", true),
                s.bool("accrue.webhooks.allow-local-http", false),
                s.integer("accrue.webhooks.timeout-ms", 10_000, 100, 60_000),
                s.integer("accrue.webhooks.senders", 16, 1, 256),
                s.integer("accrue.webhooks.poll-ms", 500, 10, 60_000),
                java.util.List.copyOf(retryDelays),
                s.integer("accrue.webhooks.retry-period-s", 259_200, 1, 31_536_000));

        Set<String> unread = s.unread();
        if (!unread.isEmpty()) {
            throw new ConfigException("unknown configuration keys: " + unread);
        }
        return new AccrueConfig(dataDir, logLevel, store, iso, journal, http, rewards, new PanKeys(current, Map.copyOf(keys)),
                Map.copyOf(issuers), List.copyOf(apiKeys), jobs, pgp, Map.copyOf(airlines), Map.copyOf(points), exceptions,
                reconciliation, pace, webhooks);
    }

    /** An IANA time zone id (Europe/Istanbul, America/Chicago), or UTC when the key is not set. */
    private static java.time.ZoneId timeZone(Settings s, String key) {
        String v = s.string(key, "UTC");
        try {
            return java.time.ZoneId.of(v.strip());
        } catch (java.time.DateTimeException e) {
            throw new ConfigException(key + " must be a time zone id such as Europe/Istanbul or UTC, was '" + v + "'");
        }
    }
}
