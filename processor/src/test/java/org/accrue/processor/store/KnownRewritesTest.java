package org.accrue.processor.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.testing.SharedMariaDb;
import org.accrue.processor.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A database migrated before V1 and V3 made their sequences NOCACHE still starts, and ends like a new one. */
class KnownRewritesTest {
    private static final List<String> SEQUENCES = List.of("card_seq", "card_message_seq", "processing_exception_seq",
            "reward_seq", "ledger_entry_seq");
    private String url;
    private EmbeddedMariaDb.Credentials credentials;

    @RegisterExtension
    final BeforeEachCallback database = (ExtensionContext c) -> {
        url = SharedMariaDb.get(c).freshDatabase();
        credentials = SharedMariaDb.get(c).credentials();
    };

    private AccrueConfig.Store storeConfig(Path dir) {
        return TestConfig.config(TestConfig.values(dir)).store();
    }

    private void open(Path dir) {
        Store.connect(null, url, credentials.user(), credentials.password(), storeConfig(dir), List.of()).close();
    }

    private void sql(String... statements) throws SQLException {
        try (var c = DriverManager.getConnection(url, credentials.user(), credentials.password()); var st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    private Map<String, Integer> checksums() throws SQLException {
        Map<String, Integer> m = new TreeMap<>();
        try (var c = DriverManager.getConnection(url, credentials.user(), credentials.password()); var st = c.createStatement();
             var rs = st.executeQuery("select version, checksum from flyway_schema_history where version in ('1', '3', '19')")) {
            while (rs.next()) {
                m.put(rs.getString(1), rs.getInt(2));
            }
        }
        return m;
    }

    private boolean everySequenceNocache() throws SQLException {
        try (var c = DriverManager.getConnection(url, credentials.user(), credentials.password()); var st = c.createStatement()) {
            for (String s : SEQUENCES) {
                try (var rs = st.executeQuery("show create sequence " + s)) {
                    rs.next();
                    if (!rs.getString(2).toLowerCase(java.util.Locale.ROOT).contains("nocache")) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    @Test
    void aNewDatabaseRecordsTheChecksumsTheRewritesMoveTo(@TempDir Path dir) throws SQLException {
        open(dir);
        assertThat(checksums()).containsEntry("1", KnownRewrites.REWRITES.get(0).newChecksum())
                .containsEntry("3", KnownRewrites.REWRITES.get(1).newChecksum()).containsKey("19");
        assertThat(everySequenceNocache()).isTrue();
    }

    @Test
    void aDatabaseMigratedWithTheCachedSequencesStartsAndEndsWithNocacheSequences(@TempDir Path dir) throws SQLException {
        // As it was before the edit: migrated up to V18, the old checksums, cached sequences.
        org.flywaydb.core.Flyway.configure().dataSource(url, credentials.user(), credentials.password())
                .locations("classpath:db/migration").target("18").load().migrate();
        sql("update flyway_schema_history set checksum = " + KnownRewrites.REWRITES.get(0).oldChecksum() + " where version = '1'",
                "update flyway_schema_history set checksum = " + KnownRewrites.REWRITES.get(1).oldChecksum() + " where version = '3'");
        for (String s : SEQUENCES) {
            sql("alter sequence " + s + " cache 1000");
        }
        assertThat(everySequenceNocache()).isFalse();

        open(dir);

        assertThat(checksums()).containsEntry("1", KnownRewrites.REWRITES.get(0).newChecksum())
                .containsEntry("3", KnownRewrites.REWRITES.get(1).newChecksum()).containsKey("19");
        assertThat(everySequenceNocache()).isTrue();
    }

    @Test
    void aChecksumNoRewriteKnowsStillStopsTheNode(@TempDir Path dir) throws SQLException {
        open(dir);
        sql("update flyway_schema_history set checksum = 12345 where version = '1'");
        assertThatThrownBy(() -> open(dir)).hasMessageContaining("checksum");
        assertThat(checksums()).containsEntry("1", 12345);
    }
}
