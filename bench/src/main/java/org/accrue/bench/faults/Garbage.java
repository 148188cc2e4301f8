/*
 * The fault suite's bad peers: connections that send what no issuer should
 * (a frame of random bytes, a frame cut short whose declared length never
 * arrives, a length past the largest frame), each reconnecting as soon as the
 * node closes it, until stopped. Counts what it sent, how often the node
 * closed the connection, and how often a cut frame held its connection past
 * 10 s (the node must close it sooner).
 */
package org.accrue.bench.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

final class Garbage {
    private final List<Thread> threads = new ArrayList<>();
    private final java.util.concurrent.atomic.LongAdder frames = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder closed = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder heldLong = new java.util.concurrent.atomic.LongAdder();
    private volatile boolean stopped;

    Garbage(int port, int connections, long seed) {
        for (int i = 0; i < connections; i++) {
            Random r = new Random(seed * 31 + i);
            threads.add(Thread.ofVirtual().start(() -> {
                while (!stopped) {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                        s.setSoTimeout(10_000);
                        once(s, r);
                    } catch (IOException e) {
                        closed.increment();
                    }
                }
            }));
        }
    }

    private void once(Socket s, Random r) throws IOException {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        int kind = r.nextInt(3);
        frames.increment();
        if (kind == 0) { // a whole frame of random bytes
            byte[] body = new byte[20 + r.nextInt(200)];
            r.nextBytes(body);
            out.write(new byte[] {(byte) (body.length >> 8), (byte) body.length});
            out.write(body);
            out.flush();
            readUntilClosed(in);
        } else if (kind == 1) { // a frame cut short: the declared length never arrives
            out.write(new byte[] {0, (byte) 200, '0', '2', '0', '0'});
            out.flush();
            long t0 = System.nanoTime();
            try {
                readUntilClosed(in);
            } catch (java.net.SocketTimeoutException held) {
                heldLong.increment();
            }
            if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(10)) {
                heldLong.increment();
            }
        } else { // a length past the largest frame
            out.write(new byte[] {(byte) 0xff, (byte) 0xff, 'x'});
            out.flush();
            readUntilClosed(in);
        }
    }

    /** Reads whatever the node answers until it closes the connection. */
    private void readUntilClosed(InputStream in) throws IOException {
        byte[] buf = new byte[512];
        while (in.read(buf) >= 0) {
            if (stopped) {
                return;
            }
        }
        closed.increment();
    }

    void stop() throws InterruptedException {
        stopped = true;
        for (Thread t : threads) {
            t.join(15_000);
        }
    }

    long frames() {
        return frames.sum();
    }

    long closedByNode() {
        return closed.sum();
    }

    long heldLong() {
        return heldLong.sum();
    }
}
