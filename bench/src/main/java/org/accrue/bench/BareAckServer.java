/*
 * The baseline: a bare jPOS ISOServer (NACChannel + ISO87APackagerBBitmap)
 * that answers every request 00 at once and stores nothing. The load
 * generator against it measures the wire and jPOS alone, so the processor's
 * numbers can be read against it.
 */
package org.accrue.bench;

import java.util.concurrent.CountDownLatch;

import org.accrue.iso8583.Acknowledgement;
import org.accrue.iso8583.IsoCodec;
import org.jpos.iso.ISOServer;
import org.jpos.iso.channel.NACChannel;
import org.jpos.iso.packager.ISO87APackagerBBitmap;

public final class BareAckServer implements AutoCloseable {
    private static final int SESSIONS_MAX = 512;
    private final ISOServer server;
    private final Thread thread;

    public BareAckServer(int port) throws java.io.IOException {
        server = new ISOServer(port, new NACChannel(new ISO87APackagerBBitmap(), null), SESSIONS_MAX);
        try {
            server.setConfiguration(new org.jpos.core.SimpleConfiguration()); // creates its session executor
        } catch (org.jpos.core.ConfigurationException e) {
            throw new IllegalStateException(e);
        }
        server.addISORequestListener((source, m) -> {
            try {
                source.send(IsoCodec.response(m, Acknowledgement.RECORDED));
            } catch (Exception e) {
                // the client went away; nothing to do for a baseline
            }
            return true;
        });
        thread = Thread.ofPlatform().name("bare-ack-server").daemon(true).start(server);
        awaitListening(port);
    }

    /** ISOServer binds on its own thread: the constructor returns once a client can connect (at most 10 s). */
    private static void awaitListening(int port) throws java.io.IOException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (java.io.IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new java.io.IOException("the bare server did not listen on port " + port + " within 10 s", notYet);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 9583;
        try (BareAckServer s = new BareAckServer(port)) {
            System.out.println("bare jPOS acknowledging server on port " + port + " (Ctrl-C stops)");
            new CountDownLatch(1).await();
        }
    }

    @Override
    public void close() {
        server.shutdown();
    }
}
