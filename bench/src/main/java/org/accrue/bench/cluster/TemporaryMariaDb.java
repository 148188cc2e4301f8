/*
 * TEMPORARY, until servers.DebianMariaDb (being written beside this) lands:
 * the smallest shared store a cluster can run today. One Debian mariadbd under
 * the cluster's directory: mariadb-install-db once, then the server on
 * 127.0.0.1 and a free port, durable commits, an init file (0600, deleted once
 * the server is up) that creates the database and the nodes' account with a
 * random password. The password is handed to the nodes through their
 * environment (ACCRUE_STORE_PASSWORD), never written into a properties file.
 * Cluster.store(kind) is the one place that picks it; delete this class when
 * DebianMariaDb is there.
 */
package org.accrue.bench.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.accrue.bench.node.NodeDir;
import org.accrue.bench.servers.DebianPackages;
import org.accrue.bench.servers.StoreServer;

final class TemporaryMariaDb implements StoreServer {
    private static final String DATABASE = "accrue";
    private static final String USER = "accrue";
    private static final int PASSWORD_CHARS = 32;
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final long START_WAIT_MS = 120_000;
    private static final long STOP_WAIT_SECONDS = 30;

    private final Path dir;
    private final List<String> command;
    private final int port;
    private final String password;
    private Process process;

    private TemporaryMariaDb(Path dir, List<String> command, int port, String password) {
        this.dir = dir;
        this.command = command;
        this.port = port;
        this.password = password;
    }

    static TemporaryMariaDb start(Path dir) throws IOException {
        DebianPackages.ensure(DebianPackages.Program.MARIADBD, DebianPackages.Program.MARIADB_INSTALL_DB);
        Path data = dir.resolve("data").toAbsolutePath();
        Files.createDirectories(data);
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> install = new ArrayList<>(List.of(DebianPackages.Program.MARIADB_INSTALL_DB.path().toString(),
                "--no-defaults", "--datadir=" + data, "--skip-test-db", "--auth-root-authentication-method=socket"));
        if (root) {
            install.add("--user=root");
        }
        run(install, dir.resolve("install-db.log"));
        int port = NodeDir.freePort();
        List<String> cmd = new ArrayList<>(List.of(DebianPackages.Program.MARIADBD.path().toString(), "--no-defaults",
                "--datadir=" + data, "--port=" + port, "--bind-address=127.0.0.1", "--socket=" + dir.toAbsolutePath().resolve("mysqld.sock"),
                "--pid-file=" + data.resolve("mariadbd.pid"), "--skip-name-resolve", "--skip-log-bin",
                "--innodb-flush-log-at-trx-commit=1", // durable commits: a node's 00 means on disk
                "--innodb-buffer-pool-size=256M", "--max-connections=500", "--max_allowed_packet=64M"));
        if (root) {
            cmd.add("--user=root"); // mariadbd refuses to run as root without it
        }
        StringBuilder pw = new StringBuilder();
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < PASSWORD_CHARS; i++) {
            pw.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        TemporaryMariaDb db = new TemporaryMariaDb(dir, List.copyOf(cmd), port, pw.toString());
        Path init = dir.resolve("init.sql");
        Files.writeString(init, """
                CREATE DATABASE IF NOT EXISTS %1$s CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
                CREATE USER IF NOT EXISTS '%2$s'@'127.0.0.1' IDENTIFIED BY '%3$s';
                GRANT ALL PRIVILEGES ON *.* TO '%2$s'@'127.0.0.1';
                """.formatted(DATABASE, USER, db.password));
        Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rw-------"));
        try {
            db.launch(List.of("--init-file=" + init.toAbsolutePath()));
        } finally {
            Files.deleteIfExists(init);
        }
        return db;
    }

    private void launch(List<String> extra) throws IOException {
        List<String> cmd = new ArrayList<>(command);
        cmd.addAll(extra);
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mariadbd.log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_WAIT_MS);
        while (true) {
            // Ready when the nodes' account logs in: the init file has run (the port opens before it does).
            try (var c = java.sql.DriverManager.getConnection(jdbcUrl() + "?connectTimeout=1000", USER, password)) {
                return;
            } catch (java.sql.SQLException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IOException("mariadbd did not listen on " + port + "; see " + dir.resolve("mariadbd.log"));
                }
            }
            try {
                Thread.sleep(100); // polling for the port, bounded by the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while mariadbd started", e);
            }
        }
    }

    private static void run(List<String> cmd, Path log) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(START_WAIT_MS, TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(cmd.getFirst() + " failed; see " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public String jdbcUrl() {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + DATABASE;
    }

    @Override
    public String user() {
        return USER;
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public int members() {
        return 1;
    }

    @Override
    public void kill(int i) {
        requireMember(i);
        process.destroyForcibly();
        try {
            process.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void restart(int i) {
        requireMember(i);
        try {
            launch(List.of());
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private static void requireMember(int i) {
        if (i != 0) {
            throw new IllegalArgumentException("a single server has member 0 only, not " + i);
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
