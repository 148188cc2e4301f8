/*
 * The Debian packages a cluster run needs (mariadb-server, galera-4, haproxy),
 * installed when missing, as the launcher installs Chromium for the console's
 * browser test: the harness starts from a fresh machine (CI), where only root
 * may install. Anywhere else a missing package is one clear line naming the
 * command to run.
 */
package org.accrue.bench.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

public final class DebianPackages {
    /** apt-get update plus an install of three packages on a slow mirror. */
    private static final long INSTALL_TIMEOUT_SECONDS = 900;

    /** A program the harness runs, and the Debian package that ships it. */
    public enum Program {
        MARIADBD("/usr/sbin/mariadbd", "mariadb-server"),
        MARIADB_INSTALL_DB("/usr/bin/mariadb-install-db", "mariadb-server"),
        GALERA_PROVIDER("/usr/lib/galera/libgalera_smm.so", "galera-4"),
        HAPROXY("/usr/sbin/haproxy", "haproxy");

        private final Path path;
        private final String pkg;

        Program(String path, String pkg) {
            this.path = Path.of(path);
            this.pkg = pkg;
        }

        public Path path() {
            return path;
        }

        public String pkg() {
            return pkg;
        }
    }

    private DebianPackages() {
    }

    /** The programs' paths, after installing the packages of those missing (as root), or an exception saying what to run. */
    public static synchronized void ensure(Program... programs) throws IOException {
        Map<String, Program> missing = new LinkedHashMap<>();
        for (Program p : programs) {
            if (!Files.isExecutable(p.path()) && !Files.isReadable(p.path())) {
                missing.putIfAbsent(p.pkg(), p);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        String pkgs = String.join(" ", missing.keySet());
        if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            throw new IOException("missing " + missing.values().iterator().next().path() + ": install the Debian package(s) "
                    + "with `apt-get install " + pkgs + "` (as root)");
        }
        // An install alone first: on a machine whose package lists are fresh that is all it takes.
        if (run(List.of("apt-get", "install", "-y", "-q", "--no-install-recommends"), missing.keySet()) != 0
                && (run(List.of("apt-get", "update", "-q"), List.of()) != 0
                || run(List.of("apt-get", "install", "-y", "-q", "--no-install-recommends"), missing.keySet()) != 0)) {
            throw new IOException("apt-get could not install " + pkgs + "; run `apt-get update && apt-get install " + pkgs + "`");
        }
        for (Program p : missing.values()) {
            if (!Files.exists(p.path())) {
                throw new IOException("installed " + p.pkg() + " but " + p.path() + " is not there");
            }
        }
    }

    private static int run(List<String> command, Iterable<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(command);
        args.forEach(cmd::add);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        // Debian's maintainer scripts would start the packaged services; the harness runs its own servers.
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        pb.environment().put("RUNLEVEL", "1");
        Process p = pb.start();
        try {
            if (!p.waitFor(INSTALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in " + INSTALL_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while installing", e);
        }
        return p.exitValue();
    }
}
