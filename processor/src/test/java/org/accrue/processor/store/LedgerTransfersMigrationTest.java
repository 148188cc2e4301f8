package org.accrue.processor.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.accrue.processor.testing.SharedMariaDb;
import org.accrue.processor.testing.TestConfig;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** V28 moves the ledger's entry rows into one transfer per transaction, and ledger_entry reads the same as before. */
class LedgerTransfersMigrationTest {
    private String url;
    private EmbeddedMariaDb.Credentials credentials;

    @RegisterExtension
    final BeforeEachCallback database = (ExtensionContext c) -> {
        url = SharedMariaDb.get(c).freshDatabase();
        credentials = SharedMariaDb.get(c).credentials();
    };

    /** Migrates to the last version before V28, whichever that is. */
    private void migrateToBeforeTransfers() {
        var all = Flyway.configure().dataSource(url, credentials.user(), credentials.password())
                .locations("classpath:db/migration").load().info().all();
        String before = java.util.Arrays.stream(all).map(m -> m.getVersion())
                .filter(v -> v.compareTo(org.flywaydb.core.api.MigrationVersion.fromVersion("28")) < 0)
                .max(Comparable::compareTo).orElseThrow().getVersion();
        Flyway.configure().dataSource(url, credentials.user(), credentials.password()).locations("classpath:db/migration")
                .target(before).load().migrate();
    }

    private void open(Path dir) {
        Store.connect(null, url, credentials.user(), credentials.password(),
                TestConfig.config(TestConfig.values(dir)).store(), List.of()).close();
    }

    private void sql(String... statements) throws SQLException {
        try (var c = DriverManager.getConnection(url, credentials.user(), credentials.password()); var st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    private List<String> rows(String query) throws SQLException {
        List<String> out = new ArrayList<>();
        try (var c = DriverManager.getConnection(url, credentials.user(), credentials.password()); var st = c.createStatement();
             var rs = st.executeQuery(query)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    b.append(i > 1 ? " " : "").append(rs.getString(i));
                }
                out.add(b.toString());
            }
        }
        return out;
    }

    private static String entry(long id, String txn, long reward, String kind, String type, String owner, long amount) {
        return "(" + id + ", '" + txn + "', " + reward + ", '" + kind + "', '" + type + "', '" + owner + "', 'CASH', 'USD', "
                + amount + ", '2026-11-30 10:00:00')";
    }

    private static final String INSERT = "insert into ledger_entry (id, txn_id, reward_id, txn_kind, account_type, "
            + "account_owner, unit_kind, unit_code, amount, created_at) values ";

    @Test
    void entriesWrittenBeforeBecomeOneTransferPerTransactionAndReadTheSameThroughTheView(@TempDir Path dir)
            throws SQLException {
        migrateToBeforeTransfers();
        sql(INSERT + String.join(", ",
                entry(1, "txn_a", 7, "EARN", "CARDHOLDER_PENDING", "70", 250),
                entry(51, "txn_a", 7, "EARN", "FUNDER_RECEIVABLE", "MERCHANT:m1", -250),
                entry(101, "txn_b", 9, "EARN", "CARDHOLDER_PENDING", "90", 100),
                entry(151, "txn_b", 9, "EARN", "FUNDER_RECEIVABLE", "MERCHANT:m1", -100),
                entry(201, "txn_c", 7, "AVAILABLE", "CARDHOLDER_AVAILABLE", "70", 250),
                entry(251, "txn_c", 7, "AVAILABLE", "CARDHOLDER_PENDING", "70", -250)));
        List<String> before = rows("select txn_id, reward_id, txn_kind, account_type, account_owner, amount from ledger_entry "
                + "order by reward_id, id");

        open(dir);

        assertThat(rows("select reward_id, txn_id, amount, debit_type, debit_owner, credit_type, credit_owner "
                + "from ledger_transfer order by reward_id, id")).containsExactly(
                "7 txn_a 250 CARDHOLDER_PENDING 70 FUNDER_RECEIVABLE MERCHANT:m1",
                "7 txn_c 250 CARDHOLDER_AVAILABLE 70 CARDHOLDER_PENDING 70",
                "9 txn_b 100 CARDHOLDER_PENDING 90 FUNDER_RECEIVABLE MERCHANT:m1");
        assertThat(rows("select txn_id, reward_id, txn_kind, account_type, account_owner, amount from ledger_entry "
                + "where reward_id in (7, 9) order by reward_id, id")).isEqualTo(before);
        assertThat(rows("select table_type from information_schema.tables where table_schema = database() "
                + "and table_name = 'ledger_entry'")).containsExactly("VIEW");
    }

    @Test
    void aTransactionOfOtherThanTwoEntriesStopsTheMigrationRatherThanLoseAnEntry(@TempDir Path dir) throws SQLException {
        migrateToBeforeTransfers();
        sql(INSERT + String.join(", ",
                entry(1, "txn_a", 7, "EARN", "CARDHOLDER_PENDING", "70", 250),
                entry(51, "txn_a", 7, "EARN", "FUNDER_RECEIVABLE", "MERCHANT:m1", -200),
                entry(101, "txn_a", 7, "EARN", "FUNDER_RECEIVABLE", "MERCHANT:m2", -50)));

        assertThatThrownBy(() -> open(dir)).hasStackTraceContaining("every_transaction_has_two_entries");
        assertThat(rows("select count(*) from ledger_entry")).containsExactly("3");
    }
}
