/*
 * A node's own embedded mariadbd, paused with SIGSTOP and resumed with
 * SIGCONT: the store hangs (connections stay open, nothing answers) instead
 * of failing, which is what a stalled disk, a VM pause or a network that
 * drops packets look like from the node. The server is found among this
 * JVM's descendants by the data directory on its command line, so a test
 * never signals another test's server.
 */
package org.accrue.processor.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

public final class PausedServer implements AutoCloseable {
    private static final long KILL_WAIT_MS = 5_000;

    private final long pid;
    private boolean paused;

    private PausedServer(long pid) {
        this.pid = pid;
    }

    /** Pauses the mariadbd whose data directory is under {@code dataDir}; close() resumes it. */
    public static PausedServer pause(Path dataDir) {
        String dir = dataDir.toAbsolutePath().normalize().toString();
        List<ProcessHandle> servers = ProcessHandle.current().descendants()
                .filter(p -> {
                    var info = p.info();
                    String command = info.command().orElse("");
                    String args = String.join(" ", info.arguments().orElse(new String[0]));
                    return (command.endsWith("mariadbd") || command.endsWith("mysqld")) && args.contains(dir);
                })
                .toList();
        if (servers.size() != 1) {
            throw new IllegalStateException("expected one mariadbd with its data under " + dir + ", found " + servers.size());
        }
        PausedServer s = new PausedServer(servers.getFirst().pid());
        s.signal("-STOP");
        s.paused = true;
        return s;
    }

    @Override
    public void close() {
        if (paused) {
            signal("-CONT");
            paused = false;
        }
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start();
            if (!kill.waitFor(KILL_WAIT_MS, TimeUnit.MILLISECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill " + signal + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("kill " + signal + " " + pid + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + pid, e);
        }
    }
}
