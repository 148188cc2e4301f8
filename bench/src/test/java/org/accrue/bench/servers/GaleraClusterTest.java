package org.accrue.bench.servers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.accrue.bench.faults.RecordingClient;
import org.accrue.bench.node.NodeDir;
import org.accrue.config.AccrueConfig;
import org.accrue.config.Settings;
import org.accrue.iso8583.Pans;
import org.accrue.processor.Processor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node on a three-member Galera cluster through the sequential URL, as an operator runs it: it migrates the schema
 * there (five NOCACHE sequences: a cached one is refused, error 1235) and stores an issuer's stream; when the member
 * it writes to is killed it goes on with the next, and when a second dies (no quorum: the last member refuses
 * writes) it answers 96 until members are started again. Every 00 is stored, once, on every member.
 * One cluster, one node and one stream for the whole scenario: a cluster takes 14 s to start. Measured (2 shared
 * cores): first 00 6.4 s after the kill, first 96 5.0 s after quorum is lost, first 00 11.6-14.8 s after the restart
 * begins; after every member is killed, a cluster of 3 again in 21 s; 60-89 s in all.
 */
@Tag("galera") // 60-89 s alone, 175 s on a machine busy with other builds: CI can leave it out with -DexcludedGroups=galera
class GaleraClusterTest {
    private static final String ISSUER = "GALERA_BANK";
    /** Longest a phase may take before the scenario is failed: a failover measured 35 s before this work. */
    private static final long PHASE_TIMEOUT_MS = 90_000;

    private static List<String> pans(int n) {
        Random r = new Random(15);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder("400000");
            while (b.length() < 15) {
                b.append(r.nextInt(10));
            }
            out.add(Pans.withCheckDigit(b.toString()));
        }
        return out;
    }

    /**
     * Waits for the first answer passing {@code code} to a message sent after {@code sinceNanos} (an answer to a
     * message committed before a kill says nothing of the failover); returns its time, in seconds after {@code sinceNanos}.
     */
    private static double firstAnswer(RecordingClient client, long sinceNanos, Predicate<String> code) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PHASE_TIMEOUT_MS);
        while (System.nanoTime() < deadline) {
            var hit = client.answers().stream()
                    .filter(a -> a.atNanos() - a.latencyMicros() * 1_000 > sinceNanos && code.test(a.code()))
                    .mapToLong(RecordingClient.Answer::atNanos).min();
            if (hit.isPresent()) {
                return (hit.getAsLong() - sinceNanos) / 1e9;
            }
            Thread.sleep(50); // polling the client's time line, with a deadline
        }
        throw new AssertionError("no such answer within " + PHASE_TIMEOUT_MS + " ms; answers since: "
                + timeline(client, sinceNanos));
    }

    private static long count00After(RecordingClient client, long sinceNanos) {
        return client.answers().stream().filter(a -> a.atNanos() > sinceNanos && "00".equals(a.code())).count();
    }

    private static void await00s(RecordingClient client, long sinceNanos, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PHASE_TIMEOUT_MS);
        while (count00After(client, sinceNanos) < n) {
            assertThat(System.nanoTime()).as("%d 00s", n).isLessThan(deadline);
            Thread.sleep(50); // polling with a deadline
        }
    }

    /** Answers per second after {@code sinceNanos}, as "s:00xN,96xM". */
    private static String timeline(RecordingClient client, long sinceNanos) {
        var bySecond = new java.util.TreeMap<Long, java.util.TreeMap<String, Integer>>();
        for (var a : client.answers()) {
            if (a.atNanos() > sinceNanos) {
                bySecond.computeIfAbsent((a.atNanos() - sinceNanos) / 1_000_000_000L, k -> new java.util.TreeMap<>())
                        .merge(a.code(), 1, Integer::sum);
            }
        }
        return bySecond.toString();
    }

    @Test
    void aNodeOnTheSequentialUrlMovesToTheNextMemberLosesNoAcknowledgedMessageAndAnswers96WithoutQuorum() throws Exception {
        Path dir = Path.of("target", "test-data", "galera-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        long t0 = System.nanoTime();
        try (GaleraCluster g = GaleraCluster.start(dir.resolve("cluster"))) {
            System.out.printf("galera: started in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            List<String> pans = pans(20);
            NodeDir nodeDir = NodeDir.create(dir.resolve("node"), ISSUER, "Galera Bank", Map.of(
                    "accrue.log.level", "WARN",
                    "accrue.store.mode", "external",
                    "accrue.store.url", g.jdbcUrl(),
                    "accrue.store.user", g.user(),
                    "accrue.store.password", g.password()));
            nodeDir.prepare(pans, "{\"merchantId\":\"galera-cafe\",\"name\":\"Galera Cafe\","
                    + "\"mids\":[{\"acquirerId\":\"" + org.accrue.bench.LoadGenerator.ACQUIRER + "\",\"mid\":\""
                    + org.accrue.bench.LoadGenerator.MID + "\"}],\"descriptors\":[\"GALERA*\"],\"mccs\":[\""
                    + org.accrue.bench.LoadGenerator.MCC + "\"]}",
                    "{\"id\":\"galera-cafe-1pct\",\"merchantId\":\"galera-cafe\","
                    + "\"reward\":{\"type\":\"PERCENT\",\"rateBps\":100},\"currency\":\"USD\","
                    + "\"startsAt\":\"2026-01-01T00:00:00Z\"}");
            System.out.printf("galera: schema migrated, cards enrolled at %.1f s%n", (System.nanoTime() - t0) / 1e9);

            List<RecordingClient.Sent> sent;
            try (Processor node = Processor.builder(AccrueConfig.from(Settings.of(nodeDir.settings()))).start()) {
                RecordingClient client = RecordingClient.start("127.0.0.1", node.isoPort(), pans, 2, 1, 15);
                try {
                    long start = System.nanoTime();
                    await00s(client, start, 50);
                    assertThat(g.clientConnections(0)).as("the node's connections on member 0").isPositive();

                    long killed = System.nanoTime();
                    g.kill(0);
                    double failover = firstAnswer(client, killed, "00"::equals);
                    System.out.printf("galera: member 0 killed: first 00 %.2f s after; answers by second %s%n",
                            failover, timeline(client, killed));
                    await00s(client, killed, 50);
                    assertThat(g.clientConnections(1)).as("the node's connections on member 1").isPositive();

                    long quorumLost = System.nanoTime();
                    g.kill(1);
                    double first96 = firstAnswer(client, quorumLost, "96"::equals);
                    double nonPrimary = g.awaitNonPrimary(2, PHASE_TIMEOUT_MS);
                    long held = System.nanoTime();
                    firstAnswer(client, held, "96"::equals);
                    assertThat(count00After(client, held)).as("00s while no member takes writes").isZero();
                    System.out.printf("galera: member 2 non-Primary %.2f s after the second kill%n", nonPrimary);

                    long restarted = System.nanoTime();
                    g.restart(0, 1);
                    double back = firstAnswer(client, restarted, "00"::equals);
                    System.out.printf("galera: members 0, 1 killed: first 96 %.2f s after the second kill; "
                                    + "restart: first 00 %.2f s after, cluster of 3 again %.2f s after; answers by second %s%n",
                            first96, back, (System.nanoTime() - restarted) / 1e9, timeline(client, quorumLost));
                    await00s(client, System.nanoTime(), 20);
                } finally {
                    client.stop();
                }
                sent = client.sent();
            }

            // Every member killed (power loss): the most advanced starts a new cluster, the others join; nothing is lost.
            for (int i = 0; i < GaleraCluster.MEMBERS; i++) {
                g.kill(i);
            }
            long fullStop = System.nanoTime();
            g.restart(0, 1, 2);
            System.out.printf("galera: all members killed, cluster of 3 again %.2f s after restart%n", (System.nanoTime() - fullStop) / 1e9);
            assertThat(g.status(0).synced() && g.status(1).synced() && g.status(2).synced()).isTrue();

            Set<String> stored = new HashSet<>();
            long rows = 0;
            for (int i = 0; i < GaleraCluster.MEMBERS; i++) {
                Set<String> here = new HashSet<>();
                long rowsHere = 0;
                try (var c = DriverManager.getConnection(g.memberUrl(i) + "?sessionVariables=wsrep_sync_wait=1", g.user(), g.password());
                     var st = c.createStatement(); var rs = st.executeQuery("select terminal_id, stan from card_message")) {
                    while (rs.next()) {
                        here.add(rs.getString(1).strip() + "|" + Integer.parseInt(rs.getString(2).strip()));
                        rowsHere++;
                    }
                }
                if (i == 0) {
                    stored = here;
                    rows = rowsHere;
                } else {
                    assertThat(here).as("member %d holds what member 0 holds", i).isEqualTo(stored);
                }
            }
            Set<String> storedIds = stored;
            long acked = sent.stream().filter(s -> "00".equals(s.code())).count();
            long lost = sent.stream().filter(s -> "00".equals(s.code()) && !storedIds.contains(s.id())).count();
            System.out.printf("galera: sent %d, 00 %d, 96 %d, none %d, stored %d; total %.1f s%n", sent.size(), acked,
                    sent.stream().filter(s -> "96".equals(s.code())).count(), sent.stream().filter(s -> s.code() == null).count(),
                    rows, (System.nanoTime() - t0) / 1e9);
            assertThat(lost).as("00s not stored").isZero();
            assertThat(rows).as("stored twice").isEqualTo(stored.size());
        }
    }
}
