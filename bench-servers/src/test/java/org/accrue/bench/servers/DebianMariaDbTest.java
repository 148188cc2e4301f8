package org.accrue.bench.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.DriverManager;
import java.sql.SQLException;

import org.junit.jupiter.api.Test;

/** The harness's Debian server: the account it gives connects, and kill -9 then restart keeps every commit. */
class DebianMariaDbTest {

    @Test
    void aKilledServerRestartsOnTheSameDataAndPortWithEveryCommitKept() throws Exception {
        try (DebianMariaDb db = DebianMariaDb.start(DebianMariaDb.Options.plain())) {
            try (var c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()); var st = c.createStatement()) {
                st.execute("create table kept (id int primary key, note varchar(20))");
                st.execute("insert into kept values (1, 'before the kill')");
                assertThat(c.getMetaData().getDatabaseProductVersion()).contains("MariaDB");
            }

            db.kill(0);
            assertThatThrownBy(() -> DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()).close())
                    .isInstanceOf(SQLException.class);

            db.restart(0);
            try (var c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()); var st = c.createStatement();
                 var r = st.executeQuery("select note from kept where id = 1")) {
                assertThat(r.next()).isTrue();
                assertThat(r.getString(1)).isEqualTo("before the kill");
            }
            assertThat(db.run("select @@character_set_database, @@collation_database from dual").strip()).isNotEmpty();
            assertThat(db.run("select default_collation_name from information_schema.schemata where schema_name = 'accrue'").strip())
                    .isEqualTo("utf8mb4_bin");
        }
    }

    @Test
    void aTlsServerRefusesAClientWithoutTlsAndTakesOneThatVerifiesItsCa() throws Exception {
        try (DebianMariaDb db = DebianMariaDb.start(DebianMariaDb.Options.plain().withTls().notDurable())) {
            assertThatThrownBy(() -> DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()).close())
                    .isInstanceOf(SQLException.class);
            String url = db.jdbcUrl() + "?sslMode=verify-full&serverSslCert=" + db.caFile();
            try (var c = DriverManager.getConnection(url, db.user(), db.password()); var st = c.createStatement();
                 var r = st.executeQuery("show session status like 'Ssl_version'")) {
                assertThat(r.next()).isTrue();
                assertThat(r.getString(2)).startsWith("TLS");
            }
        }
    }
}
