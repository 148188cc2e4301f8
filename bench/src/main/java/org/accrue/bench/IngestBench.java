/*
 * Ingest measured the operator's way (issue 13): the servers run as the
 * operator runs them, each in a JVM of its own, and this JVM is the client.
 *
 * Per run and per connection count, one after the other:
 *   bare - BareAckServer (a bare jPOS ISOServer answering 00 at once) in its
 *          own JVM, driven by LoadGenerator from this JVM, then stopped;
 *   node - a fresh node directory (NodeDir: cards enrolled, the Blue Bottle
 *          merchant of the generator's purchases with a 10% offer, so every
 *          message is stored and matched into a reward), `accrue serve` on it
 *          in its own JVM with the launcher's class path and an operator's
 *          configuration (embedded store, default journal and store sizes,
 *          matcher, jobs and HTTP on, log level INFO), driven by the same
 *          generator with the same connections x in flight.
 * It prints one line per server and configuration, the ratio node/bare, and
 * for the node: rows per commit, CPU time per message of each process (node
 * JVM, its mariadbd, this client) over the measured window, MariaDB's global
 * status counters per message (read over the node's unix socket as root,
 * when this runs as root), the matcher's progress (from /api/v1/metrics:
 * stored - matched - quarantined is the match_queue backlog of a fresh
 * node), how long the backlog takes to drain after the load stops, and what
 * the store holds once the node is stopped (opened again in this JVM).
 * With --jfr DIR each server records a JFR profile of the measured window.
 *
 * The generator shares the machine's cores with the servers (and MariaDB):
 * the two sides of every ratio pay the same client. Bounded: runs, seconds,
 * cards, drain wait, every child process wait.
 */
package org.accrue.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.accrue.bench.node.NodeDir;
import org.accrue.bench.node.ServedNode;
import org.accrue.processor.Processor;

public final class IngestBench {
    public static final int RUNS_MAX = 20;
    public static final int CARDS_MAX = 100_000;
    public static final int DRAIN_SECONDS_MAX = 1_800;
    /** JFR's profile settings plus JDK 25's CPU-time sampler (native and kernel time of Java threads included). */
    static final String JFR_OPTIONS = "settings=profile jdk.CPUTimeSample#enabled=true jdk.CPUTimeSample#throttle=2ms";
    private static final long POLL_MS = 100;
    private static final String ISSUER = "BENCH";
    /** The merchant of LoadGenerator's purchases (acquirer, MID, MCC, DE43) and the demo's offer for it. */
    static final String MERCHANT_JSON = "{\"merchantId\":\"blue-bottle\",\"name\":\"Blue Bottle Coffee\","
            + "\"mids\":[{\"acquirerId\":\"12345678901\",\"mid\":\"BBC000000000001\"}],\"descriptors\":[\"BLUE BOTTLE*\"],"
            + "\"mccs\":[\"5814\"]}";
    static final String OFFER_JSON = "{\"id\":\"blue-bottle-10pct\",\"merchantId\":\"blue-bottle\","
            + "\"reward\":{\"type\":\"PERCENT\",\"rateBps\":1000},\"currency\":\"USD\","
            + "\"maxRewardPerTransaction\":{\"minor\":75,\"currency\":\"USD\"},\"returnPeriodDays\":7,\"commissionBps\":300,"
            + "\"startsAt\":\"2026-01-01T00:00:00Z\"}";
    public record Options(List<Integer> connections, int inFlight, int warmupSeconds, int durationSeconds, int runs,
                          int cards, Path dir, int drainSeconds, List<String> serverJvmOptions, String nodeClassPath,
                          Path jfrDir, String jfrOptions, boolean check, Map<String, String> overrides, int timelineSeconds) {
        public Options {
            if (connections.isEmpty() || runs < 1 || runs > RUNS_MAX || cards < 1 || cards > CARDS_MAX
                    || drainSeconds < 1 || drainSeconds > DRAIN_SECONDS_MAX) {
                throw new IllegalArgumentException("at least one connection count, runs 1.." + RUNS_MAX + ", cards 1.."
                        + CARDS_MAX + ", drain 1.." + DRAIN_SECONDS_MAX + " s");
            }
            connections = List.copyOf(connections);
            serverJvmOptions = List.copyOf(serverJvmOptions);
            overrides = Map.copyOf(overrides);
        }
    }

    /** What one server did under the generator: the client's figures, and for a node what it did besides. */
    public record Measured(String server, int run, LoadGenerator.Result load, Map<String, String> figures) {
        String line() {
            StringBuilder b = new StringBuilder(String.format("run %d %-4s | %s", run, server, load.describe()));
            figures.forEach((k, v) -> b.append("\n           ").append(k).append(": ").append(v));
            return b.toString();
        }
    }

    private final Options o;
    private final List<String> pans;
    private final ServerCounters counters = new ServerCounters();

    private IngestBench(Options o) {
        this.o = o;
        this.pans = BenchMain.pans(o.cards());
    }

    public static List<Measured> run(Options o, java.util.function.Consumer<String> out) throws Exception {
        return new IngestBench(o).runAll(out);
    }

    private List<Measured> runAll(java.util.function.Consumer<String> out) throws Exception {
        out.accept(String.format("ingest bench: %d core(s), %s %s; node class path %s; connections %s x %d in flight, "
                        + "warm-up %d s, %d s measured, %d run(s), %d cards", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"), o.nodeClassPath(),
                o.connections(), o.inFlight(), o.warmupSeconds(), o.durationSeconds(), o.runs(), o.cards()));
        List<Measured> all = new ArrayList<>();
        for (int run = 1; run <= o.runs(); run++) {
            for (int c : o.connections()) {
                Measured bare = bare(c, run);
                out.accept(bare.line());
                Measured node = node(c, run, out);
                out.accept(node.line());
                out.accept(String.format("run %d %dx%d ratio node/bare: %.2fx", run, c, o.inFlight(),
                        node.load().messagesPerSecond() / bare.load().messagesPerSecond()));
                all.add(bare);
                all.add(node);
            }
        }
        out.accept("");
        summary(all).forEach(out);
        return all;
    }

    // ---------------------------------------------------------------- the bare jPOS server

    private Measured bare(int connections, int run) throws Exception {
        Path d = Files.createDirectories(o.dir().resolve("bare"));
        int port = NodeDir.freePort();
        String name = "bare-c" + connections + "-r" + run;
        try (ServedNode server = ServedNode.bare(port, d, name, o.serverJvmOptions())) {
            ServerCounters.Window w = load(server, port, connections, name, null);
            Map<String, String> f = new LinkedHashMap<>();
            f.put("CPU per message", w.cpuPerMessage());
            return new Measured("bare", run, w.result(), f);
        }
    }

    // ---------------------------------------------------------------- a node served the operator's way

    private Measured node(int connections, int run, java.util.function.Consumer<String> out) throws Exception {
        Map<String, String> settings = new TreeMap<>(o.overrides());
        NodeDir dir = NodeDir.create(o.dir().resolve("node"), ISSUER, "Bench Bank", settings);
        long t0 = System.nanoTime();
        dir.prepare(pans, MERCHANT_JSON, OFFER_JSON);
        double prepareSeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, String> f = new LinkedHashMap<>();
        String name = "node-c" + connections + "-r" + run;
        ServerCounters.Window w;
        long backlogAtEnd;
        double drainSeconds;
        try (ServedNode node = ServedNode.serve(dir.config(), dir.dir(), name, o.serverJvmOptions(), o.nodeClassPath())) {
            f.put("node", String.format("prepared in %.1f s (%d cards, 1 merchant, 1 offer), served after %.1f s",
                    prepareSeconds, o.cards(), node.startSeconds()));
            counters.metrics(dir.httpPort()); // the first scrape of a fresh node is slow: not inside the window
            w = load(node, dir.isoPort(), connections, name, dir.httpPort());
            Map<String, Double> end = w.end().metrics();
            backlogAtEnd = backlog(end);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.drainSeconds());
            long left = backlogAtEnd;
            while (left > 0 && System.nanoTime() < deadline) {
                Thread.sleep(POLL_MS); // polling a condition with a deadline
                left = backlog(counters.metrics(dir.httpPort()));
            }
            drainSeconds = (System.nanoTime() - w.end().nanos()) / 1e9;
            double stored = delta(w, "accrue_iso_messages_stored_total");
            double batches = delta(w, "accrue_journal_batches_total");
            f.put("journal", String.format("%,.0f rows stored in %,.0f commits in the window (%.1f rows per commit)",
                    stored, batches, stored / Math.max(batches, 1)));
            f.put("CPU per message", w.cpuPerMessage());
            f.put("MariaDB per message", w.dbPerMessage());
            double matched = delta(w, "accrue_rewards_messages_matched_total");
            f.put("matcher", String.format("%,.0f msg/s matched during the load; backlog %,d when it stopped; %s",
                    matched / w.seconds(), backlogAtEnd, backlogAtEnd == 0 ? "nothing to drain" : left == 0
                            ? String.format("drained %.1f s after the load stopped", drainSeconds)
                            : String.format("%,d still queued after %d s", left, o.drainSeconds())));
            node.close();
        }
        if (o.check()) {
            f.put("store", storeCheck(dir));
        }
        return new Measured("node", run, w.result(), f);
    }

    /** Queue rows a fresh node has not matched yet: every stored message has one until the matcher takes it. */
    static long backlog(Map<String, Double> m) {
        return Math.round(m.getOrDefault("accrue_iso_messages_stored_total", 0.0)
                - m.getOrDefault("accrue_rewards_messages_matched_total", 0.0)
                - m.getOrDefault("accrue_rewards_messages_quarantined_total", 0.0));
    }

    private static double delta(ServerCounters.Window w, String metric) {
        return w.end().metrics().getOrDefault(metric, 0.0) - w.start().metrics().getOrDefault(metric, 0.0);
    }

    /** The stopped node's store opened here: what it holds (the matcher off, so nothing moves while it counts). */
    private static String storeCheck(NodeDir dir) {
        try (Processor p = dir.startOffline(false)) {
            var sf = p.store().sessionFactory();
            long messages = count(sf, "select count(*) from card_message");
            long queued = count(sf, "select count(*) from match_queue");
            long rewards = count(sf, "select count(*) from reward");
            long outcomes = count(sf, "select count(*) from match_outcome");
            return String.format("%,d card messages, %,d rewards, %,d match outcomes, %,d left in match_queue",
                    messages, rewards, outcomes, queued);
        }
    }

    private static long count(org.hibernate.SessionFactory sf, String sql) {
        return sf.fromSession(s -> ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }

    // ---------------------------------------------------------------- the load and its window

    /**
     * Drives the server with the generator; samples the counters when the warm-up ends and again when the load
     * does, and, with --jfr, records the server's measured window.
     */
    private ServerCounters.Window load(ServedNode server, int port, int connections, String name, Integer httpPort) throws Exception {
        String recording = null;
        if (o.jfrDir() != null) {
            Files.createDirectories(o.jfrDir());
            recording = "ingest";
            ServerCounters.jcmd(server.pid(), "JFR.start", "name=" + recording, "delay=" + o.warmupSeconds() + "s", o.jfrOptions());
        }
        CompletableFuture<ServerCounters.Sample> start = new CompletableFuture<>();
        // --timeline S: the node's stored, matched and backlog every S seconds while the load runs (sustained runs).
        Thread timeline = httpPort == null || o.timelineSeconds() <= 0 ? null : Thread.ofVirtual().start(() -> {
            long t0 = System.nanoTime();
            double lastStored = 0;
            double lastMatched = 0;
            try {
                while (true) {
                    Thread.sleep(o.timelineSeconds() * 1000L); // the period of the timeline, not a synchronization
                    Map<String, Double> m = counters.metrics(httpPort);
                    double st = m.getOrDefault("accrue_iso_messages_stored_total", 0.0);
                    double ma = m.getOrDefault("accrue_rewards_messages_matched_total", 0.0);
                    System.out.printf("           t=%4.0f s: stored %,.0f (%,.0f/s), matched %,.0f (%,.0f/s), backlog %,d, "
                                    + "matcher yielding %.0f, journal pacing %.0f%n", (System.nanoTime() - t0) / 1e9, st,
                            (st - lastStored) / o.timelineSeconds(), ma, (ma - lastMatched) / o.timelineSeconds(), backlog(m),
                            m.getOrDefault("accrue_rewards_matcher_yielding", 0.0), m.getOrDefault("accrue_journal_pacing", 0.0));
                    lastStored = st;
                    lastMatched = ma;
                }
            } catch (InterruptedException | IOException e) {
                // the load is over
            }
        });
        LoadGenerator.Result r = LoadGenerator.run(new LoadGenerator.Options("127.0.0.1", port, connections, o.inFlight(),
                o.warmupSeconds(), o.durationSeconds(), Long.MAX_VALUE, pans), () -> {
                    try {
                        start.complete(counters.sample(server, httpPort));
                    } catch (Exception e) {
                        start.completeExceptionally(e);
                    }
                });
        if (timeline != null) {
            timeline.interrupt();
            timeline.join();
        }
        ServerCounters.Sample end = counters.sample(server, httpPort);
        if (recording != null) {
            Path file = o.jfrDir().resolve(name + ".jfr").toAbsolutePath();
            ServerCounters.jcmd(server.pid(), "JFR.stop", "name=" + recording, "filename=" + file);
        }
        return new ServerCounters.Window(r, start.get(), end);
    }

    // ---------------------------------------------------------------- the summary

    /** A Markdown table: per configuration and run, bare and node side by side, and the ratio. */
    static List<String> summary(List<Measured> all) {
        List<String> lines = new ArrayList<>();
        lines.add("| connections x in flight | run | bare msg/s | bare p50 / p99 / p99.9 ms | node msg/s "
                + "| node p50 / p99 / p99.9 ms | node/bare |");
        lines.add("|---|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i + 1 < all.size(); i += 2) {
            LoadGenerator.Result b = all.get(i).load();
            LoadGenerator.Result n = all.get(i + 1).load();
            lines.add(String.format("| %d x %d | %d | %,.0f | %.2f / %.2f / %.2f | %,.0f | %.2f / %.2f / %.2f | %.2fx |",
                    b.connections(), b.inFlight(), all.get(i).run(), b.messagesPerSecond(), b.p50Ms(), b.p99Ms(),
                    b.p999Ms(), n.messagesPerSecond(), n.p50Ms(), n.p99Ms(), n.p999Ms(),
                    n.messagesPerSecond() / b.messagesPerSecond()));
        }
        return lines;
    }

    /**
     * {@code IngestBench [--connections 1,16,64] [--in-flight 8] [--warmup 5] [--duration 20] [--runs 3]
     * [--cards 1000] [--dir bench/target/ingest-data] [--drain-max 300] [--server-jvm-options "..."]
     * [--node-classpath CP] [--jfr DIR] [--jfr-options "settings=profile ..."] [--check true]}; every
     * {@code -Daccrue.<key>=<value>} goes into the node's configuration.
     */
    public static void main(String[] args) throws Exception {
        // This JVM's own log (preparing and checking a node's store in-process): warnings only. Each node logs to
        // its own file at the level of its configuration.
        quietLog();
        Map<String, String> a = options(args, List.of("connections", "in-flight", "warmup", "duration", "runs", "cards", "dir",
                "drain-max", "server-jvm-options", "node-classpath", "jfr", "jfr-options", "check", "timeline"));
        Map<String, String> overrides = accrueProperties();

        Options o = new Options(
                Arrays.stream(a.getOrDefault("connections", "16").split(",")).map(String::trim).map(Integer::parseInt).toList(),
                Integer.parseInt(a.getOrDefault("in-flight", "8")),
                Integer.parseInt(a.getOrDefault("warmup", "5")),
                Integer.parseInt(a.getOrDefault("duration", "20")),
                Integer.parseInt(a.getOrDefault("runs", "3")),
                Integer.parseInt(a.getOrDefault("cards", "1000")),
                Path.of(a.getOrDefault("dir", "bench/target/ingest-data")).toAbsolutePath(),
                Integer.parseInt(a.getOrDefault("drain-max", "300")),
                serverJvmOptions(a),
                a.getOrDefault("node-classpath", launcherClassPath()),
                a.containsKey("jfr") ? Path.of(a.get("jfr")).toAbsolutePath() : null,
                a.getOrDefault("jfr-options", JFR_OPTIONS),
                Boolean.parseBoolean(a.getOrDefault("check", "true")),
                overrides, Integer.parseInt(a.getOrDefault("timeline", "0")));
        run(o, System.out::println);
    }

    /** This JVM's own log (preparing and checking a node's store in-process): warnings only; each node logs apart. */
    static void quietLog() {
        if (org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    /** {@code --name value} pairs, each name one of {@code known}. */
    static Map<String, String> options(String[] args, List<String> known) {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("options come as --name value pairs; got " + args[i]);
            }
            a.put(args[i].substring(2), args[i + 1]);
        }
        for (String k : a.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("unknown option --" + k + "; known: " + known);
            }
        }
        return a;
    }

    /** The servers' JVM options: --server-jvm-options, else ACCRUE_JAVA_OPTS as `./accrue serve` would run with. */
    static List<String> serverJvmOptions(Map<String, String> options) {
        String jvmOptions = options.getOrDefault("server-jvm-options",
                Optional.ofNullable(System.getenv("ACCRUE_JAVA_OPTS")).orElse("")).trim();
        return jvmOptions.isEmpty() ? List.of() : Arrays.asList(jvmOptions.split("\\s+"));
    }

    /** Every -Daccrue.* of this JVM: they go into the node's configuration. */
    static Map<String, String> accrueProperties() {
        Map<String, String> overrides = new TreeMap<>();
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("accrue.")) {
                overrides.put(name, System.getProperty(name));
            }
        }
        return overrides;
    }

    /** The class path `./accrue serve` runs with (the processor's jar and lib), when this runs from the checkout. */
    static String launcherClassPath() {
        Path jar = Path.of("processor/target/accrue-processor-0.1.0-SNAPSHOT.jar").toAbsolutePath();
        Path lib = Path.of("processor/target/lib").toAbsolutePath();
        if (Files.isRegularFile(jar) && Files.isDirectory(lib)) {
            return jar + ":" + lib + "/*";
        }
        return System.getProperty("java.class.path");
    }
}
