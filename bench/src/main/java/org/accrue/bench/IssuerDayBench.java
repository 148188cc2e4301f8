/*
 * An issuer's day end to end on one node, the operator's way (issue 13): N purchases on the wire, matched into
 * rewards, posted as statement credits and written to the statement file, each phase timed.
 *
 * Method. A fresh node directory (node.NodeDir): every card enrolled for issuer BENCH, the generator's merchant, and
 * the issue's offer: 1% issuer-funded on the merchant's MCC (5814), no return period, so a cleared purchase's reward
 * is available at once and posting takes all of them. The posting and statement-file jobs are manual only (cron "-")
 * and run through the API (POST /api/v1/jobs/{job}/runs, an ADMIN key the bench makes), as ops would trigger them.
 * `accrue serve` runs in its own JVM (node.ServedNode, the launcher's class path); this JVM is the issuer
 * (LoadGenerator: C connections x W in flight, closed loop, no warm-up, stops after N messages).
 *   wire      first purchase sent -> last answer received (every answer must be 00)
 *   matching  last answer -> the matcher's backlog is 0 (stored - matched - quarantined, from /api/v1/metrics;
 *             matching runs during the wire phase too, this is what is left after it)
 *   posting   the posting run, requested -> SUCCEEDED (its summary says how many credits)
 *   file      the statement-file run, requested -> SUCCEEDED
 *   total     first purchase sent -> statement file written
 * Bounds: purchases 1..PURCHASES_MAX, cards 1..CARDS_MAX, each phase at most PHASE_SECONDS_MAX.
 */
package org.accrue.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.accrue.bench.node.NodeDir;
import org.accrue.bench.node.ServedNode;
import org.accrue.config.JobName;

public final class IssuerDayBench {
    static final long PURCHASES_MAX = 20_000_000;
    static final int CARDS_MAX = 1_000_000;
    static final long PHASE_SECONDS_MAX = 3_600;
    private static final long POLL_MS = 500;
    private static final String ISSUER = "BENCH";
    /** The issue's offer: 1% on the merchant's MCC, funded by the issuer, available as soon as the purchase clears. */
    static final String OFFER_JSON = "{\"id\":\"bench-issuer-1pct\",\"mccs\":[\"" + LoadGenerator.MCC + "\"],"
            + "\"reward\":{\"type\":\"PERCENT\",\"rateBps\":100},\"currency\":\"USD\",\"funding\":\"ISSUER\","
            + "\"returnPeriodDays\":0,\"startsAt\":\"2026-01-01T00:00:00Z\"}";

    record Options(long purchases, int cards, int connections, int inFlight, Path dir, List<String> serverJvmOptions,
                   String nodeClassPath, Map<String, String> overrides) {
        Options {
            if (purchases < 1 || purchases > PURCHASES_MAX || cards < 1 || cards > CARDS_MAX) {
                throw new IllegalArgumentException("purchases 1.." + PURCHASES_MAX + ", cards 1.." + CARDS_MAX);
            }
        }
    }

    private final Options o;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final String apiKey;
    private int httpPort;

    private IssuerDayBench(Options o) {
        this.o = o;
        byte[] k = new byte[24];
        new SecureRandom().nextBytes(k);
        this.apiKey = "bench_" + HexFormat.of().formatHex(k).replaceAll("[0-9]", "x"); // letters only
    }

    private void run() throws Exception {
        System.out.printf("issuer day: %,d purchases over %,d cards, %d x %d in flight, %d core(s), %s%n", o.purchases(),
                o.cards(), o.connections(), o.inFlight(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.runtime.version"));
        Map<String, String> settings = new TreeMap<>(o.overrides());
        settings.put("accrue.api-key.bench.sha256", sha256(apiKey));
        settings.put("accrue.api-key.bench.role", "ADMIN");
        settings.putIfAbsent("accrue.jobs.schedule.posting", "-");
        settings.putIfAbsent("accrue.jobs.schedule.statement-file", "-");
        NodeDir dir = NodeDir.create(o.dir().resolve("node"), ISSUER, "Bench Bank", settings);
        httpPort = dir.httpPort();
        List<String> pans = BenchMain.pans(o.cards());
        long t0 = System.nanoTime();
        dir.prepare(pans, IngestBench.MERCHANT_JSON, OFFER_JSON);
        System.out.printf("prepared in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        try (ServedNode node = ServedNode.serve(dir.config(), dir.dir(), "issuer-day", o.serverJvmOptions(), o.nodeClassPath())) {
            System.out.printf("node served after %.1f s (log %s)%n", node.startSeconds(), node.log());
            metrics(); // the first scrape of a fresh node is slow: before the clock starts
            Map<String, Double> phases = new LinkedHashMap<>();
            long start = System.nanoTime();
            LoadGenerator.Result wire = LoadGenerator.run(new LoadGenerator.Options("127.0.0.1", dir.isoPort(), o.connections(),
                    o.inFlight(), 0, (int) PHASE_SECONDS_MAX, o.purchases(), pans));
            long wireEnd = System.nanoTime();
            phases.put("wire", (wireEnd - start) / 1e9);
            Map<String, Double> atWireEnd = metrics();
            System.out.printf("wire: %s%n", wire.describe());
            System.out.printf("      %,.0f stored, %,.0f matched while the wire ran (%,.0f/s); backlog %,d%n",
                    atWireEnd.getOrDefault("accrue_iso_messages_stored_total", 0.0),
                    atWireEnd.getOrDefault("accrue_rewards_messages_matched_total", 0.0),
                    atWireEnd.getOrDefault("accrue_rewards_messages_matched_total", 0.0) / phases.get("wire"),
                    IngestBench.backlog(atWireEnd));
            if (wire.messages() != o.purchases() || wire.byResponseCode().getOrDefault("00", 0L) != o.purchases()) {
                throw new IllegalStateException("not every purchase was answered 00: " + wire.byResponseCode() + ", errors "
                        + wire.errors());
            }
            long backlog = IngestBench.backlog(atWireEnd);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PHASE_SECONDS_MAX);
            while (backlog > 0) {
                if (!node.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the matcher did not finish: backlog " + backlog);
                }
                Thread.sleep(POLL_MS); // polling the node's progress, not synchronizing with it
                backlog = IngestBench.backlog(metrics());
            }
            long matchedEnd = System.nanoTime();
            phases.put("matching", (matchedEnd - wireEnd) / 1e9);
            System.out.printf("matching: the backlog was empty %.1f s after the last answer%n", phases.get("matching"));
            String posting = job(JobName.POSTING);
            long postingEnd = System.nanoTime();
            phases.put("posting", (postingEnd - matchedEnd) / 1e9);
            System.out.printf("posting: %.1f s: %s%n", phases.get("posting"), posting);
            String file = job(JobName.STATEMENT_FILE);
            long fileEnd = System.nanoTime();
            phases.put("statement file", (fileEnd - postingEnd) / 1e9);
            System.out.printf("statement file: %.1f s: %s%n", phases.get("statement file"), file);
            double total = (fileEnd - start) / 1e9;
            System.out.println();
            System.out.println("| purchases | cards | wire s (msg/s) | matching after wire s | posting s | statement file s | total s | purchases/s end to end |");
            System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
            System.out.printf("| %,d | %,d | %.1f (%,.0f) | %.1f | %.1f | %.1f | **%.1f** | %,.0f |%n", o.purchases(), o.cards(),
                    phases.get("wire"), o.purchases() / phases.get("wire"), phases.get("matching"), phases.get("posting"),
                    phases.get("statement file"), total, o.purchases() / total);
        }
    }

    /** Requests a run of the job through the API and waits until it ends; its summary. */
    private String job(JobName job) throws IOException, InterruptedException {
        String name = job.id();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/jobs/" + name + "/runs"))
                .header("Authorization", "Bearer " + apiKey).POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) {
            throw new IOException("POST /jobs/" + name + "/runs answered " + r.statusCode() + ": " + r.body());
        }
        String location = r.headers().firstValue("Location").orElseThrow();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PHASE_SECONDS_MAX);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> s = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + location))
                    .header("Authorization", "Bearer " + apiKey).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode run = json.readTree(s.body());
            String status = run.path("status").asText();
            switch (status) {
                case "SUCCEEDED" -> {
                    return run.path("summary").asText();
                }
                case "QUEUED", "RUNNING" -> Thread.sleep(POLL_MS / 5); // polling the run's status
                default -> throw new IllegalStateException("job " + name + " ended " + status + ": " + run.path("summary").asText());
            }
        }
        throw new IllegalStateException("job " + name + " did not end within " + PHASE_SECONDS_MAX + " s");
    }

    private String base() {
        return "http://127.0.0.1:" + httpPort + "/api/v1";
    }

    private Map<String, Double> metrics() throws IOException, InterruptedException {
        return ServerCounters.metrics(http, httpPort);
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * {@code IssuerDayBench [--purchases 500000] [--cards 1000] [--connections 16] [--in-flight 8]
     * [--dir bench/target/issuer-day] [--server-jvm-options "..."] [--node-classpath CP]}; every
     * {@code -Daccrue.<key>=<value>} goes into the node's configuration.
     */
    public static void main(String[] args) throws Exception {
        IngestBench.quietLog();
        Map<String, String> a = IngestBench.options(args, List.of("purchases", "cards", "connections", "in-flight", "dir",
                "server-jvm-options", "node-classpath"));
        Map<String, String> overrides = IngestBench.accrueProperties();
        Options o = new Options(Long.parseLong(a.getOrDefault("purchases", "500000").replace("_", "")),
                Integer.parseInt(a.getOrDefault("cards", "1000")),
                Integer.parseInt(a.getOrDefault("connections", "16")),
                Integer.parseInt(a.getOrDefault("in-flight", "8")),
                Path.of(a.getOrDefault("dir", "bench/target/issuer-day")).toAbsolutePath(),
                IngestBench.serverJvmOptions(a),
                a.getOrDefault("node-classpath", IngestBench.launcherClassPath()), overrides);
        Files.createDirectories(o.dir());
        new IssuerDayBench(o).run();
    }
}
