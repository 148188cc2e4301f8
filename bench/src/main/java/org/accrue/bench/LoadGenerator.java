/*
 * A closed-loop ISO 8583 load generator: N connections, W requests in flight
 * on each; every lane sends its next message the moment its previous one is
 * answered, so the offered load is whatever the server sustains. Latency is
 * send -> response, recorded in HdrHistogram after the warm-up. Messages are
 * realistic 0200 purchases with unique message keys (DE41 per connection,
 * DE11 per lane step). Bounded: a duration and a message count, whichever
 * ends first.
 */
package org.accrue.bench;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;

public final class LoadGenerator {
    public static final int CONNECTIONS_MAX = 256;
    public static final int IN_FLIGHT_MAX = 256;
    public static final int DURATION_SECONDS_MAX = 3_600;
    private static final long RESPONSE_TIMEOUT_MS = 30_000;
    /** The merchant every generated purchase is made at. */
    public static final String ACQUIRER = "12345678901";
    public static final String MID = "BBC000000000001";
    public static final String MCC = "5814";
    private static final DateTimeFormatter DE7 = DateTimeFormatter.ofPattern("MMddHHmmss").withZone(ZoneOffset.UTC);

    public record Options(String host, int port, int connections, int inFlight, int warmupSeconds,
                          int durationSeconds, long messagesMax, List<String> pans) {
        public Options {
            if (connections < 1 || connections > CONNECTIONS_MAX || inFlight < 1 || inFlight > IN_FLIGHT_MAX
                    || durationSeconds < 1 || durationSeconds > DURATION_SECONDS_MAX || warmupSeconds < 0 || pans.isEmpty()) {
                throw new IllegalArgumentException("connections 1.." + CONNECTIONS_MAX + ", in-flight 1.." + IN_FLIGHT_MAX
                        + ", duration 1.." + DURATION_SECONDS_MAX + " s, and at least one PAN");
            }
            pans = List.copyOf(pans);
        }
    }

    /** Messages per second and latency percentiles of the measured window (after warm-up). */
    public record Result(int connections, int inFlight, long messages, double seconds, double messagesPerSecond,
                         double p50Ms, double p99Ms, double p999Ms, double maxMs, Map<String, Long> byResponseCode,
                         long errors) {
        public String describe() {
            return String.format("%d connection(s) x %d in flight: %,d messages in %.1f s = %,.0f msg/s; "
                            + "latency p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms; DE39 %s; errors %d",
                    connections, inFlight, messages, seconds, messagesPerSecond, p50Ms, p99Ms, p999Ms, maxMs,
                    byResponseCode, errors);
        }

        public String json() {
            return String.format("{\"connections\":%d,\"inFlight\":%d,\"messages\":%d,\"seconds\":%.3f,"
                            + "\"messagesPerSecond\":%.1f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"p999Ms\":%.3f,\"maxMs\":%.3f,\"errors\":%d}",
                    connections, inFlight, messages, seconds, messagesPerSecond, p50Ms, p99Ms, p999Ms, maxMs, errors);
        }
    }

    private LoadGenerator() {
    }

    public static Result run(Options o) throws IOException, InterruptedException {
        return run(o, () -> { });
    }

    /**
     * As {@link #run(Options)}; {@code atMeasureStart} runs on a thread of its own the moment the warm-up ends and
     * the measured window begins (a caller samples its counters there); the call returns after it has.
     */
    public static Result run(Options o, Runnable atMeasureStart) throws IOException, InterruptedException {
        List<IssuerConnection> connections = new ArrayList<>();
        try {
            for (int c = 0; c < o.connections(); c++) {
                connections.add(new IssuerConnection(o.host(), o.port()));
            }
            Recorder recorder = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
            Map<String, LongAdder> codes = new ConcurrentHashMap<>();
            LongAdder measured = new LongAdder();
            LongAdder errors = new LongAdder();
            AtomicLong budget = new AtomicLong(o.messagesMax());
            long start = System.nanoTime();
            long measureFrom = start + TimeUnit.SECONDS.toNanos(o.warmupSeconds());
            long end = measureFrom + TimeUnit.SECONDS.toNanos(o.durationSeconds());
            Thread window = Thread.ofVirtual().start(() -> {
                for (long left = measureFrom - System.nanoTime(); left > 0; left = measureFrom - System.nanoTime()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(left); // waits for a moment, not for a condition
                }
                atMeasureStart.run();
            });
            List<Thread> lanes = new ArrayList<>();
            for (int c = 0; c < connections.size(); c++) {
                IssuerConnection conn = connections.get(c);
                String terminal = String.format("LG%06d", c + 1);
                AtomicInteger stan = new AtomicInteger();
                for (int w = 0; w < o.inFlight(); w++) {
                    Random random = new Random(c * 1_000L + w);
                    lanes.add(Thread.ofVirtual().start(() -> {
                        boolean warmupReset = false;
                        while (System.nanoTime() < end && budget.getAndDecrement() > 0) {
                            WireMessage m = purchase(o.pans().get(random.nextInt(o.pans().size())), terminal,
                                    String.format("%06d", stan.updateAndGet(s -> s >= 999_999 ? 1 : s + 1)), random);
                            long t = System.nanoTime();
                            try {
                                WireMessage r = conn.send(m).get(RESPONSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                                long now = System.nanoTime();
                                if (now >= measureFrom) {
                                    recorder.recordValue(Math.max(1, (now - t) / 1_000));
                                    measured.increment();
                                    codes.computeIfAbsent(r.get(39), k -> new LongAdder()).increment();
                                }
                            } catch (Exception e) {
                                errors.increment();
                            }
                        }
                    }));
                }
            }
            // Lanes record only answers that arrive after the warm-up, so the recorder is never reset (a reset
            // would race with lanes recording at the boundary and lose answers).
            for (Thread t : lanes) {
                t.join();
            }
            window.join();
            Histogram h = recorder.getIntervalHistogram();
            double seconds = (Math.min(System.nanoTime(), end) - measureFrom) / 1e9;
            Map<String, Long> byCode = new TreeMap<>();
            codes.forEach((k, v) -> byCode.put(k, v.sum()));
            long n = h.getTotalCount();
            return new Result(o.connections(), o.inFlight(), n, seconds, n / Math.max(seconds, 1e-9),
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, byCode, errors.sum());
        } finally {
            connections.forEach(IssuerConnection::close);
        }
    }

    /** The generator's purchase at its one merchant (ACQUIRER, MID, MCC), DE37 and DE38 drawn from {@code r}. */
    public static WireMessage purchase(String pan, String terminal, String stan, Random r) {
        Instant now = Instant.now();
        Map<Integer, String> f = new TreeMap<>();
        f.put(2, pan);
        f.put(3, "000000");
        f.put(4, String.format("%012d", 100 + r.nextInt(20_000)));
        f.put(7, DE7.format(now));
        f.put(11, stan);
        f.put(12, "120000");
        f.put(13, "1122");
        f.put(18, MCC);
        f.put(22, "051");
        f.put(32, ACQUIRER);
        f.put(37, String.format("%012d", Math.floorMod(r.nextLong(), 1_000_000_000_000L)));
        f.put(38, String.format("%06d", r.nextInt(1_000_000)));
        f.put(41, terminal);
        f.put(42, MID);
        f.put(43, "BLUE BOTTLE COFFEE       OAKLAND      US");
        f.put(49, "840");
        return WireMessage.of("0200", f);
    }
}
