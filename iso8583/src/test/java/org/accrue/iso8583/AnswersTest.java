package org.accrue.iso8583;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.jpos.core.SimpleConfiguration;
import org.jpos.iso.ISOServer;
import org.jpos.iso.packager.ISO87APackagerBBitmap;
import org.jpos.util.NameRegistrar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A group of answers sent together through a real ISOServer of IssuerChannels, as the journal sends a batch's. */
class AnswersTest {
    private static final int MESSAGES = 6;

    private final List<Consumer<Acknowledgement>> replies = new ArrayList<>();
    private final List<CardMessage> received = new ArrayList<>();
    private String handlerName;
    private ISOServer server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        handlerName = "answers.handler." + System.nanoTime();
        NameRegistrar.register(handlerName, new CardMessageHandler() {
            @Override
            public synchronized void onCardMessage(CardMessage message, Consumer<Acknowledgement> reply) {
                received.add(message);
                replies.add(reply);
                if (replies.size() == MESSAGES) { // one "batch": the third is answered 96, the rest 00
                    List<Acknowledgement> acks = new ArrayList<>();
                    for (int i = 0; i < MESSAGES; i++) {
                        acks.add(i == 2 ? Acknowledgement.of(ResponseCode.NOT_RECORDED_STORE_UNAVAILABLE) : Acknowledgement.RECORDED);
                    }
                    Answers.sendAll(List.copyOf(replies), acks);
                }
            }
        });
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        IssuerChannel template = new IssuerChannel();
        template.setPackager(new ISO87APackagerBBitmap());
        server = new ISOServer(port, template, 4);
        server.setConfiguration(new SimpleConfiguration());
        AcquiringListener listener = new AcquiringListener();
        SimpleConfiguration cfg = new SimpleConfiguration();
        cfg.put("handler", handlerName);
        listener.setConfiguration(cfg);
        server.addISORequestListener(listener);
        Thread.ofPlatform().daemon(true).start(server);
    }

    @AfterEach
    void stop() {
        server.shutdown();
        NameRegistrar.unregister(handlerName);
    }

    @Test
    void answersSentTogetherReachTheirOwnRequestsInOrderOnOneConnection() throws Exception {
        try (IssuerConnection c = connect()) {
            List<CompletableFuture<WireMessage>> answers = new ArrayList<>();
            for (int i = 1; i <= MESSAGES; i++) {
                answers.add(c.send(WireMessage.of("0200", Map.ofEntries(Map.entry(2, "4000056655665556"),
                        Map.entry(3, "000000"), Map.entry(4, String.format("%012d", 100 * i)), Map.entry(7, "1122103000"),
                        Map.entry(11, String.format("%06d", i)), Map.entry(32, "123"), Map.entry(41, "T1"),
                        Map.entry(49, "840")))));
            }
            for (int i = 1; i <= MESSAGES; i++) {
                WireMessage r = answers.get(i - 1).get(10, TimeUnit.SECONDS);
                assertThat(r.mti()).isEqualTo("0210");
                assertThat(r.get(11)).isEqualTo(String.format("%06d", i));
                assertThat(r.get(39)).isEqualTo(i == 3 ? "96" : "00");
                assertThat(r.get(2)).isNull();
            }
        }
        assertThat(received).extracting(CardMessage::amountMinor).containsExactly(100L, 200L, 300L, 400L, 500L, 600L);
    }

    private IssuerConnection connect() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return new IssuerConnection("127.0.0.1", port);
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("server did not listen", notYet);
                }
                Thread.onSpinWait();
            }
        }
    }
}
