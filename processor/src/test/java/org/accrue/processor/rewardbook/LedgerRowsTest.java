package org.accrue.processor.rewardbook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.accrue.rewards.ledger.Account;
import org.accrue.rewards.ledger.Entry;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.matching.RewardUnit;
import org.junit.jupiter.api.Test;

class LedgerRowsTest {
    private static final Instant AT = Instant.parse("2026-12-03T10:00:00Z");
    private static final RewardUnit USD = RewardUnit.cash("USD");

    @Test
    void aMoveIsOneTransferFromItsCreditToItsDebitAccount() {
        LedgerTransaction send = LedgerTransaction.move("rw1", LedgerTransaction.Kind.SEND, AT, USD, 125,
                Account.available("7"), Account.settlement("ISS1"));

        assertThat(LedgerRows.transfers(7, "txn_a", send)).containsExactly(new LedgerRows.Transfer(7, "txn_a",
                LedgerTransaction.Kind.SEND, AT, USD, 125, Account.available("7"), Account.settlement("ISS1")));
    }

    @Test
    void aTransactionOfMoreLegsIsSplitIntoTransfersThatLeaveTheSameBalances() {
        LedgerTransaction three = new LedgerTransaction("rw1", LedgerTransaction.Kind.EARN, AT, List.of(
                new Entry(Account.pending("7"), USD, 250),
                new Entry(Account.funder("MERCHANT:m1"), USD, -200),
                new Entry(Account.funder("MERCHANT:m2"), USD, -50)));

        assertThat(LedgerRows.transfers(7, "txn_b", three)).extracting(LedgerRows.Transfer::amount,
                        t -> t.debit().owner(), t -> t.credit().owner())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(200L, "7", "MERCHANT:m1"),
                        org.assertj.core.groups.Tuple.tuple(50L, "7", "MERCHANT:m2"));
    }
}
