/*
 * A processor node in a JVM of its own (`accrue serve`), on the same MariaDB
 * database as the test's node: the second node of a cluster, and the one a
 * test can kill the hard way (destroyForcibly: no shutdown hook, no
 * rollback by the application, just a dead process and a dropped socket).
 * It is ready when it prints its "serving" line, which names its ports. Or,
 * with serve(), a node on an embedded store of its own, to kill with it.
 */
package org.accrue.processor.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class ChildNode implements AutoCloseable {
    private static final Pattern SERVING = Pattern.compile("HTTP on port (\\d+)");
    private static final long START_WAIT_SECONDS = 120;

    private final Process process;
    private final int httpPort;

    private ChildNode(Process process, int httpPort) {
        this.process = process;
        this.httpPort = httpPort;
    }

    /**
     * Starts {@code accrue serve} on the database of {@code node} with the test node's settings plus
     * {@code overrides}. Secrets go through a key file (files never hold base64: literals).
     */
    public static ChildNode start(ProcessorExtension.Node node, Map<String, String> overrides) throws IOException {
        Path dir = Files.createDirectories(node.dataDir().resolve("child-" + System.nanoTime() % 100_000));
        Map<String, String> values = new TreeMap<>(node.settings());
        values.putAll(overrides);
        values.put("accrue.data-dir", dir.toString());
        values.put("accrue.store.mode", "external");
        values.put("accrue.store.url", node.databaseUrl());
        values.put("accrue.store.user", node.databaseCredentials().user());
        values.put("accrue.store.password", node.databaseCredentials().password());
        values.put("accrue.iso.port", "0");
        values.put("accrue.http.port", "0");
        return serve(dir, values);
    }

    /**
     * Starts {@code accrue serve} with exactly {@code settings} (its config file, and the key files of base64:
     * secrets, are written to {@code dir}): on an embedded store, a node of its own.
     */
    public static ChildNode serve(Path dir, Map<String, String> settings) throws IOException {
        Files.createDirectories(dir);
        Map<String, String> values = new TreeMap<>(settings);
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (e.getValue().startsWith("base64:")) {
                Path key = dir.resolve(e.getKey() + ".key");
                Files.writeString(key, e.getValue().substring(7));
                e.setValue("file:" + key);
            }
        }
        StringBuilder props = new StringBuilder();
        values.forEach((k, v) -> props.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        Path config = dir.resolve("accrue.properties");
        Files.writeString(config, props.toString());
        return launch(dir, null, Map.of(), List.of("--config", config.toString()));
    }

    /**
     * Starts {@code accrue serve} as an operator does after {@code accrue init}: in {@code dir}, with no --config (it
     * reads ./accrue.properties), {@code systemProperties} as -D options on top (ports, memory).
     */
    public static ChildNode serveIn(Path dir, Map<String, String> systemProperties) throws IOException {
        return launch(dir, dir, systemProperties, List.of());
    }

    /** Runs serve with its output logged to dir/stdout.log; in {@code workDir}, or the test's own when null. */
    private static ChildNode launch(Path dir, Path workDir, Map<String, String> systemProperties, List<String> serveArgs)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx384m");
        cmd.add("--sun-misc-unsafe-memory-access=allow");
        cmd.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        systemProperties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.accrue.processor.cli.AccrueCli");
        cmd.add("serve");
        cmd.addAll(serveArgs);
        Process p = new ProcessBuilder(cmd).directory(workDir == null ? null : workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.PIPE).start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Path log = dir.resolve("stdout.log");
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 var out = Files.newBufferedWriter(log)) {
                String line;
                while ((line = r.readLine()) != null) {
                    out.write(line);
                    out.newLine();
                    out.flush();
                    Matcher m = SERVING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
                port.completeExceptionally(new IllegalStateException("the child node exited before serving; see " + log));
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
        });
        try {
            return new ChildNode(p, port.get(START_WAIT_SECONDS, TimeUnit.SECONDS));
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException("the child node did not start: " + e.getMessage() + " (log " + log + ")", e);
        }
    }

    /** The child's JVM (its descendants are the processes it started, an embedded MariaDB among them). */
    public ProcessHandle process() {
        return process.toHandle();
    }

    public int httpPort() {
        return httpPort;
    }

    public Api api() {
        return new Api(httpPort);
    }

    /** Kills the JVM without letting it stop cleanly, and waits until it is gone. */
    public void kill() {
        process.destroyForcibly();
        waitFor(60);
    }

    private boolean waitFor(int seconds) {
        try {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            if (!waitFor(30)) {
                kill();
            }
        }
    }
}
