/*
 * The listening socket of the issuers' listener: bound with a backlog sized
 * for bursts, and refusing a connection past connections-max at once.
 *
 * Why not jPOS's own limit: ISOServer (3.0.1) counts sessions with a
 * semaphore taken by the session thread after accept, so a connection
 * accepted while the last permit is going waits, connected and unanswered,
 * until another session ends; and when the permits run out it closes its
 * listening socket, which resets every connection still in the backlog, and
 * opens it again later. Its own backlog defaults to 5. The descriptor
 * therefore sets QServer's maxSessions far above any real count and names
 * this factory (QServer's socketFactory attribute), which receives the
 * server's properties:
 *   backlog          listen queue length (the kernel caps it at net.core.somaxconn); ISOServer logs the same value
 *   connections-max  connections open at once; the next is accepted and closed at once (the issuer reads end of
 *                    stream), counted, and logged at most once per REFUSAL_LOG_WINDOW_MS
 *   bind-address     as for ISOServer (all addresses when absent)
 *   connection-stats the NameRegistrar name of the ConnectionStats to count into (optional)
 *
 * Method: the server socket's accept() hands out sockets of its own class
 * (ServerSocket.implAccept); a socket within the limit holds a place until
 * it is closed (jPOS closes it when the session ends, whichever way), and
 * the refused ones never reach ISOServer, so they cost no session thread
 * and no jPOS log lines.
 */
package org.accrue.iso8583;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jpos.core.Configurable;
import org.jpos.core.Configuration;
import org.jpos.core.ConfigurationException;
import org.jpos.iso.ISOServerSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class IssuerServerSocketFactory implements ISOServerSocketFactory, Configurable {
    private static final Logger log = LoggerFactory.getLogger(IssuerServerSocketFactory.class);
    static final int DEFAULT_BACKLOG = 1024;
    static final int DEFAULT_CONNECTIONS_MAX = 256;
    static final long REFUSAL_LOG_WINDOW_MS = 10_000;

    private final AtomicInteger open = new AtomicInteger();
    private final ThrottledWarning refusals = new ThrottledWarning(log, REFUSAL_LOG_WINDOW_MS, System::nanoTime);
    private int backlog = DEFAULT_BACKLOG;
    private int connectionsMax = DEFAULT_CONNECTIONS_MAX;
    private InetAddress bindAddress;
    private ConnectionStats stats = new ConnectionStats();

    @Override
    public void setConfiguration(Configuration cfg) throws ConfigurationException {
        backlog = positive(cfg, "backlog", DEFAULT_BACKLOG);
        connectionsMax = positive(cfg, "connections-max", DEFAULT_CONNECTIONS_MAX);
        String address = cfg.get("bind-address", null);
        try {
            bindAddress = address == null ? null : InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new ConfigurationException("bind-address '" + address + "' is not an address of this host", e);
        }
        stats = ConnectionStats.configured(cfg);
    }

    private static int positive(Configuration cfg, String key, int defaultValue) throws ConfigurationException {
        int v = cfg.getInt(key, defaultValue);
        if (v < 1) {
            throw new ConfigurationException(key + " must be at least 1, was " + v);
        }
        return v;
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
        ServerSocket s = new LimitedServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(bindAddress, port), backlog);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private boolean takePlace() {
        while (true) {
            int n = open.get();
            if (n >= connectionsMax) {
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private final class LimitedServerSocket extends ServerSocket {
        LimitedServerSocket() throws IOException {
            super();
        }

        /** The next connection within the limit; those past it are closed here, before anyone reads from them. */
        @Override
        public Socket accept() throws IOException {
            while (true) {
                PlaceHoldingSocket s = new PlaceHoldingSocket();
                implAccept(s);
                if (takePlace()) {
                    s.holdsPlace.set(true);
                    stats.opened();
                    return s;
                }
                stats.refusedOne();
                String peer = String.valueOf(s.getRemoteSocketAddress());
                s.close();
                refusals.warn(() -> "refused a connection from " + peer + " on port " + getLocalPort() + ": "
                        + connectionsMax + " (connections-max) are open");
            }
        }
    }

    /** An accepted socket that gives its place back when it is closed, once, however often close is called. */
    private final class PlaceHoldingSocket extends Socket {
        final AtomicBoolean holdsPlace = new AtomicBoolean();

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                if (holdsPlace.compareAndSet(true, false)) {
                    open.decrementAndGet();
                    stats.closed();
                }
            }
        }
    }
}
