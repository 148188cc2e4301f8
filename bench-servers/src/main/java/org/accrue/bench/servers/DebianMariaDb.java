/*
 * One Debian MariaDB server (/usr/sbin/mariadbd from the mariadb-server package) that the harness runs as an
 * operator would run theirs: the external store of one or more nodes. It lives in a temporary directory of its
 * own (data, socket, pid file, TLS files), on a free loopback port, and holds the database `accrue`
 * (utf8mb4, utf8mb4_bin: as the embedded store) with an account `accrue`@`%` and a random password.
 *
 * Method: mariadb-install-db makes the system tables (about 1.3 s here), mariadbd is started with --no-defaults
 * (nothing of /etc/mysql applies) and is ready when it prints "ready for connections" (no polling); setup SQL
 * runs as root over the unix socket through the `mariadb` client (the socket is the only way root gets in). With
 * TLS, a CA and a server certificate are made with openssl and the server requires secure transport: a node
 * connecting without TLS is refused. kill(0) is kill -9 of mariadbd; restart(0) starts it on the same data
 * directory and port (InnoDB crash recovery). close() stops it and deletes the directory.
 */
package org.accrue.bench.servers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

public final class DebianMariaDb implements StoreServer {
    public static final String DATABASE = "accrue";
    public static final String USER = "accrue";
    /** A start after kill -9 includes InnoDB crash recovery; on 2 busy cores a cold start took about 1 s. */
    private static final long START_TIMEOUT_SECONDS = 120;
    private static final long COMMAND_TIMEOUT_SECONDS = 60;
    private static final int PASSWORD_LENGTH = 24;
    private static final int CONSOLE_LINES_KEPT = 20;
    /** sun_path is 108 bytes including the terminating zero. */
    private static final int SOCKET_PATH_BYTES_MAX = 107;

    /**
     * tls: make a CA and a server certificate and require secure transport; maxConnections: the server's
     * max_connections (its default is 151); durable: every commit fsynced, as an operator runs it (the bench);
     * otherwise commits reach the OS at once and the disk later, which survives kill -9 of the server (only a
     * machine crash loses them) and lets tests create and migrate schemas three times faster.
     */
    public record Options(boolean tls, int maxConnections, boolean durable, int bufferPoolMb, int redoLogMb) {
        public static Options plain() {
            return new Options(false, 151, true, 64, 32);
        }

        public Options withTls() {
            return new Options(true, maxConnections, durable, bufferPoolMb, redoLogMb);
        }

        /** For tests: not fsynced (see above). */
        public Options notDurable() {
            return new Options(tls, maxConnections, false, bufferPoolMb, redoLogMb);
        }

        /** A server sized for load (the cluster scenario and its measurements), as an operator would size one. */
        public Options sized(int bufferPoolMb, int redoLogMb, int maxConnections) {
            return new Options(tls, maxConnections, durable, bufferPoolMb, redoLogMb);
        }
    }

    private final Path dir;
    private final int port;
    private final String password;
    private final Certificates certificates; // null without TLS
    private final List<String> command;
    private Process process; // null while killed

    private DebianMariaDb(Path dir, int port, String password, Certificates certificates, List<String> command) {
        this.dir = dir;
        this.port = port;
        this.password = password;
        this.certificates = certificates;
        this.command = command;
    }

    /** Installs the package when missing (as root), starts a server, creates the database and the account. */
    public static DebianMariaDb start(Options options) throws IOException {
        DebianPackages.ensure(DebianPackages.Program.MARIADBD, DebianPackages.Program.MARIADB_INSTALL_DB);
        Path dir = Files.createTempDirectory("accrue-mariadb-");
        if (dir.resolve("mariadb.sock").toString().length() > SOCKET_PATH_BYTES_MAX) {
            Files.delete(dir);
            dir = Files.createTempDirectory(Path.of("/tmp"), "accrue-mariadb-");
        }
        Path data = Files.createDirectories(dir.resolve("data"));
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> install = new ArrayList<>(List.of(DebianPackages.Program.MARIADB_INSTALL_DB.path().toString(),
                "--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db",
                "--skip-name-resolve",
                // Its bootstrap server's temporary tables in a directory of its own, not the shared /tmp: two
                // installs side by side (ExternalStoreTest starts two servers at once) failed there now and then
                // ("Could not remove temporary table", then "Unknown table 'mysql.tmp_user_sys'").
                "--tmpdir=" + Files.createDirectories(dir.resolve("tmp"))));
        if (root) {
            install.add("--user=root");
        }
        runOrThrow(install, dir, "mariadb-install-db");

        Certificates certificates = options.tls() ? Certificates.make(dir.resolve("tls"), "accrue test CA") : null;
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(DebianPackages.Program.MARIADBD.path().toString(),
                "--no-defaults", // must come first
                "--datadir=" + data,
                "--tmpdir=" + Files.createDirectories(dir.resolve("tmp")),
                "--port=" + port,
                "--socket=" + dir.resolve("mariadb.sock"),
                "--pid-file=" + dir.resolve("mariadbd.pid"),
                "--bind-address=127.0.0.1",
                "--skip-name-resolve",
                "--skip-log-bin",
                // What matters of the embedded store's settings: durable commits, packet size, a small footprint.
                "--innodb-flush-log-at-trx-commit=" + (options.durable() ? 1 : 2),
                "--max_allowed_packet=64M",
                "--innodb-buffer-pool-size=" + options.bufferPoolMb() + "M",
                "--innodb-log-file-size=" + options.redoLogMb() + "M",
                "--max-connections=" + options.maxConnections()));
        if (!options.durable()) {
            command.addAll(List.of("--skip-innodb-doublewrite", "--innodb-flush-method=nosync"));
        }
        if (certificates != null) {
            command.addAll(List.of("--ssl-ca=" + certificates.caCert(), "--ssl-cert=" + certificates.serverCert(),
                    "--ssl-key=" + certificates.serverKey(), "--require-secure-transport=ON"));
        } else {
            command.add("--skip-ssl");
        }
        if (root) {
            command.add("--user=root"); // mariadbd refuses to run as root without it
        }
        DebianMariaDb db = new DebianMariaDb(dir, port, randomPassword(), certificates, List.copyOf(command));
        try {
            db.launch();
            db.run("CREATE DATABASE " + DATABASE + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"
                    + "CREATE USER '" + USER + "'@'%' IDENTIFIED BY '" + db.password + "';"
                    + "GRANT ALL PRIVILEGES ON " + DATABASE + ".* TO '" + USER + "'@'%';");
        } catch (IOException | RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    @Override
    public String jdbcUrl() {
        return jdbcUrl(DATABASE);
    }

    /** The URL of another database on this server (see {@link #createDatabase}). */
    public String jdbcUrl(String database) {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + database;
    }

    @Override
    public String user() {
        return USER;
    }

    @Override
    public String password() {
        return password;
    }

    public int port() {
        return port;
    }

    /** The CA that signed the server's certificate (what a node is given as accrue.store.tls-ca-file), or null. */
    public Path caFile() {
        return certificates == null ? null : certificates.caCert();
    }

    @Override
    public int members() {
        return 1;
    }

    /** Another empty database like {@code accrue} (utf8mb4_bin) that the account may use: one per test. */
    public void createDatabase(String name) {
        run("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"
                + "GRANT ALL PRIVILEGES ON " + name + ".* TO '" + USER + "'@'%';");
    }

    /** Runs SQL as root over the unix socket; its output (tab-separated rows, no header) is returned. */
    public String run(String sql) {
        try {
            return runOrThrow(List.of("mariadb", "--no-defaults", "--socket=" + dir.resolve("mariadb.sock"), "-uroot",
                    "--batch", "--skip-column-names", "-e", sql), dir, "mariadb");
        } catch (IOException e) {
            // The client may quote the statement back, and a statement may hold the account's password.
            throw new UncheckedIOException(new IOException(e.getMessage().replace(password, "***")));
        }
    }

    @Override
    public synchronized void kill(int i) {
        checkMember(i);
        if (process != null) {
            process.destroyForcibly(); // SIGKILL
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while killing mariadbd", e);
            }
            process = null;
        }
    }

    @Override
    public synchronized void restart(int i) {
        checkMember(i);
        if (process != null) {
            throw new IllegalStateException("mariadbd is running; kill it first");
        }
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            process.destroy(); // TERM: a clean InnoDB shutdown
            try {
                if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            process = null;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("could not remove the MariaDB directory " + dir + ": " + e);
        }
    }

    @Override
    public String toString() {
        return "DebianMariaDb[port=" + port + ", tls=" + (certificates != null) + "]";
    }

    private void checkMember(int i) {
        if (i != 0) {
            throw new IllegalArgumentException("a single server has member 0 only, not " + i);
        }
    }

    /** Starts mariadbd and returns once it says it is ready for connections. */
    private void launch() throws IOException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Deque<String> lastLines = new ArrayDeque<>();
        Thread console = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (lastLines) {
                        lastLines.addLast(line);
                        if (lastLines.size() > CONSOLE_LINES_KEPT) {
                            lastLines.removeFirst();
                        }
                    }
                    if (line.contains("ready for connections")) {
                        ready.complete(null);
                    }
                }
            } catch (IOException e) {
                // the process is gone; its exit is reported below
            }
            ready.completeExceptionally(new IOException("mariadbd exited before it was ready"));
        }, "debian-mariadbd-console-" + port);
        console.setDaemon(true);
        console.start();
        try {
            ready.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            synchronized (lastLines) {
                throw new IOException("mariadbd on port " + port + " did not start: " + String.join(" | ", lastLines));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while starting mariadbd", e);
        }
        process = p;
    }

    private static String runOrThrow(List<String> cmd, Path dir, String name) throws IOException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(name + " did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + name, e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(name + " failed (exit " + p.exitValue() + "): " + out.strip());
        }
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String randomPassword() {
        String letters = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
        SecureRandom random = new SecureRandom();
        StringBuilder b = new StringBuilder(PASSWORD_LENGTH);
        for (int i = 0; i < PASSWORD_LENGTH; i++) {
            b.append(letters.charAt(random.nextInt(letters.length())));
        }
        return b.toString();
    }
}
