/*
 * One mariadbd process and the watcher that stops it if this JVM dies.
 *
 * Goal: the server never outlives the node, whatever kills the node (kill -9 included), without polling.
 *
 * Method. The watcher is a tiny `sh` started first, blocked reading a pipe from this JVM; mariadbd is started next
 * and its pid written to that pipe. The JVM holds the pipe's only write end (a child never inherits it: the JDK
 * closes every other descriptor in a child it starts), so when the JVM dies the kernel closes it, the watcher's
 * read returns, and the watcher sends mariadbd TERM (a clean InnoDB shutdown). A watcher told "release" exits
 * without signalling (the node stopped the server itself, or saw it die); one that finds that the pid no longer
 * names our data directory on its command line (the server is gone and the pid reused) signals nothing. The
 * watcher ignores INT and HUP, so a closed terminal that takes the JVM down does not take the watcher with it.
 * The only unguarded moment is the microseconds between mariadbd's fork and the write of its pid; the next node
 * on the same directory finds such an orphan (see Orphans).
 *
 * The server's console (it runs with --console) goes to the log line by line, the node's password masked in any
 * line that would hold it; the server is ready when it prints "ready for connections.", and the last lines are
 * kept for the error of a start that failed.
 */
package org.accrue.processor.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class MariaDbProcess {
    private static final Logger log = LoggerFactory.getLogger("org.accrue.processor.store.mariadbd");

    /** The watcher's $0: how it shows in ps, and how a test finds it. */
    static final String WATCHER_NAME = "accrue-mariadbd-watcher";
    // $1 is "--datadir=<our data dir>", exactly as on the server's command line.
    private static final String WATCHER_SCRIPT = """
            trap '' INT HUP
            read -r pid || exit 0
            read -r word
            [ "$word" = release ] && exit 0
            if [ -r "/proc/$pid/cmdline" ]; then
              tr '\\000' '\\n' < "/proc/$pid/cmdline" | grep -qxF -e "$1" || exit 0
            fi
            kill -TERM "$pid" 2>/dev/null
            exit 0
            """;
    private static final String READY = ": ready for connections.";
    private static final int CONSOLE_LINES_KEPT = 30;
    /** How long a server asked to stop (TERM) gets before it is killed (KILL): a clean shutdown takes seconds. */
    static final long STOP_WAIT_MS = 60_000;

    private final Process server;
    private final Process watcher;
    private final OutputStream toWatcher;
    private final String secret;
    private final Deque<String> lastLines = new ArrayDeque<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final long startedAtNanos = System.nanoTime();
    private boolean released; // guarded by this

    private MariaDbProcess(Process server, Process watcher, String secret) {
        this.server = server;
        this.watcher = watcher;
        this.toWatcher = watcher.getOutputStream();
        this.secret = secret;
    }

    /**
     * Starts the server ({@code command}, run in {@code workDir} with {@code env} added) under a watcher and waits
     * until it is ready for connections, at most {@code readyTimeoutMs}. {@code datadirArg} is the command's
     * "--datadir=..." argument; {@code secret} is masked in every console line logged. A server that exits or is
     * not ready in time is stopped and the start fails with its last console lines.
     */
    static MariaDbProcess start(List<String> command, Map<String, String> env, Path workDir, String datadirArg,
                                String secret, long readyTimeoutMs) throws IOException, InterruptedException {
        Process watcher = new ProcessBuilder("sh", "-c", WATCHER_SCRIPT, WATCHER_NAME, datadirArg)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        Process server;
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
            pb.environment().putAll(env);
            server = pb.start();
        } catch (IOException | RuntimeException e) {
            watcher.destroy();
            throw e;
        }
        MariaDbProcess p = new MariaDbProcess(server, watcher, secret);
        try {
            p.toWatcher.write((server.pid() + "\n").getBytes(StandardCharsets.US_ASCII));
            p.toWatcher.flush();
        } catch (IOException e) {
            p.stop(); // a server without its watcher could outlive us: none at all
            throw new IOException("the watcher of mariadbd did not take its pid: " + e.getMessage(), e);
        }
        Thread.ofVirtual().name("mariadbd-console-" + server.pid()).start(p::forwardConsole);
        try {
            p.ready.get(readyTimeoutMs, TimeUnit.MILLISECONDS);
            return p;
        } catch (TimeoutException e) {
            p.stop();
            throw new IOException("mariadbd was not ready for connections within " + readyTimeoutMs + " ms; its last lines:\n"
                    + p.lastLines(), e);
        } catch (ExecutionException e) {
            p.stop();
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            p.stop();
            throw e;
        }
    }

    long pid() {
        return server.pid();
    }

    boolean isAlive() {
        return server.isAlive();
    }

    /** Completes when the server has exited, for whatever reason. */
    CompletableFuture<Process> onExit() {
        return server.onExit();
    }

    long uptimeMs() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAtNanos);
    }

    /** Stops the server (TERM; KILL after {@link #STOP_WAIT_MS}), waits for it, then lets the watcher go. */
    void stop() {
        try {
            if (server.isAlive()) {
                server.destroy();
                if (!server.waitFor(STOP_WAIT_MS, TimeUnit.MILLISECONDS)) {
                    log.warn("mariadbd (pid {}) did not stop within {} ms of TERM; killing it", server.pid(), STOP_WAIT_MS);
                    server.destroyForcibly();
                    server.waitFor(STOP_WAIT_MS, TimeUnit.MILLISECONDS);
                }
            }
        } catch (InterruptedException e) {
            server.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            release();
        }
    }

    /** Tells the watcher the server is no business of its any more (stopped by us, or gone by itself). */
    synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        try {
            toWatcher.write("release\n".getBytes(StandardCharsets.US_ASCII));
            toWatcher.close();
        } catch (IOException e) {
            // The watcher is gone already: nothing is left to tell.
            watcher.destroy();
        }
    }

    private void forwardConsole() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String shown = secret.isEmpty() ? line : line.replace(secret, "***");
                synchronized (lastLines) {
                    if (lastLines.size() == CONSOLE_LINES_KEPT) {
                        lastLines.removeFirst();
                    }
                    lastLines.addLast(shown);
                }
                if (shown.contains("[ERROR]")) {
                    log.error("{}", shown);
                } else if (shown.contains("[Warning]")) {
                    log.warn("{}", shown);
                } else {
                    log.info("{}", shown);
                }
                if (shown.contains(READY)) {
                    ready.complete(null);
                }
            }
        } catch (IOException e) {
            log.debug("mariadbd console closed: {}", e.toString());
        }
        // The console closes when the server exits: if it was not ready by then, it never will be.
        int code = server.onExit().join().exitValue();
        ready.completeExceptionally(new IllegalStateException("mariadbd exited with code " + code
                + " before it was ready for connections; its last lines:\n" + lastLines()));
    }

    private String lastLines() {
        synchronized (lastLines) {
            return String.join("\n", lastLines);
        }
    }
}
