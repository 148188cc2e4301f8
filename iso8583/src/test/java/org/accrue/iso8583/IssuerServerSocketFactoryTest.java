package org.accrue.iso8583;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jpos.core.ConfigurationException;
import org.jpos.core.SimpleConfiguration;
import org.jpos.util.NameRegistrar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The listening socket on loopback with connections-max 2, accepted by a thread as ISOServer's accept loop would. */
class IssuerServerSocketFactoryTest {
    private static final int LIMIT = 2;

    private final ConnectionStats stats = new ConnectionStats();
    private final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
    private String statsName;
    private ServerSocket server;
    private Thread acceptLoop;

    @BeforeEach
    void listen() throws Exception {
        statsName = "test.connections." + System.nanoTime();
        NameRegistrar.register(statsName, stats);
        IssuerServerSocketFactory factory = new IssuerServerSocketFactory();
        SimpleConfiguration cfg = new SimpleConfiguration();
        cfg.put("connections-max", Integer.toString(LIMIT));
        cfg.put("backlog", "64");
        cfg.put("connection-stats", statsName);
        factory.setConfiguration(cfg);
        server = factory.createServerSocket(0);
        acceptLoop = Thread.ofPlatform().start(() -> {
            try {
                while (true) {
                    accepted.add(server.accept());
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
    }

    @AfterEach
    void close() throws Exception {
        server.close();
        acceptLoop.join();
        for (Socket s : accepted) {
            s.close();
        }
        NameRegistrar.unregister(statsName);
    }

    @Test
    void aConnectionPastTheLimitIsClosedAtOnceAndNeverHandedToTheServer() throws Exception {
        Socket a = connect();
        Socket b = connect();
        assertThat(accepted.poll(5, TimeUnit.SECONDS)).isNotNull();
        assertThat(accepted.poll(5, TimeUnit.SECONDS)).isNotNull();

        try (Socket refused = connect()) {
            refused.setSoTimeout(2_000);
            assertThat(closedByPeer(refused)).isTrue();
        }
        assertThat(accepted).isEmpty();
        assertThat(stats.snapshot()).isEqualTo(new ConnectionStats.Snapshot(LIMIT, LIMIT, 1, 0, 0, 0));
        a.close();
        b.close();
    }

    @Test
    void aPlaceGivenBackGoesToTheNextConnectionAndOnlyOne() throws Exception {
        Socket a = connect();
        Socket b = connect();
        Socket first = accepted.poll(5, TimeUnit.SECONDS);
        assertThat(accepted.poll(5, TimeUnit.SECONDS)).isNotNull();
        first.getInputStream().close(); // closes the socket, as jPOS's disconnect does before closing it again
        first.close();
        assertThat(stats.open()).isEqualTo(LIMIT - 1);

        Socket c = connect();
        assertThat(accepted.poll(5, TimeUnit.SECONDS)).as("the freed place").isNotNull();
        try (Socket d = connect()) {
            d.setSoTimeout(2_000);
            assertThat(closedByPeer(d)).as("closed twice, one place given back").isTrue();
        }
        assertThat(stats.refused()).isEqualTo(1);
        for (Socket s : new Socket[] {a, b, c}) {
            s.close();
        }
    }

    @Test
    void aBacklogBelowOneIsAConfigurationError() {
        IssuerServerSocketFactory factory = new IssuerServerSocketFactory();
        SimpleConfiguration cfg = new SimpleConfiguration();
        cfg.put("backlog", "0");
        assertThatThrownBy(() -> factory.setConfiguration(cfg))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("backlog");
    }

    private Socket connect() throws IOException {
        return new Socket("127.0.0.1", server.getLocalPort());
    }

    private static boolean closedByPeer(Socket s) throws IOException {
        try {
            return s.getInputStream().read() == -1;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }
}
