/*
 * What the ingest bench reads off the servers it drives: CPU time of each
 * process (the server JVM, its mariadbd, this client), MariaDB's global
 * status counters, and the node's Prometheus metrics, sampled at the start
 * and the end of the measured window; the window turns two samples into
 * figures per message. Also jcmd, which starts and stops the servers' JFR
 * recordings. Every child process wait is bounded.
 */
package org.accrue.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.accrue.bench.node.ServedNode;

final class ServerCounters {
    private static final long CHILD_WAIT_SECONDS = 60;
    /** MariaDB global status counters shown per message. */
    static final List<String> DB_COUNTERS = List.of("Questions", "Com_commit", "Com_select", "Com_insert",
            "Com_update", "Com_delete", "Innodb_rows_read", "Innodb_rows_inserted", "Innodb_rows_updated",
            "Innodb_rows_deleted", "Handler_read_key", "Handler_read_next", "Handler_write", "Handler_update",
            "Handler_delete", "Innodb_buffer_pool_read_requests", "Innodb_buffer_pool_write_requests",
            "Innodb_buffer_pool_pages_flushed", "Innodb_data_fsyncs", "Innodb_log_writes", "Innodb_os_log_written",
            "Bytes_received", "Bytes_sent");

    /** Counters of the machine at one moment: CPU time of each process, MariaDB's status, the node's metrics. */
    record Sample(long nanos, Duration serverCpu, Duration dbCpu, Duration clientCpu, Map<String, Long> db,
                          Map<String, Double> metrics) {
    }

    /** The generator's result and the counters at the start and end of its measured window. */
    record Window(LoadGenerator.Result result, Sample start, Sample end) {
        double seconds() {
            return (end.nanos() - start.nanos()) / 1e9;
        }

        /** Messages answered between the two samples, at the rate the generator measured over its window. */
        double messages() {
            return Math.max(result.messagesPerSecond() * seconds(), 1);
        }

        String cpuPerMessage() {
            double n = messages();
            return String.format("server JVM %.1f µs, its mariadbd %.1f µs, client JVM %.1f µs (window %.1f s)",
                    micros(end.serverCpu().minus(start.serverCpu())) / n, micros(end.dbCpu().minus(start.dbCpu())) / n,
                    micros(end.clientCpu().minus(start.clientCpu())) / n, seconds());
        }

        String dbPerMessage() {
            if (start.db().isEmpty() || end.db().isEmpty()) {
                return "not read";
            }
            double n = messages();
            StringBuilder b = new StringBuilder();
            for (String k : DB_COUNTERS) {
                if (start.db().containsKey(k) && end.db().containsKey(k)) {
                    b.append(b.isEmpty() ? "" : ", ").append(k).append(' ')
                            .append(String.format("%.2f", (end.db().get(k) - start.db().get(k)) / n));
                }
            }
            return b.toString();
        }

        private static double micros(Duration d) {
            return d.toNanos() / 1e3;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private boolean dbStatusWarned;

    /** CPU times first (each a read of /proc, taken together), then the node's metrics and MariaDB's status. */
    Sample sample(ServedNode server, Integer httpPort) throws IOException, InterruptedException {
        long nanos = System.nanoTime();
        Optional<ProcessHandle> db = server.mariadbd();
        Duration dbCpu = db.flatMap(h -> h.info().totalCpuDuration()).orElse(Duration.ZERO);
        Duration serverCpu = server.cpu();
        Duration clientCpu = ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
        Map<String, Double> metrics = httpPort == null ? Map.of() : metrics(httpPort);
        Map<String, Long> status = db.isPresent() ? dbStatus(db.get()) : Map.of();
        return new Sample(nanos, serverCpu, dbCpu, clientCpu, status, metrics);
    }

    Map<String, Double> metrics(int httpPort) throws IOException, InterruptedException {
        return metrics(http, httpPort);
    }

    /** A node's Prometheus scrape, unlabelled series only, by name. */
    static Map<String, Double> metrics(HttpClient http, int httpPort) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/api/v1/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET /api/v1/metrics answered " + r.statusCode());
        }
        Map<String, Double> m = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("#") || line.contains("{")) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            if (sp > 0) {
                m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
            }
        }
        return m;
    }

    /**
     * SHOW GLOBAL STATUS of the node's mariadbd, with its own client over its unix socket as root (root keeps only
     * its unix_socket login: this works when the bench runs as root); empty, with one warning, when it does not.
     */
    private Map<String, Long> dbStatus(ProcessHandle mariadbd) throws InterruptedException {
        Optional<String> command = mariadbd.info().command();
        Optional<String> socket = mariadbd.info().arguments().flatMap(a -> Arrays.stream(a)
                .filter(s -> s.startsWith("--socket=")).map(s -> s.substring("--socket=".length())).findFirst());
        if (command.isEmpty() || socket.isEmpty()) {
            return warnOnce("the node's mariadbd command line is not readable");
        }
        Path client = Path.of(command.get()).resolveSibling("mariadb");
        try {
            Process p = new ProcessBuilder(client.toString(), "--no-defaults", "--skip-ssl", "--socket=" + socket.get(), "-uroot",
                    "-N", "-B", "-e", "show global status").redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(CHILD_WAIT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return warnOnce("mariadb client: " + text.strip());
            }
            Map<String, Long> m = new HashMap<>();
            for (String line : text.split("\n")) {
                String[] kv = line.split("\t");
                if (kv.length == 2 && DB_COUNTERS.contains(kv[0])) {
                    m.put(kv[0], Long.parseLong(kv[1]));
                }
            }
            return m;
        } catch (IOException e) {
            return warnOnce("mariadb client: " + e);
        }
    }

    private Map<String, Long> warnOnce(String why) {
        if (!dbStatusWarned) {
            System.err.println("ingest bench: MariaDB status not read (" + why + ")");
            dbStatusWarned = true;
        }
        return Map.of();
    }

    static void jcmd(long pid, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        for (String a : args) {
            cmd.addAll(Arrays.asList(a.trim().split("\\s+")));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(CHILD_WAIT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " failed: " + text.strip());
        }
    }
}
