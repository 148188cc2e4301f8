/*
 * Runs the ISO 8583 throughput benchmark end to end and prints a table:
 *   bare   - the bare jPOS acknowledging server (baseline)
 *   durable - a full processor node on the embedded MariaDB; every 00 is a
 *             committed row (cards enrolled first, so every message is stored)
 * for each connection count given. Usage:
 *   BenchMain [--mode bare|durable|both] [--connections 1,16] [--in-flight 8]
 *             [--warmup 5] [--duration 20] [--cards 1000]
 */
package org.accrue.bench;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.accrue.config.AccrueConfig;
import org.accrue.config.Settings;
import org.accrue.iso8583.Pans;
import org.accrue.processor.Processor;
import org.accrue.processor.cards.Enrollment;

public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchFiles.options(args);
        String mode = a.getOrDefault("mode", "both");
        int[] connections = Arrays.stream(a.getOrDefault("connections", "1,16").split(",")).mapToInt(Integer::parseInt).toArray();
        int inFlight = Integer.parseInt(a.getOrDefault("in-flight", "8"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "5"));
        int duration = Integer.parseInt(a.getOrDefault("duration", "20"));
        int cards = Integer.parseInt(a.getOrDefault("cards", "1000"));
        List<String> pans = pans(cards);
        List<String> lines = new ArrayList<>();

        if (mode.equals("bare") || mode.equals("both")) {
            int port = freePort();
            try (BareAckServer s = new BareAckServer(port)) {
                for (int c : connections) {
                    var r = LoadGenerator.run(new LoadGenerator.Options("127.0.0.1", port, c, inFlight, warmup, duration, Long.MAX_VALUE, pans));
                    lines.add("bare jPOS ack  | " + r.describe());
                    System.out.println(lines.getLast());
                }
            }
        }
        if (mode.equals("durable") || mode.equals("both")) {
            Path dir = Path.of(a.getOrDefault("data-dir", "bench/target/bench-data")).toAbsolutePath();
            BenchFiles.emptyDirectory(dir); // every run starts on an empty database
            Map<String, String> v = new HashMap<>();
            v.put("accrue.data-dir", dir.toString());
            v.put("accrue.iso.port", "0");
            v.put("accrue.log.level", "WARN");
            v.put("accrue.pan.key.1", "base64:" + Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32)));
            v.put("accrue.issuer.BENCH.name", "Bench Bank");
            for (String k : List.of("batch-size-max", "queue-capacity", "writers")) {
                if (a.containsKey(k)) {
                    v.put("accrue.journal." + k, a.get(k));
                }
            }
            AccrueConfig config = AccrueConfig.from(Settings.of(BenchFiles.withOverrides(v)));
            try (Processor node = Processor.builder(config).http(false)
                    .matcher(Boolean.parseBoolean(a.getOrDefault("matcher", "true"))).start()) {
                for (String pan : pans) {
                    node.enrollment().enroll("BENCH", new Enrollment.Request(pan, "BENCH-ACCT", "BENCH", null, null));
                }
                for (int c : connections) {
                    long storedBefore = node.stats().snapshot().stored();
                    long batchesBefore = node.stats().snapshot().batches();
                    var r = LoadGenerator.run(new LoadGenerator.Options("127.0.0.1", node.isoPort(), c, inFlight, warmup, duration, Long.MAX_VALUE, pans));
                    long stored = node.stats().snapshot().stored() - storedBefore;
                    long batches = node.stats().snapshot().batches() - batchesBefore;
                    lines.add("durable        | " + r.describe() + String.format("; %,d rows stored in %,d commits", stored, batches));
                    System.out.println(lines.getLast());
                }
            }
        }
        System.out.println();
        lines.forEach(System.out::println);
    }

    static List<String> pans(int n) {
        Random r = new Random(2026);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder("400000");
            while (b.length() < 15) {
                b.append(r.nextInt(10));
            }
            out.add(Pans.withCheckDigit(b.toString()));
        }
        return out;
    }

    static int freePort() throws java.io.IOException {
        try (var s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

}
