/*
 * The fault suite: what production does to an issuer's link, done to a real
 * `accrue serve` (its own JVM, its own embedded MariaDB) while a recording
 * client drives it, and then checked against the store.
 *
 *   kill        kill -9 of the node at random moments under load, restart on
 *               the same config and data, N times; then: every 00 stored
 *               exactly once, every stored purchase rewarded exactly once, and
 *               a replay of everything answered as before (a 00 again for every
 *               00; a message that got 96 or nothing is a first now, 00)
 *   store-pause SIGSTOP of the node's mariadbd under load for P seconds: only 96
 *               while it is paused, every message answered, 00 again without a
 *               restart once it runs
 *   store-kill  kill -9 of the node's mariadbd under load: 96 while it is down,
 *               the node brings its store back by itself
 *   garbage     random, truncated and oversized frames on other connections
 *               while good traffic runs: the good traffic's p99 with and
 *               without them
 *   storm       more connections at once than accrue.iso.connections-max:
 *               those past the limit are refused at once, none hangs
 *
 * Every scenario prints one line of figures; then the store is checked in
 * this JVM (StoreCheck: the same wiring as every node, Processor.builder)
 * and everything sent is replayed to a restarted node; the exit code
 * is the number of broken promises. Bounded throughout: kill points, seconds,
 * connections and answer timeouts all have limits.
 */
package org.accrue.bench.faults;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.accrue.bench.faults.RecordingClient.Answer;
import org.accrue.bench.faults.RecordingClient.Sent;
import org.accrue.bench.node.NodeDir;
import org.accrue.bench.node.ServedNode;
import org.accrue.iso8583.simulator.IssuerConnection;

public final class FaultSuite {
    public static final int KILL_POINTS_MAX = 500;
    static final String ISSUER = "FAULT";
    /** A 00 answered this soon after the store was paused may be a commit that finished just before. */
    private static final long PAUSE_GRACE_MS = 200;
    /** "At once" for a connection past the limit, with room for a busy 2-core machine accepting 300 of them. */
    private static final double REFUSE_WITHIN_SECONDS = 1.5;

    /** What a run is given: where, how much traffic, how many faults. */
    public record Options(Path dir, int cards, int connections, int inFlight, int killPoints, double killGapSecondsMax,
                          int storePauses, int pauseSeconds, int storeKills, int garbageSeconds, int stormConnections,
                          long seed, Map<String, String> overrides) {
        public Options {
            if (killPoints < 0 || killPoints > KILL_POINTS_MAX || connections < 1 || connections > 64 || inFlight < 1
                    || inFlight > 64 || cards < 1 || killGapSecondsMax < 0.5 || killGapSecondsMax > 60
                    || pauseSeconds < 1 || pauseSeconds > 120 || garbageSeconds < 0 || garbageSeconds > 300
                    || stormConnections < 0 || stormConnections > 2_000) {
                throw new IllegalArgumentException("out of bounds: kill points 0.." + KILL_POINTS_MAX
                        + ", connections and in-flight 1..64, kill gap 0.5..60 s, pause 1..120 s, garbage 0..300 s, storm 0..2000");
            }
            overrides = Map.copyOf(overrides);
        }
    }

    /** One scenario's figures, and the promises it found broken (empty when all held). */
    public record Result(String scenario, Map<String, Object> figures, List<String> broken) {
        public String describe() {
            StringBuilder b = new StringBuilder(scenario).append(": ");
            figures.forEach((k, v) -> b.append(k).append('=').append(v).append("; "));
            b.append(broken.isEmpty() ? "all promises kept" : "BROKEN: " + String.join("; ", broken));
            return b.toString();
        }
    }

    private final Options o;
    private final Consumer<String> out;
    private final List<String> pans;
    private final NodeDir node;
    private final int isoPort;
    private final List<Sent> sent = new ArrayList<>();
    private int run;

    private FaultSuite(Options o, Consumer<String> out) throws IOException {
        this.o = o;
        this.out = out;
        this.pans = pans(o.cards(), o.seed());
        Map<String, String> s = new TreeMap<>();
        s.put("accrue.log.level", "WARN");
        s.put("accrue.store.embedded.buffer-pool-mb", "128");
        s.put("accrue.store.embedded.redo-log-mb", "64");
        s.putAll(o.overrides());
        node = NodeDir.create(o.dir(), ISSUER, "Fault Bank", s);
        isoPort = node.isoPort();
    }

    /**
     * Runs the named scenarios (kill, store-pause, store-kill, garbage, storm) one after the other on one node's
     * data, then checks the store once for everything they sent (the last Result, "check").
     */
    public static List<Result> run(Options o, List<String> scenarios, Consumer<String> out) throws Exception {
        List<Result> results = new ArrayList<>();
        FaultSuite suite = new FaultSuite(o, out);
        suite.prepare();
        for (String s : scenarios) {
            Result r = switch (s) {
                case "kill" -> suite.kill();
                case "store-pause" -> suite.storePause();
                case "store-kill" -> suite.storeKill();
                case "garbage" -> suite.garbage();
                case "storm" -> suite.storm();
                default -> throw new IllegalArgumentException("unknown scenario " + s
                        + " (kill, store-pause, store-kill, garbage, storm)");
            };
            out.accept(r.describe());
            results.add(r);
        }
        Map<String, Object> f = new LinkedHashMap<>();
        List<String> broken = new ArrayList<>();
        new StoreCheck(suite.node, suite::serve, Math.min(16, o.connections() * 2), out).checkAndReplay(suite.sent, f, broken);
        Result check = new Result("check", f, broken);
        out.accept(check.describe());
        results.add(check);
        return results;
    }

    /** Enrolls every card and creates the merchant and an offer that rewards each of its purchases, in this JVM. */
    private void prepare() throws Exception {
        prepare(node, pans);
    }

    /** The suite's cards enrolled, and its merchant and 1% offer created, in {@code node}'s store (the node stopped). */
    public static void prepare(NodeDir node, List<String> pans) throws Exception {
        node.prepare(pans, "{\"merchantId\":\"fault-cafe\",\"name\":\"Fault Cafe\","
                + "\"mids\":[{\"acquirerId\":\"" + RecordingClient.ACQUIRER + "\",\"mid\":\"" + RecordingClient.MID
                + "\"}],\"descriptors\":[\"FAULT SUITE*\"],\"mccs\":[\"" + RecordingClient.MCC + "\"]}",
                "{\"id\":\"fault-cafe-1pct\",\"merchantId\":\"fault-cafe\","
                + "\"reward\":{\"type\":\"PERCENT\",\"rateBps\":100},\"currency\":\"USD\","
                + "\"startsAt\":\"2026-01-01T00:00:00Z\"}");
    }

    private ServedNode serve() throws IOException {
        return ServedNode.start(node.config(), o.dir(), ++run);
    }

    // ---------------------------------------------------------------- kill -9 of the node

    private Result kill() throws Exception {
        Random random = new Random(o.seed());
        List<Double> restarts = new ArrayList<>();
        List<Long> killedAt = new ArrayList<>();
        ServedNode node = serve();
        RecordingClient client = RecordingClient.start("127.0.0.1", isoPort, pans, o.connections(), o.inFlight(), o.seed());
        try {
            for (int i = 0; i < o.killPoints(); i++) {
                // A random moment under load: that randomness is the point of the scenario.
                Thread.sleep((long) (500 + random.nextDouble() * (o.killGapSecondsMax() * 1000 - 500)));
                killedAt.add(System.nanoTime());
                node.kill9();
                long t0 = System.nanoTime();
                node = serve();
                restarts.add((System.nanoTime() - t0) / 1e9);
            }
            Thread.sleep((long) (o.killGapSecondsMax() * 1000)); // traffic on the last restart too
        } finally {
            client.stop();
            node.close();
        }
        List<Answer> answers = client.answers();
        List<Double> recoveries = new ArrayList<>();
        for (long k : killedAt) {
            answers.stream().filter(a -> a.atNanos() > k && a.code().equals("00")).mapToLong(Answer::atNanos).min()
                    .ifPresent(first -> recoveries.add((first - k) / 1e9));
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("kill points", o.killPoints());
        f.put("restart s (median/max)", medianMax(restarts));
        f.put("kill to first 00 s (median/max)", medianMax(recoveries));
        List<String> broken = new ArrayList<>();
        if (recoveries.size() < killedAt.size()) {
            broken.add((killedAt.size() - recoveries.size()) + " kill points never saw a 00 again");
        }
        record(client.sent(), f);
        return new Result("kill", f, broken);
    }

    // ---------------------------------------------------------------- the store paused or killed

    private Result storePause() throws Exception {
        return storeFault("store-pause", o.storePauses(), true);
    }

    private Result storeKill() throws Exception {
        return storeFault("store-kill", o.storeKills(), false);
    }

    private Result storeFault(String name, int times, boolean pause) throws Exception {
        List<long[]> windows = new ArrayList<>(); // {fault start, fault end}
        ServedNode node = serve();
        RecordingClient client = RecordingClient.start("127.0.0.1", isoPort, pans, o.connections(), o.inFlight(), o.seed());
        try {
            for (int i = 0; i < times; i++) {
                Thread.sleep(3_000); // steady traffic before the fault
                ProcessHandle db = node.mariadbd().orElseThrow(() -> new IllegalStateException("no mariadbd under the node"));
                long start = System.nanoTime();
                if (pause) {
                    ServedNode.signal(db.pid(), "STOP");
                    try {
                        Thread.sleep(o.pauseSeconds() * 1000L); // the length of the outage is the scenario's parameter
                    } finally {
                        ServedNode.signal(db.pid(), "CONT");
                    }
                    windows.add(new long[] {start, System.nanoTime()});
                } else {
                    ServedNode.signal(db.pid(), "KILL");
                    windows.add(new long[] {start, start}); // its end is the first 00 after it
                }
                awaitFirst00After(client, windows.getLast()[1], 120_000);
            }
            Thread.sleep(3_000);
        } finally {
            client.stop();
            node.close();
        }
        List<Answer> answers = client.answers();
        Map<String, Object> f = new LinkedHashMap<>();
        List<String> broken = new ArrayList<>();
        List<Double> recoveries = new ArrayList<>();
        long during00 = 0;
        long during96 = 0;
        long duringOther = 0;
        for (long[] w : windows) {
            // Answers to batches committed just before the fault still come back after it: recovery is the first
            // 00 after the fault has shown itself (its first 96) and after it has ended.
            long shown = answers.stream().filter(a -> a.atNanos() > w[0] && a.code().equals("96"))
                    .mapToLong(Answer::atNanos).min().orElse(w[0]);
            long from = Math.max(shown, w[1]);
            answers.stream().filter(a -> a.atNanos() > from && a.code().equals("00")).mapToLong(Answer::atNanos).min()
                    .ifPresent(first -> recoveries.add((first - w[1]) / 1e9));
            for (Answer a : answers) {
                if (pause && a.atNanos() > w[0] + TimeUnit.MILLISECONDS.toNanos(PAUSE_GRACE_MS) && a.atNanos() < w[1]) {
                    switch (a.code()) {
                        case "00" -> during00++;
                        case "96" -> during96++;
                        default -> duringOther++;
                    }
                }
            }
        }
        f.put("faults", times);
        if (pause) {
            f.put("pause s", o.pauseSeconds());
            f.put("answers while paused (96/00/other)", during96 + "/" + during00 + "/" + duringOther);
            if (during00 + duringOther > 0) {
                broken.add((during00 + duringOther) + " answers other than 96 while the store was paused");
            }
            if (during96 == 0) {
                broken.add("no 96 while the store was paused: the issuer heard nothing");
            }
        }
        f.put(pause ? "resume to first 00 s (median/max)" : "kill to first 00 s (median/max)", medianMax(recoveries));
        if (recoveries.size() < windows.size()) {
            broken.add((windows.size() - recoveries.size()) + " faults never saw a 00 again");
        }
        record(client.sent(), f);
        return new Result(name, f, broken);
    }

    private static void awaitFirst00After(RecordingClient client, long after, long waitMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        while (System.nanoTime() < deadline) {
            if (client.answers().stream().anyMatch(a -> a.atNanos() > after && a.code().equals("00"))) {
                return;
            }
            Thread.sleep(50); // polling a condition with a deadline
        }
    }

    // ---------------------------------------------------------------- bad frames beside good traffic

    private Result garbage() throws Exception {
        Map<String, Object> f = new LinkedHashMap<>();
        List<String> broken = new ArrayList<>();
        try (ServedNode node = serve()) {
            RecordingClient quiet = RecordingClient.start("127.0.0.1", isoPort, pans, o.connections(), o.inFlight(), o.seed());
            Thread.sleep(o.garbageSeconds() * 1000L);
            quiet.stop();
            RecordingClient loud = RecordingClient.start("127.0.0.1", isoPort, pans, o.connections(), o.inFlight(), o.seed() + 1);
            Garbage g = new Garbage(isoPort, 8, o.seed());
            Thread.sleep(o.garbageSeconds() * 1000L);
            g.stop();
            loud.stop();
            f.put("good msg/s without / with garbage", String.format("%.0f / %.0f",
                    quiet.answers().size() / (double) o.garbageSeconds(), loud.answers().size() / (double) o.garbageSeconds()));
            f.put("good p99 ms without / with garbage", String.format("%.1f / %.1f", p99Ms(quiet), p99Ms(loud)));
            f.put("bad frames sent", g.frames());
            f.put("bad connections closed by the node", g.closedByNode());
            f.put("truncated frames held past 10 s", g.heldLong());
            long unanswered = loud.sent().stream().filter(s -> s.code() == null).count()
                    + quiet.sent().stream().filter(s -> s.code() == null).count();
            f.put("good messages unanswered", unanswered);
            if (unanswered > 0) {
                broken.add(unanswered + " good messages unanswered beside the garbage");
            }
            if (g.heldLong() > 0) {
                broken.add(g.heldLong() + " truncated frames held their connection past 10 s");
            }
            List<Sent> all = new ArrayList<>(quiet.sent());
            all.addAll(loud.sent());
            record(all, f);
        }
        return new Result("garbage", f, broken);
    }

    private static double p99Ms(RecordingClient c) {
        long[] l = c.answers().stream().mapToLong(Answer::latencyMicros).sorted().toArray();
        return l.length == 0 ? 0 : l[Math.min(l.length - 1, (int) Math.ceil(l.length * 0.99) - 1)] / 1000.0;
    }

    // ---------------------------------------------------------------- a connection storm

    private Result storm() throws Exception {
        Map<String, Object> f = new LinkedHashMap<>();
        List<String> broken = new ArrayList<>();
        int n = o.stormConnections();
        List<Sent> stormSent = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ServedNode node = serve()) {
            java.util.concurrent.atomic.LongAdder answered = new java.util.concurrent.atomic.LongAdder();
            java.util.concurrent.atomic.LongAdder refused = new java.util.concurrent.atomic.LongAdder();
            java.util.concurrent.atomic.LongAdder hung = new java.util.concurrent.atomic.LongAdder();
            List<Double> refusedAfter = java.util.Collections.synchronizedList(new ArrayList<>());
            List<IssuerConnection> open = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                ts.add(Thread.ofVirtual().start(() -> {
                    long t0 = 0;
                    try {
                        go.await();
                        t0 = System.nanoTime();
                        IssuerConnection c = new IssuerConnection("127.0.0.1", isoPort);
                        open.add(c);
                        var m = RecordingClient.purchase(pans.get(k % pans.size()), String.format("S%07d", k), "000001",
                                new Random(k));
                        Sent s = new Sent(m, System.nanoTime());
                        stormSent.add(s);
                        s.code = c.send(m).get(15, TimeUnit.SECONDS).get(39);
                        answered.increment();
                    } catch (java.util.concurrent.TimeoutException e) {
                        hung.increment();
                    } catch (Exception e) {
                        refused.increment();
                        refusedAfter.add((System.nanoTime() - t0) / 1e9);
                    }
                }));
            }
            go.countDown();
            for (Thread t : ts) {
                t.join();
            }
            open.forEach(IssuerConnection::close);
            f.put("connections at once", n);
            f.put("answered", answered.sum());
            f.put("refused", refused.sum());
            f.put("refused after s (median/max)", medianMax(refusedAfter));
            f.put("hung (no answer, not closed, 15 s)", hung.sum());
            if (hung.sum() > 0) {
                broken.add(hung.sum() + " connections neither served nor refused");
            }
            double slowest = refusedAfter.stream().mapToDouble(Double::doubleValue).max().orElse(0);
            if (slowest > REFUSE_WITHIN_SECONDS) {
                broken.add(String.format("a connection past the limit waited %.2f s to be refused", slowest));
            }
            // The node still serves once the storm is over.
            try (IssuerConnection after = new IssuerConnection("127.0.0.1", isoPort)) {
                var m = RecordingClient.purchase(pans.getFirst(), "S9999999", "000001", new Random(1));
                String code = after.send(m).get(15, TimeUnit.SECONDS).get(39);
                f.put("after the storm", code);
                if (!code.equals("00")) {
                    broken.add("after the storm a new connection got " + code);
                }
            }
        }
        record(stormSent.stream().filter(s -> s.code() != null).toList(), f);
        return new Result("storm", f, broken);
    }

    // ---------------------------------------------------------------- the checks against the store

    /** Keeps a scenario's messages for the check at the end, and counts their answers in its figures. */
    private void record(List<Sent> messages, Map<String, Object> f) {
        sent.addAll(messages);
        long acked = messages.stream().filter(m -> "00".equals(m.code())).count();
        long refused96 = messages.stream().filter(m -> "96".equals(m.code())).count();
        long none = messages.stream().filter(m -> m.code() == null).count();
        f.put("sent", messages.size());
        f.put("00/96/other/none", acked + "/" + refused96 + "/" + (messages.size() - acked - refused96 - none) + "/" + none);
    }

    // ---------------------------------------------------------------- small things

    private static String medianMax(List<Double> xs) {
        if (xs.isEmpty()) {
            return "-";
        }
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format("%.2f/%.2f", a[a.length / 2], a[a.length - 1]);
    }

    /** {@code n} card numbers (valid check digits) from {@code seed}. */
    public static List<String> pans(int n, long seed) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder("400000");
            while (b.length() < 15) {
                b.append(r.nextInt(10));
            }
            out.add(org.accrue.iso8583.Pans.withCheckDigit(b.toString()));
        }
        return out;
    }

    /** {@code java -cp ... org.accrue.bench.faults.FaultSuite --scenarios kill,store-pause --kill-points 50 ...} */
    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Map<String, String> overrides = new TreeMap<>();
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("accrue.")) {
                overrides.put(name, System.getProperty(name));
            }
        }
        Options o = new Options(Path.of(a.getOrDefault("dir", "bench/target/fault-data")).toAbsolutePath(),
                Integer.parseInt(a.getOrDefault("cards", "200")),
                Integer.parseInt(a.getOrDefault("connections", "8")),
                Integer.parseInt(a.getOrDefault("in-flight", "4")),
                Integer.parseInt(a.getOrDefault("kill-points", "50")),
                Double.parseDouble(a.getOrDefault("kill-gap-max", "4")),
                Integer.parseInt(a.getOrDefault("store-pauses", "2")),
                Integer.parseInt(a.getOrDefault("pause-seconds", "20")),
                Integer.parseInt(a.getOrDefault("store-kills", "2")),
                Integer.parseInt(a.getOrDefault("garbage-seconds", "15")),
                Integer.parseInt(a.getOrDefault("storm-connections", "300")),
                Long.parseLong(a.getOrDefault("seed", "2026")),
                overrides);
        List<String> scenarios = Arrays.asList(a.getOrDefault("scenarios", "kill,store-pause,store-kill,garbage,storm").split(","));
        List<Result> results = run(o, scenarios, System.out::println);
        long broken = results.stream().mapToLong(r -> r.broken().size()).sum();
        System.out.println();
        results.forEach(r -> System.out.println(r.describe()));
        System.exit((int) Math.min(broken, 100));
    }
}
