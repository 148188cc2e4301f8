/*
 * One issuer-side connection: NACChannel + ISO87APackagerBBitmap, no header.
 * Requests go out as soon as they are given (pipelined); a reader thread
 * matches each response to its request by DE11 + DE7 + DE41, which the
 * listener echoes. Used by the simulator, the load generator and tests.
 */
package org.accrue.iso8583.simulator;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.jpos.iso.ISOException;
import org.jpos.iso.ISOMsg;
import org.jpos.iso.channel.NACChannel;
import org.jpos.iso.packager.ISO87APackagerBBitmap;

public final class IssuerConnection implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    private final NACChannel channel;
    private final Map<String, CompletableFuture<WireMessage>> waiting = new ConcurrentHashMap<>();
    private final Thread reader;
    private volatile boolean closed;

    public IssuerConnection(String host, int port) throws IOException {
        channel = new NACChannel(host, port, new ISO87APackagerBBitmap(), null);
        try {
            channel.setTimeout(0);
            channel.connect();
        } catch (IOException e) {
            throw new IOException("cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
        }
        reader = Thread.ofPlatform().name("issuer-reader-" + port).daemon(true).start(this::read);
    }

    /** Sends a request; the future completes with its response, or exceptionally when the connection ends. */
    public CompletableFuture<WireMessage> send(WireMessage request) {
        CompletableFuture<WireMessage> f = new CompletableFuture<>();
        String key = key(request.get(11), request.get(7), request.get(41));
        if (waiting.putIfAbsent(key, f) != null) {
            f.completeExceptionally(new IllegalStateException("a request with the same DE11/DE7/DE41 is in flight"));
            return f;
        }
        try {
            channel.send(toIso(request));
        } catch (IOException | ISOException e) {
            waiting.remove(key);
            f.completeExceptionally(e);
        }
        return f;
    }

    private void read() {
        try {
            while (!closed) {
                ISOMsg r = channel.receive();
                WireMessage w = fromIso(r);
                CompletableFuture<WireMessage> f = waiting.remove(key(w.get(11), w.get(7), w.get(41)));
                if (f != null) {
                    f.complete(w);
                }
            }
        } catch (IOException | ISOException | RuntimeException e) {
            // jPOS throws a NullPointerException from receive() once the channel is closed under it.
            IOException ended = new IOException("connection ended: " + e.getClass().getSimpleName());
            waiting.values().forEach(f -> f.completeExceptionally(ended));
            waiting.clear();
        }
    }

    public boolean isConnected() {
        return channel.isConnected();
    }

    /** Requests sent and not yet answered. */
    public int inFlight() {
        return waiting.size();
    }

    /** Fixed-length elements come back padded (DE41 "T1" as "T1      "), so the key is taken stripped. */
    private static String key(String stan, String de7, String terminal) {
        return strip(stan) + "|" + strip(de7) + "|" + strip(terminal);
    }

    private static String strip(String s) {
        return s == null ? "" : s.strip();
    }

    static ISOMsg toIso(WireMessage w) throws ISOException {
        ISOMsg m = new ISOMsg(w.mti());
        for (var e : w.fields().entrySet()) {
            m.set(e.getKey(), e.getValue());
        }
        return m;
    }

    static WireMessage fromIso(ISOMsg m) throws ISOException {
        java.util.TreeMap<Integer, String> f = new java.util.TreeMap<>();
        for (int i = 2; i <= m.getMaxField(); i++) {
            if (m.hasField(i)) {
                f.put(i, m.getString(i));
            }
        }
        return new WireMessage(m.getMTI(), f);
    }

    @Override
    public void close() {
        closed = true;
        try {
            channel.disconnect();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            reader.join(CONNECT_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
