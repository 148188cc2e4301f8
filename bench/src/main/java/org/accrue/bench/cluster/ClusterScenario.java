/*
 * Issuer traffic through HAProxy to a cluster while nodes (and the store)
 * fail, checked against the store: the issuer is the fault suite's recording
 * client, resending what a dead link left unanswered as repeats (0201), so
 * every message ends answered; then every 00 must be stored exactly once.
 *
 * Method: the cluster starts (Cluster), the client drives N connections x W
 * in flight to HAProxy for --duration seconds, and the faults happen on the
 * run's clock: kill -9 of the node with the most links (--kill-node-at), its
 * restart (--restart-node-at), kill -9 of the store (--kill-db-at) and its
 * restart (--restart-db-at). A monitor reads HAProxy's view of each node and
 * each node's received-messages counter every 200 ms. After the load the
 * nodes are stopped and the store is read: rows per message key.
 *
 * Figures: sent, acked 00 (first or repeat), repeats, stored, doubled (a key
 * stored twice), lost (acked, not stored), outage (kill to the last message
 * the dead node held answered again), HAProxy's DOWN after the kill, per-node
 * messages. The broken promises are the exit code.
 */
package org.accrue.bench.cluster;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.accrue.bench.faults.FaultSuite;
import org.accrue.bench.faults.RecordingClient;
import org.accrue.bench.servers.HaProxy;

public final class ClusterScenario {
    private static final long MONITOR_EVERY_MS = 200;

    /** The run's figures, and the promises it found broken (empty when all held). */
    public record Result(Map<String, Object> figures, List<String> broken) {
        public String describe() {
            StringBuilder b = new StringBuilder("cluster: ");
            figures.forEach((k, v) -> b.append(k).append('=').append(v).append("; "));
            b.append(broken.isEmpty() ? "all promises kept" : "BROKEN: " + String.join("; ", broken));
            return b.toString();
        }
    }

    /** What the monitor saw: per node, messages received over all its lives, and HAProxy's state changes. */
    private static final class Monitor {
        final long[] receivedBefore;
        final long[] lastReceived;
        final String[] status;
        volatile long killedAt;
        volatile int victim = -1;
        volatile long markedDownAt;
        volatile long restartedAt;
        volatile long markedUpAt;

        Monitor(int nodes) {
            receivedBefore = new long[nodes];
            lastReceived = new long[nodes];
            status = new String[nodes];
        }

        synchronized void observe(Cluster c) {
            for (int i = 0; i < c.size(); i++) {
                long r = c.received(i);
                if (r >= 0 && r < lastReceived[i]) { // restarted: its counter starts again
                    receivedBefore[i] += lastReceived[i];
                }
                if (r >= 0) {
                    lastReceived[i] = r;
                }
            }
            try {
                Map<String, HaProxy.ServerStat> s = c.haproxy().serverStates();
                long now = System.nanoTime();
                for (int i = 0; i < c.size(); i++) {
                    HaProxy.ServerStat st = s.get(Cluster.name(i));
                    status[i] = st == null ? "?" : st.status();
                }
                int v = victim;
                if (v >= 0 && killedAt != 0 && markedDownAt == 0 && "DOWN".equals(status[v])) {
                    markedDownAt = now;
                }
                if (v >= 0 && restartedAt != 0 && markedUpAt == 0 && status[v].equals("UP")) {
                    markedUpAt = now;
                }
            } catch (java.io.IOException e) {
                // HAProxy is stopping: nothing to read
            }
        }

        synchronized long received(int i) {
            return receivedBefore[i] + lastReceived[i];
        }
    }

    public static Result run(ClusterOptions o, Consumer<String> out) throws Exception {
        List<String> pans = FaultSuite.pans(o.cards(), o.seed());
        Map<String, Object> f = new LinkedHashMap<>();
        List<String> broken = new ArrayList<>();
        try (Cluster cluster = Cluster.start(o, pans, out)) {
            Monitor m = new Monitor(cluster.size());
            Thread monitor = Thread.ofVirtual().name("cluster-monitor").start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    m.observe(cluster);
                    try {
                        Thread.sleep(MONITOR_EVERY_MS); // a sampling period, not a synchronization
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            RecordingClient client = RecordingClient.start("127.0.0.1", cluster.haproxy().port(), pans, o.connections(),
                    o.inFlight(), o.seed(), true, o.rate());
            long t0 = System.nanoTime();
            CpuShares cpu = CpuShares.begin();
            Map<String, String> cpuShares = null;
            long killDbAt = 0;
            long dbRestartedAt = 0;
            try {
                List<double[]> events = new ArrayList<>(); // {seconds, kind}
                if (o.killNodeAt() >= 0) events.add(new double[] {o.killNodeAt(), 0});
                if (o.restartNodeAt() >= 0) events.add(new double[] {o.restartNodeAt(), 1});
                if (o.killDbAt() >= 0) events.add(new double[] {o.killDbAt(), 2});
                if (o.restartDbAt() >= 0) events.add(new double[] {o.restartDbAt(), 3});
                events.sort((a, b) -> Double.compare(a[0], b[0]));
                for (double[] e : events) {
                    sleepUntil(t0, e[0]);
                    switch ((int) e[1]) {
                        case 0 -> {
                            int v = busiest(cluster);
                            m.victim = v;
                            m.killedAt = System.nanoTime();
                            cluster.killNode(v);
                            out.accept(String.format("%.1f s: kill -9 of %s", secondsSince(t0), Cluster.name(v)));
                        }
                        case 1 -> {
                            long at = System.nanoTime();
                            cluster.restartNode(m.victim);
                            m.restartedAt = System.nanoTime();
                            out.accept(String.format("%.1f s: %s serves again (%.1f s to start)", secondsSince(t0),
                                    Cluster.name(m.victim), (m.restartedAt - at) / 1e9));
                        }
                        case 2 -> {
                            killDbAt = System.nanoTime();
                            cluster.killStore();
                            out.accept(String.format("%.1f s: kill -9 of the store", secondsSince(t0)));
                        }
                        default -> {
                            cluster.restartStore();
                            dbRestartedAt = System.nanoTime();
                            out.accept(String.format("%.1f s: the store runs again", secondsSince(t0)));
                        }
                    }
                }
                sleepUntil(t0, o.durationSeconds());
                cpuShares = cpu.end();
            } finally {
                client.stop();
                monitor.interrupt();
                monitor.join();
            }
            m.observe(cluster);
            double loadSeconds = secondsSince(t0);
            Map<String, HaProxy.ServerStat> finalStats = statsOrEmpty(cluster.haproxy());
            List<RecordingClient.Sent> sent = client.sent();
            List<RecordingClient.Answer> answers = client.answers();
            cluster.stopNodes();

            long acked = sent.stream().filter(RecordingClient.Sent::acked).count();
            long repeated = sent.stream().filter(s -> s.repeats() > 0).count();
            long repeatsAcked = sent.stream().filter(s -> s.repeats() > 0 && "00".equals(s.repeatCode())).count();
            long unanswered = sent.stream().filter(s -> s.code() == null && s.repeatCode() == null).count();
            long other = sent.stream().filter(s -> !s.acked() && (s.code() != null || s.repeatCode() != null)).count();
            Map<String, Integer> rows = cluster.storedRowsPerMessage();
            long doubled = rows.values().stream().filter(n -> n > 1).count();
            long lost = sent.stream().filter(s -> s.acked() && !rows.containsKey(s.id())).count();
            Set<String> ackedIds = new HashSet<>();
            sent.stream().filter(RecordingClient.Sent::acked).forEach(s -> ackedIds.add(s.id()));
            long storedNotAcked = rows.keySet().stream().filter(id -> !ackedIds.contains(id)).count();

            f.put("nodes", o.nodes());
            f.put("store", o.store().name().toLowerCase());
            f.put("load s", String.format("%.1f", loadSeconds));
            f.put("sent", sent.size());
            f.put("acked 00", acked);
            f.put("msg/s acked", Math.round(acked / loadSeconds));
            long[] micros = answers.stream().filter(a -> a.code().equals("00"))
                    .mapToLong(RecordingClient.Answer::latencyMicros).sorted().toArray();
            if (micros.length > 0) {
                f.put("latency of a 00 ms p50/p99/max", String.format("%.1f/%.1f/%.1f", micros[micros.length / 2] / 1e3,
                        micros[(int) Math.min(micros.length - 1, Math.ceil(micros.length * 0.99) - 1)] / 1e3,
                        micros[micros.length - 1] / 1e3));
            }
            if (cpuShares != null) {
                f.put("cores busy (nodes/store/haproxy/client of machine cores)", cpuShares.get("nodes") + "/"
                        + cpuShares.get("store") + "/" + cpuShares.get("haproxy") + "/" + cpuShares.get("client") + " of "
                        + cpuShares.get("machine cores"));
            }
            f.put("resent as repeats (answered 00)", repeated + " (" + repeatsAcked + ")");
            f.put("other codes / unanswered", other + "/" + unanswered);
            if (unanswered > 0) { // what each attempt of each unanswered message met (a run that found one says why)
                f.put("unanswered messages", sent.stream().filter(s -> s.code() == null && s.repeatCode() == null)
                        .limit(5).map(s -> s.id() + " sent at " + String.format("%.2f", (s.sentNanos() - t0) / 1e9)
                                + " s, " + s.repeats() + " repeat(s): " + s.failures()).toList());
            }
            f.put("stored", rows.size());
            f.put("doubled", doubled);
            f.put("lost", lost);
            f.put("stored, never acked", storedNotAcked);
            if (m.killedAt != 0) {
                long k = m.killedAt;
                long lastCut = sent.stream().filter(s -> s.sentNanos() < k && s.repeats() > 0 && s.repeatAnsweredNanos() > k)
                        .mapToLong(RecordingClient.Sent::repeatAnsweredNanos).max().orElse(k);
                f.put("killed", Cluster.name(m.victim));
                f.put("outage s (kill to last cut message answered again)", String.format("%.2f", (lastCut - k) / 1e9));
                f.put("HAProxy marked DOWN s after kill", m.markedDownAt == 0 ? "never" : String.format("%.2f", (m.markedDownAt - k) / 1e9));
                if (m.restartedAt != 0) {
                    f.put("HAProxy marked UP s after restart", m.markedUpAt == 0 ? "never" : String.format("%.2f", (m.markedUpAt - m.restartedAt) / 1e9));
                }
            }
            f.put("longest gap without a 00 s", String.format("%.2f", longestGap(answers, t0) / 1e9));
            if (killDbAt != 0) {
                long from = Math.max(killDbAt, dbRestartedAt);
                long dbKilled = killDbAt;
                f.put("store kill to first 00 after s", answers.stream().filter(a -> a.atNanos() > from && a.code().equals("00"))
                        .mapToLong(RecordingClient.Answer::atNanos).min().stream()
                        .mapToObj(t -> String.format("%.2f", (t - dbKilled) / 1e9)).findFirst().orElse("never"));
            }
            StringBuilder perNode = new StringBuilder();
            for (int i = 0; i < cluster.size(); i++) {
                HaProxy.ServerStat st = finalStats.get(Cluster.name(i));
                perNode.append(Cluster.name(i)).append(' ').append(m.received(i)).append(" msgs/")
                        .append(st == null ? "?" : st.totalSessions()).append(" sessions/")
                        .append(st == null ? "?" : st.downtimeSeconds()).append(" s down; ");
            }
            f.put("per node (messages received, sessions HAProxy opened incl. failed connects, HAProxy downtime)", perNode.toString().strip());

            if (lost > 0) {
                broken.add(lost + " messages acknowledged 00 are not stored");
            }
            if (doubled > 0) {
                broken.add(doubled + " messages stored twice");
            }
            if (m.killedAt != 0 && answers.stream().noneMatch(a -> a.atNanos() > m.killedAt && a.code().equals("00"))) {
                broken.add("no 00 after the kill");
            }
        }
        Result r = new Result(f, broken);
        out.accept(r.describe());
        return r;
    }

    private static Map<String, HaProxy.ServerStat> statsOrEmpty(HaProxy h) {
        try {
            return h.serverStates();
        } catch (java.io.IOException e) {
            return Map.of();
        }
    }

    /** The busiest node by HAProxy's open links (the kill that cuts the most), among those alive. */
    private static int busiest(Cluster c) {
        Map<String, HaProxy.ServerStat> s = statsOrEmpty(c.haproxy());
        int best = c.size() - 1;
        long most = -1;
        for (int i = 0; i < c.size(); i++) {
            HaProxy.ServerStat st = s.get(Cluster.name(i));
            if (st != null && c.nodeAlive(i) && st.currentSessions() > most) {
                most = st.currentSessions();
                best = i;
            }
        }
        return best;
    }

    private static long longestGap(List<RecordingClient.Answer> answers, long t0) {
        long[] times = answers.stream().filter(a -> a.code().equals("00")).mapToLong(RecordingClient.Answer::atNanos).sorted().toArray();
        long gap = 0;
        long prev = t0;
        for (long t : times) {
            gap = Math.max(gap, t - prev);
            prev = t;
        }
        return gap;
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void sleepUntil(long t0, double seconds) throws InterruptedException {
        long wait = t0 + (long) (seconds * 1e9) - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait); // the scenario's clock: faults at their seconds
        }
    }

    public static void main(String[] args) throws Exception {
        ClusterOptions o;
        try {
            o = ClusterOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("accrue cluster: " + e.getMessage());
            System.exit(2);
            return;
        }
        Result r = run(o, System.out::println);
        System.exit(r.broken().size());
    }
}
