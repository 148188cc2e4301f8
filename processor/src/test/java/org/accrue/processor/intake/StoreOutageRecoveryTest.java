package org.accrue.processor.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.Processor;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.store.EmbeddedMariaDb;
import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.testing.Requests;
import org.accrue.processor.testing.TestConfig;
import org.accrue.processor.testing.TestDataDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The store dies (kill -9) and comes back on the same port and data while a node runs on it as an external store,
 * under an issuer's trickle of messages: while it is down every message is answered 96 within the commit deadline,
 * once it accepts connections again the node answers 00 within a bound (the pool and the journal's gate reconnect
 * by themselves), and every message is answered, and stored exactly once when it is resent.
 *
 * The store is a MariaDB the test runs (EmbeddedMariaDb with no restarts of its own), so the node sees what it sees
 * of a shared server: its connections reset, then refused, then a server that answers again.
 */
class StoreOutageRecoveryTest {
    private static final String PAN = "4000056655665556";
    /**
     * What the test allows between the store being ready again and the node's first 00: measured 26-101 ms, generous
     * for a loaded CI host, and below the 5 s the pool's own backoff could take.
     */
    private static final long FIRST_00_AFTER_RESTART_MS_MAX = 5_000;
    /** The issuer's timeout: no message may wait longer for its answer. */
    private static final long ANSWER_WITHIN_MS = 10_000;
    private static final long TRICKLE_EVERY_MS = 20;
    /**
     * How long the store stays dead before it is started again: past 5 s, when HikariCP's own adder had backed off to
     * trying once every 5 s (ACCRUE_TEST_STORE_DOWN_MS in the environment changes it, to measure).
     */
    private static final long STORE_DOWN_MS = Long.parseLong(System.getenv().getOrDefault("ACCRUE_TEST_STORE_DOWN_MS", "6000"));

    private final Path nodeDir = TestDataDirs.fresh("recovery-node");
    private final Path storeDir = TestDataDirs.fresh("recovery-store");

    @AfterEach
    void removeTheDataDirectories() throws Exception {
        TestDataDirs.stopAndDelete(nodeDir);
        TestDataDirs.stopAndDelete(storeDir);
    }

    @Test
    void aStoreKilledAndRestartedIsServedAgainWithinSecondsAndEveryAcknowledgedMessageIsStoredOnce() throws Exception {
        long deadlineMs = 5000; // the default accrue.journal.commit-deadline-ms
        EmbeddedMariaDb store = EmbeddedMariaDb.start(storeDir, new EmbeddedMariaDb.Options(0, 128, 64, 0, 60_000));
        int port = store.port();
        var values = TestConfig.values(nodeDir);
        values.put("accrue.store.mode", "external");
        values.put("accrue.store.url", store.jdbcUrl());
        values.put("accrue.store.user", store.credentials().user());
        values.put("accrue.store.password", store.credentials().password());
        AccrueConfig config = TestConfig.config(values);
        try (Processor node = Processor.builder(config).http(false).scheduler(false).start();
             IssuerConnection issuer = new IssuerConnection("127.0.0.1", node.isoPort())) {
            node.enrollment().enroll(TestConfig.ISSUER_A, new Enrollment.Request(PAN, "ACC-1", "DOE", null, null));
            Trickle trickle = Trickle.start(issuer);
            try {
                awaitTrue("the trickle is answered 00", () -> trickle.count("00", 0) >= 20);

                ProcessHandle server = ProcessHandle.of(store.pid().orElseThrow()).orElseThrow();
                long killedAt = System.nanoTime();
                server.destroyForcibly(); // SIGKILL, as the OOM killer would
                server.onExit().orTimeout(30, TimeUnit.SECONDS).join();
                // Down as long as a restart with crash recovery takes: long enough for any reconnect backoff to grow.
                awaitTrue("messages are answered 96 while the store is down", () -> trickle.count("96", killedAt) >= 20
                        && System.nanoTime() - killedAt >= TimeUnit.MILLISECONDS.toNanos(STORE_DOWN_MS));
                store.close(); // lets go of its directory (it starts nothing again: no restarts of its own)

                store = EmbeddedMariaDb.start(storeDir, new EmbeddedMariaDb.Options(port, 128, 64, 0, 60_000));
                long readyAt = System.nanoTime();
                awaitTrue("the node answers 00 again", () -> trickle.count("00", readyAt) >= 10);
                trickle.stop();
                List<Trickle.Sent> sent = trickle.awaitAll(ANSWER_WITHIN_MS);

                long first00Ms = sent.stream().filter(m -> m.is("00") && m.answeredAt - readyAt > 0)
                        .mapToLong(m -> TimeUnit.NANOSECONDS.toMillis(m.answeredAt - readyAt)).min().orElseThrow();
                long longestMs = sent.stream().mapToLong(Trickle.Sent::waitedMs).max().orElseThrow();
                long during = sent.stream().filter(m -> m.sentAt - killedAt > 0 && readyAt - m.sentAt > 0).count();
                long duringAnswered00 = sent.stream().filter(m -> m.sentAt - killedAt > 0 && readyAt - m.sentAt > 0 && m.is("00")).count();
                System.out.printf("store outage recovery: first 00 %d ms after the store was ready; longest wait %d ms; %d sent, "
                        + "%d while down (%d of them 00); unanswered %d%n", first00Ms, longestMs, sent.size(), during,
                        duringAnswered00, sent.stream().filter(m -> m.code == null).count());

                assertThat(sent).allSatisfy(m -> assertThat(m.code).as("answer to %s", m).isIn("00", "96"));
                assertThat(longestMs).isLessThanOrEqualTo(deadlineMs + 1000);
                assertThat(first00Ms).isLessThan(FIRST_00_AFTER_RESTART_MS_MAX);

                // Every message again: each 00 is a duplicate now, each 96 a first; none is stored twice.
                List<CompletableFuture<WireMessage>> again = sent.stream().map(m -> issuer.send(m.request)).toList();
                assertThat(again).allSatisfy(a -> assertThat(a.orTimeout(30, TimeUnit.SECONDS).join().get(39)).isEqualTo("00"));
                long stored00 = sent.stream().filter(m -> m.is("00")).count();
                assertThat(node.stats().snapshot().duplicates()).isGreaterThanOrEqualTo(stored00);
                assertThat(count(node, "select count(*) from card_message")).isEqualTo(sent.size());
                assertThat(count(node, "select count(distinct message_key) from card_message")).isEqualTo(sent.size());
            } finally {
                trickle.stop();
            }
        } finally {
            store.close();
        }
    }

    /** One message every TRICKLE_EVERY_MS on one connection, each with a new key, its answer and when it came. */
    private static final class Trickle {
        static final class Sent {
            final WireMessage request;
            final long sentAt = System.nanoTime();
            volatile long answeredAt;
            volatile String code;
            final CompletableFuture<WireMessage> answer;

            Sent(WireMessage request, CompletableFuture<WireMessage> answer) {
                this.request = request;
                this.answer = answer;
            }

            boolean is(String c) {
                return c.equals(code);
            }

            long waitedMs() {
                return TimeUnit.NANOSECONDS.toMillis((code == null ? System.nanoTime() : answeredAt) - sentAt);
            }

            @Override
            public String toString() {
                return "DE11 " + request.get(11) + " sent " + waitedMs() + " ms before its answer " + code;
            }
        }

        private final List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
        private volatile boolean stopped;
        private Thread thread;

        static Trickle start(IssuerConnection issuer) {
            Trickle t = new Trickle();
            t.thread = Thread.ofPlatform().name("issuer-trickle").start(() -> t.run(issuer));
            return t;
        }

        private void run(IssuerConnection issuer) {
            int i = 0;
            long next = System.nanoTime();
            while (!stopped) {
                WireMessage m = Requests.of("0200", PAN, 1000 + i++);
                CompletableFuture<WireMessage> f = issuer.send(m);
                Sent s = new Sent(m, f);
                f.thenAccept(r -> {
                    s.answeredAt = System.nanoTime();
                    s.code = r.get(39);
                });
                sent.add(s);
                next += TimeUnit.MILLISECONDS.toNanos(TRICKLE_EVERY_MS);
                LockSupport.parkNanos(next - System.nanoTime()); // the issuer's pace, not a synchronization
            }
        }

        /** Messages sent after {@code sinceNanos} answered {@code code}. */
        long count(String code, long sinceNanos) {
            synchronized (sent) {
                return sent.stream().filter(s -> s.sentAt - sinceNanos > 0 && s.is(code)).count();
            }
        }

        void stop() throws InterruptedException {
            stopped = true;
            thread.join();
        }

        /** Waits, bounded, for every answer; what is still unanswered then stays without a code. */
        List<Sent> awaitAll(long withinMs) {
            List<Sent> all;
            synchronized (sent) {
                all = List.copyOf(sent);
            }
            for (Sent s : all) {
                try {
                    s.answer.get(Math.max(1, withinMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - s.sentAt)),
                            TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    // unanswered within the issuer's timeout: the assertions report it
                }
            }
            awaitTrue("answers recorded", () -> all.stream().allMatch(s -> s.code != null || s.waitedMs() >= withinMs));
            return all;
        }
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within a minute: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // polls the trickle's answers
        }
    }

    private static long count(Processor node, String sql) {
        return node.store().sessionFactory().fromSession(s ->
                ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }
}
