/*
 * A mariadbd left running on our data directory by an earlier node that died without stopping it (its watcher
 * killed with it, or the node killed in the instant between the server's fork and its watcher taking the pid).
 * Such an orphan holds the data directory's locks ("Can't lock aria control file"), so no new server can start
 * there until it is gone.
 *
 * Method. Called only while this node holds the directory's node lock, so no live node owns a server there: any
 * server on it is an orphan. Candidates are the pid files in the data directory and every process listed in /proc
 * (a pid file can be missing, or name a pid reused since); a candidate is signalled only if its program is mariadbd
 * (or mysqld) and its command line has "--datadir=" naming this very directory, so another server on this host is
 * never touched. An orphan is asked to stop (TERM, a clean InnoDB shutdown) and killed (KILL) if it has not gone
 * after STOP_WAIT_MS; the start fails if even that does not end it.
 */
package org.accrue.processor.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class Orphans {
    private static final Logger log = LoggerFactory.getLogger(Orphans.class);
    /** How long an orphan gets after TERM, and again after KILL. */
    static final long STOP_WAIT_MS = 30_000;
    private static final Path PROC = Path.of("/proc");

    private Orphans() {
    }

    /** Stops every server still running on {@code dataDir}; returns how many there were. */
    static int stopAll(Path dataDir) throws InterruptedException {
        int n = 0;
        for (long pid : find(dataDir)) {
            ProcessHandle h = ProcessHandle.of(pid).orElse(null);
            if (h == null || !h.isAlive()) {
                continue;
            }
            log.warn("an embedded MariaDB left running by an earlier node (pid {}) holds {}; stopping it", pid, dataDir);
            h.destroy();
            if (!exited(h)) {
                log.warn("the earlier node's MariaDB (pid {}) did not stop within {} ms of TERM; killing it", pid, STOP_WAIT_MS);
                h.destroyForcibly();
                if (!exited(h)) {
                    throw new IllegalStateException("the MariaDB left running on " + dataDir + " by an earlier node (pid "
                            + pid + ") did not end even when killed; stop it by hand");
                }
            }
            n++;
        }
        return n;
    }

    /** The pids of the servers running on {@code dataDir}, found by pid file and in /proc, each checked. */
    static List<Long> find(Path dataDir) {
        Set<Long> candidates = new LinkedHashSet<>();
        try (DirectoryStream<Path> pidFiles = Files.newDirectoryStream(dataDir, "*.pid")) {
            for (Path f : pidFiles) {
                try {
                    candidates.add(Long.parseLong(Files.readString(f, StandardCharsets.US_ASCII).strip()));
                } catch (IOException | NumberFormatException e) {
                    log.debug("pid file {} unreadable: {}", f, e.toString());
                }
            }
        } catch (IOException e) {
            log.debug("no pid files in {}: {}", dataDir, e.toString());
        }
        if (Files.isDirectory(PROC)) {
            try (Stream<Path> procs = Files.list(PROC)) {
                procs.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                        .map(Long::parseLong).forEach(candidates::add);
            } catch (IOException e) {
                log.debug("cannot list /proc: {}", e.toString());
            }
        }
        long self = ProcessHandle.current().pid();
        List<Long> found = new ArrayList<>();
        for (long pid : candidates) {
            if (pid != self && isServerOf(commandLine(pid), dataDir)) {
                found.add(pid);
            }
        }
        return found;
    }

    /** Whether a process with this command line (program first) is a MariaDB server on {@code dataDir}. */
    static boolean isServerOf(List<String> argv, Path dataDir) {
        if (argv.isEmpty()) {
            return false;
        }
        String program = Path.of(argv.getFirst()).getFileName().toString();
        if (!program.equals("mariadbd") && !program.equals("mysqld")) {
            return false;
        }
        Set<String> names = new LinkedHashSet<>();
        names.add("--datadir=" + dataDir.toAbsolutePath().normalize());
        try {
            names.add("--datadir=" + dataDir.toRealPath());
        } catch (IOException e) {
            // A directory that does not exist has no server on it under another name either.
        }
        return argv.stream().skip(1).anyMatch(names::contains);
    }

    private static List<String> commandLine(long pid) {
        Path cmdline = PROC.resolve(Long.toString(pid)).resolve("cmdline");
        if (Files.isDirectory(PROC)) {
            try {
                String raw = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8);
                return raw.isEmpty() ? List.of() : Arrays.asList(raw.split("\0"));
            } catch (IOException e) {
                return List.of(); // gone, or not ours to read
            }
        }
        // No /proc (macOS): what the JDK can tell about the process.
        return ProcessHandle.of(pid).map(h -> {
            List<String> argv = new ArrayList<>();
            h.info().command().ifPresent(argv::add);
            h.info().arguments().ifPresent(a -> argv.addAll(Arrays.asList(a)));
            return argv;
        }).orElse(List.of());
    }

    private static boolean exited(ProcessHandle h) throws InterruptedException {
        try {
            h.onExit().get(STOP_WAIT_MS, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !h.isAlive();
        } catch (ExecutionException e) {
            return !h.isAlive();
        }
    }
}
