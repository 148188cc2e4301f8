package org.accrue.iso8583;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.IssuerSimulator;
import org.accrue.iso8583.simulator.SimulationReport;
import org.accrue.iso8583.simulator.WireMessage;
import org.jpos.core.SimpleConfiguration;
import org.jpos.iso.ISOServer;
import org.jpos.iso.channel.NACChannel;
import org.jpos.iso.packager.ISO87APackagerBBitmap;
import org.jpos.util.NameRegistrar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The listener inside a real jPOS ISOServer on a loopback port, with a handler that answers on its own threads. */
class AcquiringListenerTest {
    private static final List<String> PANS = List.of("4000056655665556", "5200828282828210", "6011000990139424");

    private final ConcurrentLinkedQueue<CardMessage> seen = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService answerer = Executors.newScheduledThreadPool(2);
    private volatile boolean failing;
    private String handlerName;
    private ISOServer server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        handlerName = "test.handler." + System.nanoTime();
        NameRegistrar.register(handlerName, new CardMessageHandler() {
            @Override
            public void onCardMessage(CardMessage message, Consumer<Acknowledgement> reply) {
                if (failing) {
                    throw new IllegalStateException("store is gone");
                }
                seen.add(message);
                // Answer later, on another thread, in an order unrelated to arrival.
                answerer.schedule(() -> reply.accept(Acknowledgement.RECORDED), (long) (Math.random() * 3), TimeUnit.MILLISECONDS);
            }
        });
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server = new ISOServer(port, new NACChannel(new ISO87APackagerBBitmap(), null), 50);
        server.setConfiguration(new SimpleConfiguration());
        AcquiringListener listener = new AcquiringListener();
        SimpleConfiguration cfg = new SimpleConfiguration();
        cfg.put("handler", handlerName);
        listener.setConfiguration(cfg);
        server.addISORequestListener(listener);
        Thread.ofPlatform().daemon(true).start(server);
        awaitListening();
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (var s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.onSpinWait();
            }
        }
        throw new AssertionError("server did not listen");
    }

    @AfterEach
    void stop() {
        server.shutdown();
        answerer.shutdownNow();
        NameRegistrar.unregister(handlerName);
    }

    @Test
    void theSimulatorsStreamIsAnsweredAsExpectedWithManyInFlight() throws IOException {
        SimulationReport r = IssuerSimulator.run(IssuerSimulator.Options.of("127.0.0.1", port, PANS)
                .withConnections(3).withInFlight(4).withPurchases(200).withBadMessages(false));
        assertThat(r.allAsExpected()).as(r.describe()).isTrue();
        assertThat(r.byScenario().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(200);
        long cardMessages = r.sent() - r.byRequestMti().getOrDefault("0800", 0L);
        assertThat(seen).hasSize((int) cardMessages);
    }

    @Test
    void deliberateMistakesAreAnswered30And12ByTheListenerItself() throws IOException {
        SimulationReport r = IssuerSimulator.run(IssuerSimulator.Options.of("127.0.0.1", port, PANS)
                .withConnections(1).withInFlight(1).withPurchases(0).withBadMessages(true));
        // This handler stores nothing, so the conflicting duplicate is 00 here, not 94: the one expected mismatch.
        assertThat(r.byResponseCode()).containsEntry("30", 1L).containsEntry("12", 1L);
        assertThat(r.mismatches()).singleElement().asString().contains("conflicting-duplicate");
    }

    @Test
    void echoIsAnswered0810WithItsCode() throws Exception {
        try (IssuerConnection c = new IssuerConnection("127.0.0.1", port)) {
            WireMessage r = c.send(WireMessage.of("0800", Map.of(7, "1122103000", 11, "000001", 70, "301")))
                    .get(10, TimeUnit.SECONDS);
            assertThat(r.mti()).isEqualTo("0810");
            assertThat(r.get(39)).isEqualTo("00");
            assertThat(r.get(70)).isEqualTo("301");
        }
    }

    @Test
    void aHandlerThatFailsMeansNotRecorded96() throws Exception {
        failing = true;
        try (IssuerConnection c = new IssuerConnection("127.0.0.1", port)) {
            WireMessage r = c.send(WireMessage.of("0200", Map.ofEntries(Map.entry(2, PANS.getFirst()),
                    Map.entry(3, "000000"), Map.entry(4, "000000000100"), Map.entry(7, "1122103000"),
                    Map.entry(11, "000002"), Map.entry(32, "123"), Map.entry(41, "T1"), Map.entry(49, "840"))))
                    .get(10, TimeUnit.SECONDS);
            assertThat(r.get(39)).isEqualTo("96");
            assertThat(r.get(2)).isNull();
        }
    }
}
