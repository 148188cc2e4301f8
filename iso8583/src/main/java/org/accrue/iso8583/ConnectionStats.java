/*
 * What the listener did with issuers' connections, for operators: how many
 * are open, how many were accepted and refused (over connections-max), and
 * how many were closed for a frame not complete in time, a frame declared
 * larger than max-packet-length, or silence past the idle timeout.
 *
 * One instance is shared by a listener's socket factory and its channels:
 * the processor registers it in jPOS's NameRegistrar and names it in the
 * descriptor's connection-stats property, then publishes it as metrics. A
 * descriptor without that property counts into a private instance nobody
 * reads.
 */
package org.accrue.iso8583;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.jpos.core.Configuration;
import org.jpos.core.ConfigurationException;
import org.jpos.util.NameRegistrar;

public final class ConnectionStats {
    /** The descriptor property (on the server and on the channel) naming the registered instance. */
    static final String PROPERTY = "connection-stats";

    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder frameTimeouts = new LongAdder();
    private final LongAdder oversizeFrames = new LongAdder();
    private final LongAdder idleTimeouts = new LongAdder();

    public record Snapshot(int open, long accepted, long refused, long frameTimeouts, long oversizeFrames,
                           long idleTimeouts) {
    }

    public Snapshot snapshot() {
        return new Snapshot(open.get(), accepted.sum(), refused.sum(), frameTimeouts.sum(), oversizeFrames.sum(),
                idleTimeouts.sum());
    }

    /** Connections accepted and not yet closed. */
    public int open() {
        return open.get();
    }

    /** Connections accepted within connections-max, since start. */
    public long accepted() {
        return accepted.sum();
    }

    /** Connections closed at once because connections-max were open. */
    public long refused() {
        return refused.sum();
    }

    /** Connections closed because a frame had not fully arrived frame-timeout after its first byte. */
    public long frameTimeouts() {
        return frameTimeouts.sum();
    }

    /** Connections closed because a frame declared a length above max-packet-length. */
    public long oversizeFrames() {
        return oversizeFrames.sum();
    }

    /** Connections closed because no frame started within the idle timeout. */
    public long idleTimeouts() {
        return idleTimeouts.sum();
    }

    void opened() {
        open.incrementAndGet();
        accepted.increment();
    }

    void closed() {
        open.decrementAndGet();
    }

    void refusedOne() {
        refused.increment();
    }

    void frameTimedOut() {
        frameTimeouts.increment();
    }

    void oversizeFrame() {
        oversizeFrames.increment();
    }

    void idleTimedOut() {
        idleTimeouts.increment();
    }

    /** The instance the {@value #PROPERTY} property names, or a private one when the property is absent. */
    static ConnectionStats configured(Configuration cfg) throws ConfigurationException {
        String name = cfg.get(PROPERTY, null);
        if (name == null || name.isBlank()) {
            return new ConnectionStats();
        }
        ConnectionStats stats = NameRegistrar.getIfExists(name);
        if (stats == null) {
            throw new ConfigurationException(PROPERTY + " names '" + name + "', which is not registered");
        }
        return stats;
    }
}
