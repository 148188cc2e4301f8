/*
 * NACChannel (2-byte big-endian length, optional TPDU) for the issuers'
 * listener, with two clocks on reading instead of one:
 *   - idle: until a frame's first byte arrives, the channel's timeout
 *     property (SO_TIMEOUT) applies: an issuer may be silent that long
 *     between frames;
 *   - frame: once the first byte is in, the rest of the length, the header
 *     and the body must arrive within frame-timeout (ms, default 5000), or
 *     the idle timeout if that is shorter (silence mid-frame is silence
 *     too), or the connection is closed.
 * With SO_TIMEOUT alone, a frame whose declared length is never sent held
 * its connection (and its place under connections-max) for the whole idle
 * timeout, and a byte now and then kept it forever. Here the remaining time
 * to the frame's deadline is set as SO_TIMEOUT before every read, so no
 * pattern of trickled bytes outlives the deadline. (SO_TIMEOUT of a JDK
 * socket is a field read by the next blocking read, not a system call.)
 *
 * Answers in one write (issue 13): sendAll sends several answers under the
 * channel's send lock with one flush at the end, so the answers of one group
 * commit that go to one connection cost one system call, not one each (on
 * this machine's loopback a write cost about 18 us a message). Each answer is
 * still sent by BaseChannel.send (packager, filters, counters); only its
 * flush is held back while the channel is corked.
 *
 * max-packet-length keeps its meaning: BaseChannel.receive refuses the
 * declared length and the session closes the connection; this class only
 * counts it. Counts go to the ConnectionStats named by connection-stats;
 * frame timeouts are logged at most once per LOG_WINDOW_MS.
 */
package org.accrue.iso8583;

import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.List;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

import org.jpos.core.Configuration;
import org.jpos.core.ConfigurationException;
import org.jpos.iso.ISOException;
import org.jpos.iso.ISOMsg;
import org.jpos.iso.channel.NACChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public class IssuerChannel extends NACChannel {
    private static final Logger log = LoggerFactory.getLogger(IssuerChannel.class);
    static final int DEFAULT_FRAME_TIMEOUT_MS = 5_000;
    static final long LOG_WINDOW_MS = 10_000;

    // Set on the template channel by setConfiguration; ISOServer's clones (one per connection) share them.
    private int frameTimeoutMs = DEFAULT_FRAME_TIMEOUT_MS;
    private ConnectionStats stats = new ConnectionStats();
    private ThrottledWarning frameTimeoutWarning = new ThrottledWarning(log, LOG_WINDOW_MS, System::nanoTime);

    // Per connection, touched only by its session thread (under BaseChannel's read lock).
    private long frameDeadlineNanos;
    // Per connection: set on connect, corked only under serverOutLock.
    private Cork cork;

    public IssuerChannel() {
        super();
    }

    @Override
    public void setConfiguration(Configuration cfg) throws ConfigurationException {
        super.setConfiguration(cfg);
        frameTimeoutMs = cfg.getInt("frame-timeout", DEFAULT_FRAME_TIMEOUT_MS);
        if (frameTimeoutMs < 1) {
            throw new ConfigurationException("frame-timeout must be at least 1 ms, was " + frameTimeoutMs);
        }
        stats = ConnectionStats.configured(cfg);
        frameTimeoutWarning = new ThrottledWarning(log, LOG_WINDOW_MS, System::nanoTime);
    }

    @Override
    protected void connect(Socket socket) throws IOException {
        super.connect(socket);
        serverOutLock.lock();
        try {
            cork = new Cork(serverOut);
            serverOut = new DataOutputStream(cork);
        } finally {
            serverOutLock.unlock();
        }
    }

    /**
     * Sends the answers in order with one flush: one write for all of them while they fit the stream's buffer. Stops
     * at the first that fails (the connection is then broken; the issuer resends what it did not get).
     */
    public void sendAll(List<ISOMsg> answers) throws IOException, ISOException {
        if (cork == null || answers.size() == 1) {
            for (ISOMsg m : answers) {
                send(m);
            }
            return;
        }
        serverOutLock.lock();
        try {
            cork.corked = true;
            try {
                for (ISOMsg m : answers) {
                    send(m); // BaseChannel.send takes serverOutLock again: a ReentrantLock
                }
            } finally {
                cork.corked = false;
                serverOut.flush();
            }
        } finally {
            serverOutLock.unlock();
        }
    }

    /** Holds back flushes while corked; the buffered stream under it writes when its buffer is full anyway. */
    private static final class Cork extends FilterOutputStream {
        boolean corked; // guarded by serverOutLock

        Cork(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            if (!corked) {
                out.flush();
            }
        }
    }

    @Override
    protected int getMessageLength() throws IOException, ISOException {
        Socket socket = getSocket();
        socket.setSoTimeout(getTimeout()); // between frames: the idle timeout
        serverIn.mark(1);
        int first;
        try {
            first = serverIn.read();
        } catch (SocketTimeoutException idle) {
            stats.idleTimedOut();
            throw idle;
        }
        if (first < 0) {
            throw new EOFException("connection closed between frames");
        }
        serverIn.reset(); // NACChannel reads the whole length, with its include-header-length rule
        frameDeadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(frameBudgetMs());
        int length;
        try {
            readTimeoutToDeadline();
            length = super.getMessageLength();
        } catch (SocketTimeoutException e) {
            throw frameTimedOut();
        }
        if (length > getMaxPacketLength()) {
            stats.oversizeFrame();
        }
        return length;
    }

    @Override
    protected byte[] readHeader(int hLen) throws IOException {
        byte[] header = new byte[hLen];
        readBeforeDeadline(header, 0, hLen);
        return header;
    }

    @Override
    protected void getMessage(byte[] b, int offset, int len) throws IOException {
        readBeforeDeadline(b, offset, len);
    }

    private void readBeforeDeadline(byte[] b, int offset, int len) throws IOException {
        int at = offset;
        int left = len;
        while (left > 0) {
            int n;
            try {
                readTimeoutToDeadline();
                n = serverIn.read(b, at, left);
            } catch (SocketTimeoutException e) {
                throw frameTimedOut();
            }
            if (n < 0) {
                throw new EOFException("connection closed mid-frame");
            }
            at += n;
            left -= n;
        }
    }

    /** The time a frame has after its first byte: frame-timeout, or the idle timeout (0 = none) if shorter. */
    private int frameBudgetMs() {
        int idle = getTimeout();
        return idle > 0 ? Math.min(frameTimeoutMs, idle) : frameTimeoutMs;
    }

    /** SO_TIMEOUT = what is left until the frame's deadline; past it, the frame has timed out. */
    private void readTimeoutToDeadline() throws IOException {
        long leftMs = TimeUnit.NANOSECONDS.toMillis(frameDeadlineNanos - System.nanoTime());
        if (leftMs < 1) {
            throw new SocketTimeoutException("deadline passed");
        }
        getSocket().setSoTimeout((int) Math.min(leftMs, Integer.MAX_VALUE));
    }

    private SocketTimeoutException frameTimedOut() {
        stats.frameTimedOut();
        String peer = String.valueOf(getSocket().getRemoteSocketAddress());
        int budgetMs = frameBudgetMs();
        frameTimeoutWarning.warn(() -> "closed a connection from " + peer + ": a frame not complete "
                + budgetMs + " ms after its first byte (frame-timeout " + frameTimeoutMs + " ms, timeout "
                + getTimeout() + " ms)");
        return new SocketTimeoutException("frame not complete within " + budgetMs + " ms of its first byte");
    }
}
