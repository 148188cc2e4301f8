/*
 * A cluster as an operator runs one: a store the nodes share, 1-3 nodes each
 * `accrue serve` in a JVM of its own on a properties file (one PAN token key
 * file for all, the store's URL and user in the file, its password in the
 * node's environment), and HAProxy in front (servers.HaProxy, the config
 * module's template). The store is picked in one place, store(kind); the
 * scenario kills and restarts nodes and store members through this.
 *
 * Start order: the store; the cards and the offer written once through the
 * first node's directory (offline: Flyway migrates the shared schema once,
 * not from three nodes at the same moment); then the nodes, all at once; then
 * HAProxy, which waits for nothing (its checks find the nodes UP).
 */
package org.accrue.bench.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.accrue.bench.cluster.ClusterOptions.StoreKind;
import org.accrue.bench.faults.FaultSuite;
import org.accrue.bench.node.NodeDir;
import org.accrue.bench.node.ServedNode;
import org.accrue.bench.servers.HaProxy;
import org.accrue.bench.servers.StoreServer;

public final class Cluster implements AutoCloseable {
    static final String ISSUER = "CLUSTER";
    private static final int PAN_KEY_BYTES = 32;
    private static final Duration METRICS_TIMEOUT = Duration.ofSeconds(1);

    private final ClusterOptions o;
    private final StoreServer store;
    private final List<NodeDir> dirs;
    private final ServedNode[] nodes;
    private final int[] runs;
    private final String classPath;
    private final HaProxy haproxy;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(METRICS_TIMEOUT).build();

    private Cluster(ClusterOptions o, StoreServer store, List<NodeDir> dirs, ServedNode[] nodes, String classPath, HaProxy haproxy) {
        this.o = o;
        this.store = store;
        this.dirs = dirs;
        this.nodes = nodes;
        this.runs = new int[nodes.length];
        this.classPath = classPath;
        this.haproxy = haproxy;
    }

    /**
     * The one switch where stores plug in. external: one Debian mariadbd (servers.DebianMariaDb), durable commits,
     * sized for load; galera: servers.GaleraCluster; embedded: no shared server (the one node runs its own).
     */
    static StoreServer store(StoreKind kind, Path dir) throws IOException {
        return switch (kind) {
            case EXTERNAL -> org.accrue.bench.servers.DebianMariaDb.start(
                    org.accrue.bench.servers.DebianMariaDb.Options.plain().sized(512, 512, 500));
            case GALERA -> org.accrue.bench.servers.GaleraCluster.start(dir);
            case EMBEDDED -> null;
        };
    }

    /** Starts the store, prepares the shared data, starts the nodes and HAProxy in front of them. */
    public static Cluster start(ClusterOptions o, List<String> pans, Consumer<String> out) throws Exception {
        NodeDir.emptyDirectory(o.dir());
        Files.createDirectories(o.dir());
        long t0 = System.nanoTime();
        StoreServer store = store(o.store(), o.dir().resolve("store"));
        List<NodeDir> dirs = new ArrayList<>();
        ServedNode[] nodes = new ServedNode[o.nodes()];
        try {
            Path key = o.dir().resolve("pan.key");
            Files.writeString(key, Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(PAN_KEY_BYTES)));
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            Map<String, String> s = new TreeMap<>();
            s.put("accrue.log.level", "WARN");
            s.put("accrue.pan.key.1", "file:" + key); // one token key for every node: a card is one token cluster-wide
            Map<String, String> secrets = new TreeMap<>();
            if (store != null) {
                s.put("accrue.store.mode", "external");
                s.put("accrue.store.url", store.jdbcUrl());
                s.put("accrue.store.user", store.user());
                // accrue.store.password is read as a plain value (no env:/file: indirection in AccrueConfig), so it is
                // kept out of the file and given to each node as ACCRUE_STORE_PASSWORD in its environment.
                secrets.put("accrue.store.password", store.password());
            } else {
                s.put("accrue.store.embedded.buffer-pool-mb", "128");
                s.put("accrue.store.embedded.redo-log-mb", "64");
            }
            s.putAll(o.overrides());
            for (int i = 0; i < o.nodes(); i++) {
                dirs.add(NodeDir.create(o.dir().resolve("n" + (i + 1)), ISSUER, "Cluster Bank", s, secrets));
            }
            long t1 = System.nanoTime();
            FaultSuite.prepare(dirs.getFirst(), pans);
            long t2 = System.nanoTime();
            String cp = System.getProperty("java.class.path");
            List<CompletableFuture<ServedNode>> starting = new ArrayList<>();
            for (int i = 0; i < o.nodes(); i++) {
                NodeDir d = dirs.get(i);
                starting.add(CompletableFuture.supplyAsync(() -> serve(d, "serve-1", o.nodeJvmOptions(), cp)));
            }
            for (int i = 0; i < o.nodes(); i++) {
                nodes[i] = starting.get(i).join();
            }
            List<HaProxy.Backend> backends = new ArrayList<>();
            for (int i = 0; i < o.nodes(); i++) {
                backends.add(new HaProxy.Backend(name(i), "127.0.0.1", dirs.get(i).isoPort(), dirs.get(i).httpPort()));
            }
            long t3 = System.nanoTime();
            HaProxy haproxy = HaProxy.start(o.dir().resolve("haproxy"), NodeDir.freePort(), backends);
            Cluster c = new Cluster(o, store, dirs, nodes, cp, haproxy);
            out.accept("cluster: " + o.nodes() + " node(s) on store " + o.store().name().toLowerCase()
                    + (store == null ? "" : " " + store.jdbcUrl()) + ", HAProxy on 127.0.0.1:" + haproxy.port()
                    + " (" + o.dir().resolve("haproxy/haproxy.cfg") + "); started in s: store "
                    + String.format("%.1f, schema and cards %.1f, nodes %.1f, HAProxy %.1f", (t1 - t0) / 1e9, (t2 - t1) / 1e9,
                    (t3 - t2) / 1e9, (System.nanoTime() - t3) / 1e9));
            return c;
        } catch (Exception | Error e) {
            for (ServedNode n : nodes) {
                if (n != null) {
                    n.kill9();
                }
            }
            if (store != null) {
                store.close();
            }
            throw e;
        }
    }

    private static ServedNode serve(NodeDir d, String logName, List<String> jvmOptions, String classPath) {
        try {
            return ServedNode.serve(d.config(), d.dir(), logName, jvmOptions, classPath, d.environment());
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The node's name in HAProxy: n1, n2, n3. */
    public static String name(int i) {
        return "n" + (i + 1);
    }

    public int size() {
        return nodes.length;
    }

    public HaProxy haproxy() {
        return haproxy;
    }

    public StoreServer store() {
        return store;
    }

    /** kill -9 of node {@code i}'s JVM. */
    public void killNode(int i) throws InterruptedException {
        nodes[i].kill9();
    }

    /** Node {@code i} served again on its config; returns once it serves. */
    public void restartNode(int i) {
        runs[i]++;
        nodes[i] = serve(dirs.get(i), "serve-" + (runs[i] + 1), o.nodeJvmOptions(), classPath);
    }

    public boolean nodeAlive(int i) {
        return nodes[i].isAlive();
    }

    /** kill -9 of the store: its member 0, or the one node's own mariadbd when embedded. */
    public void killStore() throws IOException, InterruptedException {
        if (store != null) {
            store.kill(0);
        } else {
            ProcessHandle db = nodes[0].mariadbd().orElseThrow(() -> new IllegalStateException("no mariadbd under the node"));
            ServedNode.signal(db.pid(), "KILL");
        }
    }

    /** The store's member 0 started again (an embedded store is started again by its node, by itself). */
    public void restartStore() {
        if (store != null) {
            store.restart(0);
        }
    }

    /** Messages node {@code i} has received since it last started (accrue_iso_messages_received_total); -1 when it does not answer. */
    public long received(int i) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dirs.get(i).httpPort()
                    + "/api/v1/metrics")).timeout(METRICS_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            return r.body().lines().filter(l -> l.startsWith("accrue_iso_messages_received_total"))
                    .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Stops the nodes (SIGTERM) and HAProxy, so that the store can be read with nothing moving. */
    public void stopNodes() throws InterruptedException {
        haproxy.close();
        for (ServedNode n : nodes) {
            n.close();
        }
    }

    /** The first node's directory: its settings reach the shared store (offline reads after stopNodes). */
    public NodeDir firstDir() {
        return dirs.getFirst();
    }

    /**
     * Rows of card_message per message (terminal|stan), read with the nodes stopped: one query over JDBC on a
     * shared store (a node's whole wiring would only add its start to the check), through the first node's
     * directory on an embedded one.
     */
    public Map<String, Integer> storedRowsPerMessage() throws java.sql.SQLException {
        Map<String, Integer> out = new java.util.HashMap<>();
        if (store == null) {
            try (org.accrue.processor.Processor node = firstDir().startOffline(false)) {
                List<Object[]> rows = node.store().sessionFactory().fromSession(s -> s.createNativeQuery(
                        STORED_SQL, Object[].class).getResultList());
                rows.forEach(r -> out.merge(org.accrue.bench.faults.RecordingClient.idOf((String) r[0], (String) r[1]), 1, Integer::sum));
            }
            return out;
        }
        try (var c = java.sql.DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             var st = c.createStatement(); var rs = st.executeQuery(STORED_SQL)) {
            while (rs.next()) {
                out.merge(org.accrue.bench.faults.RecordingClient.idOf(rs.getString(1), rs.getString(2)), 1, Integer::sum);
            }
        }
        return out;
    }

    private static final String STORED_SQL = "select terminal_id, stan from card_message";

    @Override
    public void close() throws InterruptedException {
        try {
            stopNodes();
        } finally {
            if (store != null) {
                store.close();
            }
        }
    }
}
