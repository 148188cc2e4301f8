/*
 * `accrue serve` as an operator runs it: a JVM of its own on a properties
 * file, its embedded MariaDB under the node's data directory. The fault suite
 * starts it, waits for its "serving" line, and ends it the hard way (kill -9
 * of the JVM: no shutdown hook runs) or the polite way (SIGTERM). The node's
 * own mariadbd is found among the JVM's descendants, so the suite can pause
 * or kill the store alone.
 */
package org.accrue.bench.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class ServedNode implements AutoCloseable {
    private static final Pattern SERVING = Pattern.compile("serving ISO 8583 on port (\\d+), HTTP on port (\\d+)");
    static final long START_WAIT_SECONDS = 180;
    private static final long STOP_WAIT_SECONDS = 60;

    private final Process process;
    private final long startedNanos;
    private final long readyNanos;
    private final Path log;

    private ServedNode(Process process, long startedNanos, long readyNanos, Path log) {
        this.process = process;
        this.startedNanos = startedNanos;
        this.readyNanos = readyNanos;
        this.log = log;
    }

    /** Starts {@code accrue serve --config config} with this JVM's class path; returns once it serves. */
    public static ServedNode start(Path config, Path dataDir, int run) throws IOException {
        Path tmp = Files.createDirectories(dataDir.resolve("jvm-tmp"));
        Path log = dataDir.resolve("serve-" + run + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-Djava.io.tmpdir=" + tmp,
                "-cp", System.getProperty("java.class.path"),
                "org.accrue.processor.cli.AccrueCli", "serve", "--config", config.toString()));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<Boolean> serving = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).name("serve-output-" + run).start(() -> copyOutput(p, log, serving));
        try {
            if (!serving.get(START_WAIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("accrue serve ended before serving; see " + log);
            }
        } catch (java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new IOException("accrue serve did not serve within " + START_WAIT_SECONDS + " s; see " + log);
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            p.destroyForcibly();
            throw new IOException("waiting for accrue serve: " + e, e);
        }
        return new ServedNode(p, t0, System.nanoTime(), log);
    }

    private static void copyOutput(Process p, Path log, CompletableFuture<Boolean> serving) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             var out = Files.newBufferedWriter(log)) {
            String line;
            while ((line = r.readLine()) != null) {
                out.write(line);
                out.newLine();
                out.flush();
                Matcher m = SERVING.matcher(line);
                if (m.find()) {
                    serving.complete(true);
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        serving.complete(false);
    }

    /** Seconds from the start command to the "serving" line. */
    public double startSeconds() {
        return (readyNanos - startedNanos) / 1e9;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The node's own mariadbd (embedded store), if it runs. */
    public Optional<ProcessHandle> mariadbd() {
        return process.toHandle().descendants()
                .filter(h -> h.info().command().map(c -> c.endsWith("mariadbd") || c.endsWith("mysqld")).orElse(false))
                .findFirst();
    }

    /** kill -9 of the node's JVM: no shutdown hook, no rollback by the application. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** SIGTERM, as an operator's stop: the shutdown hook closes the node. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    /** Sends a signal (STOP, CONT, KILL) to a process of this machine. */
    static void signal(long pid, String signal) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed");
        }
    }
}
