package org.accrue.processor.rewardbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import org.accrue.processor.ids.Ids;
import org.accrue.processor.store.Sql;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.rewards.ledger.Account;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;
import org.accrue.rewards.money.Money;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The matcher's store side runs the ledger rules at post time as the book does: a forged transaction is refused. */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false"})
class MatcherRewardsTest {
    private static final RewardUnit USD = new RewardUnit(RewardUnit.Kind.CASH, "USD");

    private static MatcherRewards.Origin origin(String key) {
        return new MatcherRewards.Origin(1, "BANK_A", "bb-10", null, 1, key, null, Money.of(4000, "USD"),
                Instant.now(), LocalDate.now(), 30);
    }

    /** A row id as Points takes one: one value of reward_seq per row. */
    private static long rowId(Connection c) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("select next value for reward_seq");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long rewards(Connection c, String lifecycleKey) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("select count(*) from reward where lifecycle_key = ?")) {
            ps.setString(1, lifecycleKey);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void aRewardEarnedAndReducedThroughItsTransitionsIsWrittenWithItsLedger(Node node) {
        String key = "test|" + Ids.letters(12);
        Sql.inTransaction(node.processor().store().dataSource(), c -> {
            MatcherRewards m = new MatcherRewards(c, Instant.now());
            Reward.Earning e = Reward.earn(Ids.next("rw"), "1", "BANK_A", "MERCHANT:bb", USD, 400, 4000, Instant.now(),
                    Duration.ofDays(30));
            m.insert(rowId(c), e.reward(), origin(key), e.transactions());
            m.update(e.reward(), e.reward().returned(1000, Instant.now()));
            m.flush();
            assertThat(rewards(c, key)).isEqualTo(1);
            return null;
        });
    }

    @Test
    void aTransactionThatWouldTakeTheCardholderBelowZeroIsRefusedBeforeAnythingIsBatched(Node node) {
        String key = "test|" + Ids.letters(12);
        Sql.inTransaction(node.processor().store().dataSource(), c -> {
            MatcherRewards m = new MatcherRewards(c, Instant.now());
            Reward.Earning e = Reward.earn(Ids.next("rw"), "1", "BANK_A", "MERCHANT:bb", USD, 400, 4000, Instant.now(),
                    Duration.ofDays(30));
            LedgerTransaction forged = LedgerTransaction.move(e.reward().id(), LedgerTransaction.Kind.REDUCE,
                    Instant.now(), USD, 900, Account.pending("1"), Account.funder("MERCHANT:bb"));

            assertThatThrownBy(() -> m.insert(rowId(c), e.reward(), origin(key),
                    List.of(e.transactions().getFirst(), forged)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("ledger rule broken");
            m.flush();
            assertThat(rewards(c, key)).as("nothing of the refused reward was written").isZero();
            return null;
        });
    }
}
