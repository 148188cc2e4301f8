package org.accrue.processor.rewardbook;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import org.accrue.processor.store.Sql;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.RewardStream;
import org.accrue.rewards.ledger.Account;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The reward book on a real store: changes made by the domain's transitions are written (grouped by status move),
 * and the ledger rules at post time refuse a batch with one bad change before anything of it is written.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false"})
class RewardBookTest {
    private Node node;
    private RewardStream stream;

    @BeforeEach
    void setUp(Node node) throws Exception {
        this.node = node;
        this.stream = new RewardStream(node);
    }

    @AfterEach
    void tearDown() {
        stream.close();
    }

    /** Two AVAILABLE cashback rewards of a new card; returns their row ids. */
    private List<Long> twoAvailableCashRewards() {
        String pan = RewardStream.newPan();
        long card = stream.row(stream.enroll(KEY_ISSUER_A, pan, "ACC-BOOK", "OKAFOR"));
        stream.purchase(pan, 4000);
        stream.purchase(pan, 2500);
        stream.matchAndMakeAvailable();
        return Sql.inTransaction(node.processor().store().dataSource(), c -> {
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select id from reward where card_id = ? and unit_kind = 'CASH' "
                    + "and status = 'AVAILABLE' order by id")) {
                ps.setLong(1, card);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
            assertThat(ids).hasSize(2);
            return ids;
        });
    }

    private static long count(Connection c, String sql, List<Long> ids) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql + " (" + Sql.marks(ids.size()) + ")")) {
            for (int i = 0; i < ids.size(); i++) {
                ps.setLong(i + 1, ids.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static final String LEDGER_ROWS = "select count(*) from ledger_entry where reward_id in";
    private static final String STILL_AVAILABLE = "select count(*) from reward where status = 'AVAILABLE' and id in";

    @Test
    void sentRewardsAreWrittenWithTheirSendTransactions() {
        List<Long> ids = twoAvailableCashRewards();
        Instant now = Instant.now();
        Sql.inTransaction(node.processor().store().dataSource(), c -> {
            long ledgerBefore = count(c, LEDGER_ROWS, ids);
            List<RewardBook.Change> changes = new ArrayList<>();
            for (RewardBook.Row row : RewardBook.lock(c, ids, EnumSet.of(Reward.Status.AVAILABLE))) {
                changes.add(row.apply(r -> r.send(now)));
            }
            RewardBook.write(c, changes, now);
            assertThat(count(c, STILL_AVAILABLE, ids)).isZero();
            assertThat(count(c, LEDGER_ROWS, ids)).isEqualTo(ledgerBefore + 4); // one SEND of two entries each
            assertThat(RewardBook.lock(c, ids.getFirst()).orElseThrow().reward().status()).isEqualTo(Reward.Status.SENT);
            return null;
        });
    }

    @Test
    void aBatchWithOneTransactionPastZeroOnTheWrongSideIsRefusedAndWritesNothing() {
        List<Long> ids = twoAvailableCashRewards();
        Instant now = Instant.now();
        Sql.inTransaction(node.processor().store().dataSource(), c -> {
            long ledgerBefore = count(c, LEDGER_ROWS, ids);
            List<RewardBook.Row> rows = RewardBook.lock(c, ids, EnumSet.of(Reward.Status.AVAILABLE));
            RewardBook.Change good = rows.get(0).apply(r -> r.send(now));
            // A REJECT of a reward that was never sent: the issuer's settlement account would be owed less than nothing.
            RewardBook.Change bad = rows.get(1).apply(r -> List.of(LedgerTransaction.move(r.id(),
                    LedgerTransaction.Kind.REJECT, now, r.unit(), r.amount(), Account.settlement(r.issuerId()),
                    Account.available(r.cardId()))));
            assertThatThrownBy(() -> RewardBook.write(c, List.of(good, bad), now))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("ledger rule broken");
            assertThat(count(c, LEDGER_ROWS, ids)).as("no ledger row of the batch").isEqualTo(ledgerBefore);
            assertThat(count(c, STILL_AVAILABLE, ids)).as("no reward of the batch moved").isEqualTo(2);
            return null;
        });
    }

    @Test
    void aTransitionWhoseTransactionsAreDroppedIsRefusedAndWritesNothing() {
        List<Long> ids = twoAvailableCashRewards();
        Instant now = Instant.now();
        Sql.inTransaction(node.processor().store().dataSource(), c -> {
            long ledgerBefore = count(c, LEDGER_ROWS, ids);
            RewardBook.Row row = RewardBook.lock(c, ids.getFirst()).orElseThrow();
            RewardBook.Change silent = row.apply(r -> {
                r.send(now);
                return List.of(); // SENT with no SEND: the ledger would still say the cardholder holds it
            });
            assertThatThrownBy(() -> RewardBook.write(c, silent, now))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("its state implies");
            assertThat(count(c, LEDGER_ROWS, ids)).isEqualTo(ledgerBefore);
            assertThat(count(c, STILL_AVAILABLE, ids)).isEqualTo(2);
            return null;
        });
    }

    @Test
    void aChangeIsWrittenOnce() {
        List<Long> ids = twoAvailableCashRewards();
        Instant now = Instant.now();
        Sql.inTransaction(node.processor().store().dataSource(), c -> {
            RewardBook.Change send = RewardBook.lock(c, ids.getFirst()).orElseThrow().apply(r -> r.send(now));
            RewardBook.write(c, send, now);
            assertThatThrownBy(() -> RewardBook.write(c, send, now)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("written once");
            return null;
        });
    }

    @Test
    void seededRewardsCarryTheLedgerOfTheirStatusAndGoOnThroughTheRules() throws SQLException {
        stream.enroll(KEY_ISSUER_A, RewardStream.newPan(), "ACC-SEED", "OKAFOR"); // the issuer has a card to seed on
        Instant now = Instant.now();
        // Rolled back at the end: a seed spreads over all of the issuer's cards, other tests' cards too.
        try (Connection c = node.processor().store().dataSource().getConnection()) {
            c.setAutoCommit(false);
            RewardBook.Seeded seeded = RewardBook.seed(c, new RewardBook.Seed(3, "BANK_A", "seed-offer", "MERCHANT:seed",
                    "USD", Reward.Status.SENT, 100, 900), now);
            List<Long> ids = List.of(seeded.firstRowId(), seeded.firstRowId() + seeded.rowIdStep(),
                    seeded.firstRowId() + 2L * seeded.rowIdStep());
            assertThat(count(c, "select count(*) from reward where status = 'SENT' and offer_id = 'seed-offer' and id in",
                    ids)).isEqualTo(3);
            assertThat(count(c, LEDGER_ROWS, ids)).as("EARN, AVAILABLE and SEND: two entries each").isEqualTo(18);
            assertThat(count(c, "select coalesce(sum(amount), 0) from ledger_entry where reward_id in", ids)).isZero();
            List<RewardBook.Change> rejected = new ArrayList<>();
            for (RewardBook.Row row : RewardBook.lock(c, ids, EnumSet.of(Reward.Status.SENT))) {
                rejected.add(row.apply(r -> r.rejected(now)));
            }
            RewardBook.write(c, rejected, now);
            assertThat(count(c, "select count(*) from reward where status = 'REJECTED' and id in", ids)).isEqualTo(3);
            c.rollback();
        }
    }
}
