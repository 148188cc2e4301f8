/*
 * Debian's HAProxy in front of a cluster's nodes, as an operator runs it: the
 * config module's template (deploy/haproxy.cfg) rendered for the given nodes,
 * checked with `haproxy -c`, then `haproxy -db -f` in the foreground as a
 * process of the harness's own (its log beside the config). What HAProxy
 * thinks of each node (UP, DOWN, ...) is read from its admin socket with
 * `show stat`. close() ends it (SIGTERM, then kill -9).
 */
package org.accrue.bench.servers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

public final class HaProxy implements AutoCloseable {
    /** The proxy section of the template: the name `show stat` reports the nodes under. */
    public static final String PROXY = "issuers";
    private static final String TEMPLATE = "/deploy/haproxy.cfg";
    private static final long CHECK_WAIT_SECONDS = 30;
    private static final long START_WAIT_MS = 10_000;
    private static final long STOP_WAIT_SECONDS = 10;
    /** A `show stat` answer for a few servers is a few KB. */
    private static final int STAT_BYTES_MAX = 1 << 20;
    /** Unix socket paths are limited to 108 bytes by the kernel. */
    private static final int SOCKET_PATH_BYTES_MAX = 107;

    /** One node behind the proxy: its name in HAProxy, host, ISO 8583 port and HTTP (health) port. */
    public record Backend(String name, String address, int isoPort, int httpPort) {
        public Backend {
            if (!name.matches("[A-Za-z0-9_-]{1,32}")) {
                throw new IllegalArgumentException("a backend name is 1..32 letters, digits, _ or -: " + name);
            }
        }
    }

    private final Process process;
    private final Path socket;
    private final int port;
    private final Path log;

    private HaProxy(Process process, Path socket, int port, Path log) {
        this.process = process;
        this.socket = socket;
        this.port = port;
        this.log = log;
    }

    /** The template with the listen address, port and socket set, and its server line once per node. */
    public static String render(String template, String listenAddress, int listenPort, Path statsSocket, List<Backend> nodes) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("HAProxy needs at least one node");
        }
        StringBuilder out = new StringBuilder();
        for (String line : template.split("\n", -1)) {
            if (line.contains("${node.") && !line.stripLeading().startsWith("#")) {
                for (Backend n : nodes) {
                    out.append(line.replace("${node.name}", n.name()).replace("${node.address}", n.address())
                            .replace("${node.iso.port}", Integer.toString(n.isoPort()))
                            .replace("${node.http.port}", Integer.toString(n.httpPort()))).append('\n');
                }
            } else if (line.stripLeading().startsWith("#")) {
                out.append(line).append('\n');
            } else {
                out.append(line.replace("${listen.address}", listenAddress).replace("${listen.port}", Integer.toString(listenPort))
                        .replace("${stats.socket}", statsSocket.toString())).append('\n');
            }
        }
        String cfg = out.toString().stripTrailing() + "\n";
        int open = cfg.lines().filter(l -> !l.stripLeading().startsWith("#")).mapToInt(l -> l.indexOf("${")).max().orElse(-1);
        if (open >= 0) {
            throw new IllegalStateException("the HAProxy template has a placeholder no one set: " + cfg);
        }
        return cfg;
    }

    public static String template() throws IOException {
        try (InputStream in = HaProxy.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) {
                throw new IOException(TEMPLATE + " is not on the class path (config module)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Installs haproxy if missing, writes {@code dir/haproxy.cfg} for the nodes, checks it with {@code haproxy -c},
     * and starts {@code haproxy -db -f} listening on 127.0.0.1:{@code listenPort}; returns once its socket answers.
     */
    public static HaProxy start(Path dir, int listenPort, List<Backend> nodes) throws IOException {
        DebianPackages.ensure(DebianPackages.Program.HAPROXY);
        Files.createDirectories(dir);
        Path socket = dir.toAbsolutePath().resolve("haproxy.sock");
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > SOCKET_PATH_BYTES_MAX) {
            throw new IOException("the stats socket path is too long for a unix socket: " + socket);
        }
        Files.deleteIfExists(socket);
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, render(template(), "127.0.0.1", listenPort, socket, nodes));
        String haproxy = DebianPackages.Program.HAPROXY.path().toString();
        Process check = new ProcessBuilder(haproxy, "-c", "-f", cfg.toString()).redirectErrorStream(true).start();
        String checkOut = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!check.waitFor(CHECK_WAIT_SECONDS, TimeUnit.SECONDS) || check.exitValue() != 0) {
                check.destroyForcibly();
                throw new IOException("haproxy -c rejected " + cfg + ":\n" + checkOut);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while haproxy -c ran", e);
        }
        Path log = dir.resolve("haproxy.log");
        Process p = new ProcessBuilder(haproxy, "-db", "-f", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        HaProxy h = new HaProxy(p, socket, listenPort, log);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_WAIT_MS);
        while (true) {
            if (!p.isAlive()) {
                throw new IOException("haproxy ended at start; see " + log);
            }
            try {
                h.serverStates();
                return h;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    h.close();
                    throw new IOException("haproxy's stats socket did not answer within " + START_WAIT_MS + " ms; see " + log, notYet);
                }
            }
            try {
                Thread.sleep(50); // polling for the socket, bounded by the deadline above
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                h.close();
                throw new IOException("interrupted while haproxy started", e);
            }
        }
    }

    /** One node as HAProxy's `show stat` reports it. */
    public record ServerStat(String name, String status, long currentSessions, long totalSessions, long downtimeSeconds) {
        public boolean up() {
            return status.startsWith("UP");
        }
    }

    /** Each node's status (UP, DOWN, "UP 1/2" while rising, ...) and sessions, by name, from the stats socket. */
    public Map<String, ServerStat> serverStates() throws IOException {
        List<String> lines = command("show stat");
        if (lines.isEmpty() || !lines.getFirst().startsWith("# ")) {
            throw new IOException("unexpected answer to show stat: " + lines);
        }
        List<String> header = List.of(lines.getFirst().substring(2).split(",", -1));
        int px = header.indexOf("pxname");
        int sv = header.indexOf("svname");
        int status = header.indexOf("status");
        int scur = header.indexOf("scur");
        int stot = header.indexOf("stot");
        int downtime = header.indexOf("downtime");
        Map<String, ServerStat> out = new LinkedHashMap<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",", -1);
            if (f.length < header.size() || !f[px].equals(PROXY) || f[sv].equals("FRONTEND") || f[sv].equals("BACKEND")) {
                continue;
            }
            out.put(f[sv], new ServerStat(f[sv], f[status], number(f[scur]), number(f[stot]), number(f[downtime])));
        }
        return out;
    }

    private static long number(String s) {
        return s.isEmpty() ? 0 : Long.parseLong(s);
    }

    /** One command on the admin socket; its answer's lines (HAProxy closes the socket after answering). */
    public List<String> command(String command) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(STAT_BYTES_MAX);
            while (ch.read(buf) >= 0) {
                if (!buf.hasRemaining()) {
                    throw new IOException("the answer to " + command + " is over " + STAT_BYTES_MAX + " bytes");
                }
            }
            buf.flip();
            List<String> lines = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(
                    new java.io.ByteArrayInputStream(buf.array(), 0, buf.limit()), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    if (!l.isBlank()) {
                        lines.add(l);
                    }
                }
            }
            return lines;
        }
    }

    public int port() {
        return port;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
