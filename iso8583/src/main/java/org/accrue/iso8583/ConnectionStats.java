/*
 * What the listener did with issuers' connections, for operators: how many
 * are open, and how many were accepted and refused (over connections-max).
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

    public record Snapshot(int open, long accepted, long refused) {
    }

    public Snapshot snapshot() {
        return new Snapshot(open.get(), accepted.sum(), refused.sum());
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
