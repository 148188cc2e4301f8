/*
 * A node's directory as an operator sets it up before `accrue serve`: a PAN
 * token key in a file only its owner reads, a properties file (data under
 * dir/node, free ISO and HTTP ports, one issuer, plus the caller's settings),
 * and then, in this JVM through the same wiring as every node
 * (Processor.builder, offline: no listener, API, matcher or scheduler), the cards enrolled and a
 * merchant with an offer created. The fault suite and the ingest bench both
 * start their served nodes (ServedNode) on it, and open its store here again
 * once the node is stopped to check what it holds.
 */
package org.accrue.bench.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.accrue.config.AccrueConfig;
import org.accrue.config.Settings;
import org.accrue.processor.Processor;
import org.accrue.processor.cards.Enrollment;

import com.fasterxml.jackson.databind.ObjectMapper;

public final class NodeDir {
    private static final int PAN_KEY_BYTES = 32;

    private final Path dir;
    private final String issuerId;
    private final Map<String, String> settings;
    private final Map<String, String> secrets;
    private final Path config;
    private final int isoPort;
    private final int httpPort;

    private NodeDir(Path dir, String issuerId, Map<String, String> settings, Map<String, String> secrets, Path config,
                    int isoPort, int httpPort) {
        this.dir = dir;
        this.issuerId = issuerId;
        this.settings = settings;
        this.secrets = secrets;
        this.config = config;
        this.isoPort = isoPort;
        this.httpPort = httpPort;
    }

    /**
     * Empties {@code dir} and writes the key and {@code dir/accrue.properties}: data in {@code dir/node}, free ports,
     * the issuer; {@code settings} come last and win.
     */
    public static NodeDir create(Path dir, String issuerId, String issuerName, Map<String, String> settings) throws IOException {
        return create(dir, issuerId, issuerName, settings, Map.of());
    }

    /**
     * As above, and {@code secrets} (such as accrue.store.password, which the configuration reads as a plain value)
     * kept out of the properties file: the served node gets them as environment variables ({@link #environment()}),
     * the offline node here in memory.
     */
    public static NodeDir create(Path dir, String issuerId, String issuerName, Map<String, String> settings,
                                 Map<String, String> secrets) throws IOException {
        for (String k : secrets.keySet()) {
            if (!k.matches("accrue\\.[a-z0-9.]+")) {
                throw new IllegalArgumentException("a secret setting has no environment variable name: " + k);
            }
        }
        emptyDirectory(dir);
        Files.createDirectories(dir);
        Path key = dir.resolve("pan.key");
        Files.writeString(key, Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(PAN_KEY_BYTES)));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        int isoPort = freePort();
        int httpPort = freePort();
        Map<String, String> s = new TreeMap<>();
        s.put("accrue.data-dir", dir.resolve("node").toString());
        s.put("accrue.iso.port", Integer.toString(isoPort));
        s.put("accrue.http.port", Integer.toString(httpPort));
        s.put("accrue.pan.key.1", "file:" + key);
        s.put("accrue.issuer." + issuerId + ".name", issuerName);
        s.putAll(settings);
        Path config = dir.resolve("accrue.properties");
        StringBuilder props = new StringBuilder();
        s.forEach((k, v) -> props.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        Files.writeString(config, props);
        return new NodeDir(dir, issuerId, Map.copyOf(s), Map.copyOf(secrets), config,
                Integer.parseInt(s.get("accrue.iso.port")), Integer.parseInt(s.get("accrue.http.port")));
    }

    /**
     * Enrolls every card for the issuer (account ISSUER-ACCT, last name ISSUER) and creates the merchant and its offer (catalog JSON, as the API takes it),
     * in this JVM; the node must not be running.
     */
    public void prepare(List<String> pans, String merchantJson, String offerJson) throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (Processor node = startOffline(false)) {
            for (String pan : pans) {
                node.enrollment().enroll(issuerId, new Enrollment.Request(pan, issuerId + "-ACCT", issuerId, null, null));
            }
            var codec = node.catalog().codec();
            node.catalog().putMerchant(codec.merchant(json.readTree(merchantJson), "merchant"));
            node.catalog().createOffer(codec.offer(json.readTree(offerJson), "offer"));
        }
    }

    /**
     * The node started in this JVM on its store (the served node must be stopped): no listener, API or scheduler,
     * the matcher as asked (to drain the queue before a check, or off so nothing moves while one counts).
     */
    public Processor startOffline(boolean matcher) {
        Map<String, String> all = new TreeMap<>(settings);
        all.putAll(secrets);
        return Processor.builder(AccrueConfig.from(Settings.of(all))).offline().matcher(matcher).start();
    }

    /** The secret settings as the environment variables the node reads them from (accrue.store.password: ACCRUE_STORE_PASSWORD). */
    public Map<String, String> environment() {
        Map<String, String> env = new TreeMap<>();
        secrets.forEach((k, v) -> env.put(k.toUpperCase().replace('.', '_'), v));
        return env;
    }

    /** The properties file {@code accrue serve --config} takes. */
    public Path config() {
        return config;
    }

    public Path dir() {
        return dir;
    }

    public int isoPort() {
        return isoPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public Map<String, String> settings() {
        return settings;
    }

    public static int freePort() throws IOException {
        try (var s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public static void emptyDirectory(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
