package org.accrue.processor.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.Requests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** accrue.iso.connections-max over real sockets: past the limit a connection is closed at once, never left waiting. */
@ExtendWith(ProcessorExtension.class)
@NodeSettings("accrue.iso.connections-max=4")
class ConnectionLimitTest {
    private static final int LIMIT = 4;
    private static final int REFUSAL_WAIT_MS = 2_000;
    private static final long SETTLE_MS = 10_000;
    private static final long POLL_MS = 10;

    private Node node;
    private Api api;
    private final List<IssuerConnection> admitted = new ArrayList<>();

    @BeforeEach
    void noConnectionOpen(Node node) {
        this.node = node;
        this.api = new Api(node.processor().httpPort());
        awaitOpenConnections(0); // the previous test's connections are closed once the listener has read their end
    }

    @AfterEach
    void closeAll() {
        admitted.forEach(IssuerConnection::close);
    }

    @Test
    void aConnectionPastTheLimitIsClosedAtOnceCountedAndTheOthersKeepWorking() throws IOException {
        openUpToTheLimit();
        double refusedBefore = api.metric("accrue_iso_connections_refused_total");

        try (Socket extra = new Socket("127.0.0.1", node.processor().isoPort())) {
            extra.setSoTimeout(REFUSAL_WAIT_MS);
            assertThat(Frames.closedByPeer(extra)).as("closed within %d ms", REFUSAL_WAIT_MS).isTrue();
        }

        for (IssuerConnection c : admitted) {
            assertThat(echo(c).get(39)).isEqualTo("00");
        }
        assertThat(api.metric("accrue_iso_connections_refused_total")).isEqualTo(refusedBefore + 1);
        assertThat(api.metric("accrue_iso_connections_open")).isEqualTo(LIMIT);
    }

    @Test
    void aPlaceFreedByAClosedConnectionGoesToTheNextIssuer() throws IOException {
        double acceptedBefore = api.metric("accrue_iso_connections_accepted_total");
        openUpToTheLimit();
        admitted.removeFirst().close();
        awaitOpenConnections(LIMIT - 1);

        IssuerConnection next = new IssuerConnection("127.0.0.1", node.processor().isoPort());
        admitted.add(next);
        assertThat(echo(next).get(39)).isEqualTo("00");
        assertThat(api.metric("accrue_iso_connections_accepted_total")).isEqualTo(acceptedBefore + LIMIT + 1);
    }

    private void openUpToTheLimit() throws IOException {
        for (int i = 0; i < LIMIT; i++) {
            IssuerConnection c = new IssuerConnection("127.0.0.1", node.processor().isoPort());
            admitted.add(c);
            assertThat(echo(c).get(39)).isEqualTo("00"); // answered: a session of its own, not waiting in line
        }
    }

    private static WireMessage echo(IssuerConnection c) {
        return c.send(WireMessage.of("0800", Map.of(7, Requests.DE7, 11, Requests.nextStan(), 70, "301")))
                .orTimeout(10, TimeUnit.SECONDS).join();
    }

    private void awaitOpenConnections(int expected) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MS);
        double open = api.metric("accrue_iso_connections_open");
        while (open != expected && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MS)); // between polls of the condition
            open = api.metric("accrue_iso_connections_open");
        }
        assertThat(open).as("open connections").isEqualTo(expected);
    }
}
