/*
 * A server in a JVM of its own, as an operator runs it: `accrue serve` on a
 * properties file (its embedded MariaDB under the node's data directory), or
 * the bare jPOS baseline (BareAckServer). The fault suite and the ingest bench
 * start it, wait for its ready line ("serving ..." for a node), and end it
 * the hard way (kill -9 of the JVM: no shutdown hook runs) or the polite way
 * (SIGTERM). The node's own mariadbd is found among the JVM's descendants, so
 * the suite can pause or kill the store alone and the bench can read its CPU
 * time.
 */
package org.accrue.bench.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class ServedNode implements AutoCloseable {
    private static final Pattern SERVING = Pattern.compile("serving ISO 8583 on port (\\d+), HTTP on port (\\d+)");
    private static final Pattern BARE_LISTENING = Pattern.compile("bare jPOS acknowledging server on port (\\d+)");
    private static final String NODE_MAIN = "org.accrue.processor.cli.AccrueCli";
    private static final String BARE_MAIN = "org.accrue.bench.BareAckServer";
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

    /** Starts {@code accrue serve --config config} with this JVM's class path and 512 MB of heap; returns once it serves. */
    public static ServedNode start(Path config, Path dataDir, int run) throws IOException {
        return serve(config, dataDir, "serve-" + run, List.of("-Xmx512m"), System.getProperty("java.class.path"));
    }

    /**
     * Starts {@code accrue serve --config config} with the given JVM options and class path (the launcher's:
     * the processor's jar and lib); its output goes to {@code dataDir/logName.log}; returns once it serves.
     */
    public static ServedNode serve(Path config, Path dataDir, String logName, List<String> jvmOptions, String classPath)
            throws IOException {
        return serve(config, dataDir, logName, jvmOptions, classPath, java.util.Map.of());
    }

    /**
     * As above, with {@code environment} added to the node's: settings kept out of its properties file, such as a
     * store password (ACCRUE_STORE_PASSWORD), which the node reads from its environment.
     */
    public static ServedNode serve(Path config, Path dataDir, String logName, List<String> jvmOptions, String classPath,
                                   java.util.Map<String, String> environment) throws IOException {
        return launch(dataDir, logName, jvmOptions, classPath, NODE_MAIN, List.of("serve", "--config", config.toString()),
                SERVING, "accrue serve", environment);
    }

    /** Starts the bare jPOS acknowledging server on {@code port} with this JVM's class path; returns once it listens. */
    public static ServedNode bare(int port, Path dir, String logName, List<String> jvmOptions) throws IOException {
        return launch(dir, logName, jvmOptions, System.getProperty("java.class.path"), BARE_MAIN,
                List.of(Integer.toString(port)), BARE_LISTENING, "the bare jPOS server", java.util.Map.of());
    }

    private static ServedNode launch(Path dir, String logName, List<String> jvmOptions, String classPath, String main,
                                     List<String> args, Pattern ready, String what,
                                     java.util.Map<String, String> environment) throws IOException {
        Path tmp = Files.createDirectories(dir.resolve("jvm-tmp"));
        Path log = dir.resolve(logName + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-Djava.io.tmpdir=" + tmp, "-cp", classPath, main));
        cmd.addAll(args);
        long t0 = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(environment);
        Process p = pb.start();
        CompletableFuture<Boolean> serving = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).name("output-" + logName).start(() -> copyOutput(p, log, ready, serving));
        try {
            if (!serving.get(START_WAIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(what + " ended before serving; see " + log);
            }
        } catch (java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new IOException(what + " did not serve within " + START_WAIT_SECONDS + " s; see " + log);
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            p.destroyForcibly();
            throw new IOException("waiting for " + what + ": " + e, e);
        }
        return new ServedNode(p, t0, System.nanoTime(), log);
    }

    private static void copyOutput(Process p, Path log, Pattern ready, CompletableFuture<Boolean> serving) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             var out = Files.newBufferedWriter(log)) {
            String line;
            while ((line = r.readLine()) != null) {
                out.write(line);
                out.newLine();
                out.flush();
                Matcher m = ready.matcher(line);
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

    /** CPU time the JVM has used so far, all its threads (zero where the OS does not tell). */
    public Duration cpu() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
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
    public static void signal(long pid, String signal) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed");
        }
    }
}
