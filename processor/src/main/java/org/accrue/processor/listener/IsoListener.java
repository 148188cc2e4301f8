/*
 * Runs the issuers' ISO 8583 listener inside jPOS Q2, one Q2 per node. The
 * deploy descriptors live in the config module (classpath deploy/); at start
 * they are written into the node's own deploy directory with their
 * ${q2.accrue.*} placeholders already replaced by the node's values
 * (Q2Descriptors), so nothing goes through system properties and two nodes in
 * one JVM (tests, a bench) never see each other's ports or limits. Any other
 * descriptor an operator puts in that directory (another issuer's dialect on
 * another port) is deployed too.
 *
 * jPOS keeps QBeans, loggers, servers and handlers in JVM-wide registries
 * (the platform MBeanServer, NameRegistrar), so every name a descriptor
 * declares carries the node's id: the QServer, its logger, the handler and
 * the listener's ConnectionStats (connections open, accepted, refused over
 * connections-max, closed for a slow, oversize or missing frame), which
 * bindTo publishes as accrue_iso_* metrics.
 */
package org.accrue.processor.listener;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.accrue.processor.ids.Ids;
import org.accrue.config.AccrueConfig;
import org.accrue.iso8583.CardMessageHandler;
import org.accrue.iso8583.ConnectionStats;
import org.jpos.q2.Q2;
import org.jpos.util.NameRegistrar;

import io.micrometer.core.instrument.MeterRegistry;

public final class IsoListener implements AutoCloseable {
    static final List<String> DESCRIPTORS = List.of("00_logger.xml", "10_iso_listener.xml");
    private static final long START_WAIT_MS = 30_000;
    private static final long PORT_POLL_MS = 20;

    private final Q2 q2;
    private final String handlerName;
    private final String statsName;
    private final ConnectionStats connections;
    private final int port;

    private IsoListener(Q2 q2, String handlerName, String statsName, ConnectionStats connections, int port) {
        this.q2 = q2;
        this.handlerName = handlerName;
        this.statsName = statsName;
        this.connections = connections;
        this.port = port;
    }

    /** Deploys and starts the listener on {@code port} (already resolved, not 0), answering through {@code handler}. */
    public static IsoListener start(AccrueConfig config, int port, CardMessageHandler handler) {
        Path home = config.dataDir().resolve("q2");
        Path deploy = home.resolve("deploy");
        Path logs = config.dataDir().resolve("logs");
        String node = Ids.next("node");
        String handlerName = "accrue.handler." + node;
        String statsName = "accrue.iso.connections." + node;
        Map<String, String> values = new LinkedHashMap<>();
        values.put("q2.accrue.iso.name", "accrue-iso-listener-" + node);
        values.put("q2.accrue.logger", "accrue-q2-" + node);
        values.put("q2.accrue.iso.port", Integer.toString(port));
        values.put("q2.accrue.iso.connections-max", Integer.toString(config.iso().connectionsMax()));
        values.put("q2.accrue.iso.max-frame-bytes", Integer.toString(config.iso().frameBytesMax()));
        values.put("q2.accrue.iso.idle-timeout-ms", Integer.toString(config.iso().idleTimeoutMs()));
        values.put("q2.accrue.iso.frame-timeout-ms", Integer.toString(config.iso().frameTimeoutMs()));
        values.put("q2.accrue.iso.backlog", Integer.toString(config.iso().backlog()));
        values.put("q2.accrue.iso.handler", handlerName);
        values.put("q2.accrue.iso.connection-stats", statsName);
        values.put("q2.accrue.log-dir", logs.toString());
        values.put("q2.accrue.log.protect", Q2Descriptors.PROTECTED_FIELDS);
        try {
            Files.createDirectories(deploy);
            Files.createDirectories(logs);
            for (String d : DESCRIPTORS) {
                String template;
                try (InputStream in = IsoListener.class.getResourceAsStream("/deploy/" + d)) {
                    if (in == null) {
                        throw new IllegalStateException("deploy descriptor " + d + " missing from the classpath");
                    }
                    template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                Files.writeString(deploy.resolve(d), Q2Descriptors.fill(d, template, values), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write Q2 deploy directory " + deploy + ": " + e.getMessage(), e);
        }
        Q2Descriptors.forwardQ2LogToSlf4j();
        NameRegistrar.register(handlerName, handler);
        ConnectionStats connections = new ConnectionStats();
        NameRegistrar.register(statsName, connections);

        Q2 q2 = new Q2(new String[] {"-d", deploy.toString(), "-Nh", "-Nf", "-Ns"});
        q2.start();
        IsoListener listener = new IsoListener(q2, handlerName, statsName, connections, port);
        if (!q2.ready(START_WAIT_MS) || !awaitPort(port)) {
            listener.close();
            throw new IllegalStateException("ISO listener did not start on port " + port + " (see " + logs.resolve("q2.log") + ")");
        }
        return listener;
    }

    private static boolean awaitPort(int port) {
        long deadline = System.nanoTime() + START_WAIT_MS * 1_000_000;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(PORT_POLL_MS); // QServer binds asynchronously after Q2 reports ready
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    public int port() {
        return port;
    }

    public boolean isRunning() {
        return q2.running();
    }

    /**
     * Publishes the connection counts: accrue_iso_connections_open (gauge), and the counters
     * accrue_iso_connections_accepted_total, _refused_total (past connections-max), _idle_closed_total,
     * accrue_iso_frames_timed_out_total and accrue_iso_frames_oversize_total.
     */
    public void bindTo(MeterRegistry registry) {
        registry.gauge("accrue.iso.connections.open", connections, ConnectionStats::open);
        registry.more().counter("accrue.iso.connections.accepted", List.of(), connections, ConnectionStats::accepted);
        registry.more().counter("accrue.iso.connections.refused", List.of(), connections, ConnectionStats::refused);
        registry.more().counter("accrue.iso.connections.idle_closed", List.of(), connections, ConnectionStats::idleTimeouts);
        registry.more().counter("accrue.iso.frames.timed_out", List.of(), connections, ConnectionStats::frameTimeouts);
        registry.more().counter("accrue.iso.frames.oversize", List.of(), connections, ConnectionStats::oversizeFrames);
    }

    @Override
    public void close() {
        q2.stop();
        NameRegistrar.unregister(handlerName);
        NameRegistrar.unregister(statsName);
    }
}
