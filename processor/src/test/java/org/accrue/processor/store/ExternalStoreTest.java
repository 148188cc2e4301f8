package org.accrue.processor.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import org.accrue.bench.servers.Certificates;
import org.accrue.bench.servers.DebianMariaDb;
import org.accrue.config.AccrueConfig;
import org.accrue.processor.Processor;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.testing.TestConfig;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * accrue.store.mode=external against a Debian mariadbd the test runs as an operator runs theirs (one plain, one that
 * requires TLS; each test on a database of its own): the node migrates it and works on it, and every way it cannot
 * be opened is one line naming the server and account, never the password.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExternalStoreTest {
    private DebianMariaDb plain;
    private DebianMariaDb tls;

    @BeforeAll
    void startServers() throws Exception {
        // Side by side: each is mostly waiting for mariadb-install-db and the server's start.
        var tlsStart = java.util.concurrent.CompletableFuture.supplyAsync(() -> start(DebianMariaDb.Options.plain().withTls().notDurable()));
        plain = start(DebianMariaDb.Options.plain().notDurable());
        tls = tlsStart.get();
    }

    private static DebianMariaDb start(DebianMariaDb.Options options) {
        try {
            return DebianMariaDb.start(options);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    void stopServers() {
        if (plain != null) {
            plain.close();
        }
        if (tls != null) {
            tls.close();
        }
    }

    @Test
    void aNodeRunsOnAnExternalMariaDbGivenItsUrl(@TempDir Path dir) {
        try (Processor node = Processor.builder(config(dir, plain, freshDatabase(plain), Map.of())).listener(false).http(false).start()) {
            assertThat(node.store().embedded()).isNull();
            var r = node.enrollment().enroll(TestConfig.ISSUER_A,
                    new Enrollment.Request("4000056655665556", "ACC", "DOE", null, null));
            assertThat(r.created()).isTrue();
            assertThat(node.store().isUp()).isTrue();
        }
    }

    @Test
    void aNodeConnectsOverTlsVerifyingTheServerAgainstTheCaFile(@TempDir Path dir) {
        Map<String, String> tlsKeys = Map.of("accrue.store.tls", "verify-ca", "accrue.store.tls-ca-file", tls.caFile().toString());
        try (Processor node = Processor.builder(config(dir, tls, freshDatabase(tls), tlsKeys)).listener(false).http(false).start()) {
            String cipher = node.store().sessionFactory().fromSession(s -> (String) s.createNativeQuery(
                    "select variable_value from information_schema.session_status where variable_name = 'Ssl_cipher'",
                    Object.class).getSingleResult());
            assertThat(cipher).isNotBlank();
        }
    }

    @Test
    void aWrongPasswordIsOneLineNamingTheUserAndNotThePassword(@TempDir Path dir) {
        String wrong = "Wr0ngPassw0rd" + UUID.randomUUID();
        AccrueConfig c = config(dir, plain, freshDatabase(plain), Map.of("accrue.store.password", wrong));
        assertThatThrownBy(() -> Processor.builder(c).listener(false).http(false).start())
                .isInstanceOf(StoreStartException.class)
                .hasMessage("access denied for user 'accrue' on 127.0.0.1:" + plain.port()
                        + " (wrong user or password: accrue.store.user, accrue.store.password)")
                .hasMessageNotContaining(wrong);
    }

    @Test
    void nothingListeningIsConnectionRefusedNamingHostAndPort(@TempDir Path dir) throws IOException {
        int port = freePort();
        Map<String, String> values = TestConfig.values(dir);
        values.put("accrue.store.mode", "external");
        values.put("accrue.store.url", "jdbc:mariadb://127.0.0.1:" + port + "/accrue");
        values.put("accrue.store.password", "not-used-" + UUID.randomUUID());
        assertThatThrownBy(() -> Processor.builder(TestConfig.config(values)).listener(false).http(false).start())
                .isInstanceOf(StoreStartException.class)
                .hasMessage("connection refused by 127.0.0.1:" + port + " (is MariaDB running there, on that port?)");
    }

    @Test
    void aServerThatNeverAnswersTimesOutInOneLine(@TempDir Path dir) throws IOException {
        // The kernel completes the handshake into the backlog; nobody accepts, so no greeting ever comes.
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Map<String, String> values = TestConfig.values(dir);
            values.put("accrue.store.mode", "external");
            values.put("accrue.store.url", "jdbc:mariadb://127.0.0.1:" + silent.getLocalPort() + "/accrue");
            values.put("accrue.store.connect-timeout-ms", "250");
            assertThatThrownBy(() -> Processor.builder(TestConfig.config(values)).listener(false).http(false).start())
                    .isInstanceOf(StoreStartException.class)
                    .hasMessage("connecting to 127.0.0.1:" + silent.getLocalPort() + " timed out after 250 ms "
                            + "(accrue.store.connect-timeout-ms): no answer from the server (down, hung, or a firewall)");
        }
    }

    @Test
    void aDatabaseThatDoesNotExistIsNamed(@TempDir Path dir) {
        AccrueConfig c = config(dir, plain, "no_such_db", Map.of());
        assertThatThrownBy(() -> Processor.builder(c).listener(false).http(false).start())
                .isInstanceOf(StoreStartException.class)
                .hasMessageStartingWith("database 'no_such_db' on 127.0.0.1:" + plain.port() + " does not exist or user 'accrue' has no grant on it")
                .hasMessageNotContaining(plain.password());
    }

    @Test
    void aServerThatRequiresTlsRefusesANodeWithoutItInOneLine(@TempDir Path dir) {
        AccrueConfig c = config(dir, tls, freshDatabase(tls), Map.of());
        assertThatThrownBy(() -> Processor.builder(c).listener(false).http(false).start())
                .isInstanceOf(StoreStartException.class)
                .hasMessage("127.0.0.1:" + tls.port() + " requires TLS (require_secure_transport) and accrue.store.tls=disable: "
                        + "set accrue.store.tls=verify-ca or verify-full and accrue.store.tls-ca-file");
    }

    @Test
    void aServerCertificateFromAnotherCaIsNotTrusted(@TempDir Path dir) throws IOException {
        Certificates other = Certificates.make(dir.resolve("other-ca"), "some other CA");
        AccrueConfig c = config(dir, tls, freshDatabase(tls), Map.of("accrue.store.tls", "verify-full",
                "accrue.store.tls-ca-file", other.caCert().toString()));
        assertThatThrownBy(() -> Processor.builder(c).listener(false).http(false).start())
                .isInstanceOf(StoreStartException.class)
                .hasMessageStartingWith("TLS to 127.0.0.1:" + tls.port() + " failed: the server's certificate is not trusted by "
                        + "accrue.store.tls-ca-file " + other.caCert())
                .hasMessageNotContaining(tls.password());
    }

    @Test
    void aPoolLargerThanTheServerHasConnectionsFreeIsRefusedNamingTheNumbers(@TempDir Path dir) {
        AccrueConfig c = config(dir, plain, freshDatabase(plain), Map.of("accrue.store.pool-size-max", "200"));
        assertThatThrownBy(() -> Processor.builder(c).listener(false).http(false).start())
                .isInstanceOf(StoreStartException.class)
                .hasMessageStartingWith("accrue.store.pool-size-max=200 does not fit on 127.0.0.1:" + plain.port()
                        + ": max_connections is 151 and ")
                .hasMessageContaining("nodes x pool-size-max + headroom <= max_connections");
    }

    @Test
    void anOlderSchemaIsMigratedForwardAndANewerOneIsRefusedInOneLine(@TempDir Path dir) {
        String db = freshDatabase(plain);
        Flyway.configure().dataSource(plain.jdbcUrl(db), plain.user(), plain.password())
                .locations("classpath:db/migration").target("5").load().migrate();
        AccrueConfig c = config(dir, plain, db, Map.of());
        try (Processor node = Processor.builder(c).listener(false).http(false).start()) {
            assertThat(node.store().isUp()).isTrue();
        }
        String newest = plain.run("select max(cast(version as unsigned)) from " + db + ".flyway_schema_history").strip();
        assertThat(Integer.parseInt(newest)).isGreaterThan(5);

        plain.run("insert into " + db + ".flyway_schema_history (installed_rank, version, description, type, script, "
                + "checksum, installed_by, execution_time, success) values (999, '999', 'from a newer node', 'SQL', "
                + "'V999__from_a_newer_node.sql', 0, 'accrue', 1, 1)");
        assertThatThrownBy(() -> Processor.builder(c).listener(false).http(false).start())
                .isInstanceOf(StoreStartException.class)
                .hasMessage("the database schema is at version 999, newer than this node knows (its newest migration is V"
                        + newest + "): a newer accrue migrated it; run that version of accrue or a newer one "
                        + "(an older node never runs on a newer schema)");
    }

    private static String freshDatabase(DebianMariaDb server) {
        String name = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        server.createDatabase(name);
        return name;
    }

    private static AccrueConfig config(Path dir, DebianMariaDb server, String database, Map<String, String> overrides) {
        Map<String, String> values = TestConfig.values(dir);
        values.put("accrue.store.mode", "external");
        values.put("accrue.store.url", server.jdbcUrl(database));
        values.put("accrue.store.user", server.user());
        values.put("accrue.store.password", server.password());
        values.putAll(overrides);
        return TestConfig.config(values);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
