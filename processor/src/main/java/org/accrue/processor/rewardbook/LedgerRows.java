/*
 * Writes ledger transactions as insert-only rows, batched: a unit of work adds
 * the transactions of many rewards and sends them in one JDBC batch. Each
 * transaction has been checked balanced by LedgerTransaction itself.
 *
 * A transaction is stored as transfers (ledger_transfer, V28): one row per
 * move of an amount from one account to another, clustered by its reward,
 * with no secondary index; ledger_entry is the view of each transfer as its
 * two entries. Every transaction the domain makes is one move, so one row;
 * any other balanced transaction is split into moves per unit, each debit
 * entry paired with credit entries in order. Ids come in sequence blocks
 * (one round trip per flush, whatever its size).
 */
package org.accrue.processor.rewardbook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.accrue.processor.ids.Ids;
import org.accrue.processor.store.SequenceBlocks;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.Account;
import org.accrue.rewards.ledger.Entry;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.matching.RewardUnit;

public final class LedgerRows implements AutoCloseable {
    /** One stored row: {@code amount} of {@code unit} debited to {@code debit} and credited from {@code credit}. */
    record Transfer(long rewardRowId, String txnId, LedgerTransaction.Kind kind, Instant at, RewardUnit unit, long amount,
                    Account debit, Account credit) {
    }

    private final Connection c;
    private final List<Transfer> pending = new ArrayList<>();

    public LedgerRows(Connection c) {
        this.c = c;
    }

    public void add(long rewardRowId, List<LedgerTransaction> txns) {
        for (LedgerTransaction t : txns) {
            pending.addAll(transfers(rewardRowId, Ids.next("txn"), t));
        }
    }

    /** The moves a balanced transaction is made of, in entry order. */
    static List<Transfer> transfers(long rewardRowId, String txnId, LedgerTransaction t) {
        List<Entry> e = t.entries();
        if (e.size() == 2 && e.get(0).unit().equals(e.get(1).unit()) && e.get(0).amount() == -e.get(1).amount()) {
            return List.of(new Transfer(rewardRowId, txnId, t.kind(), t.at(), e.get(0).unit(), e.get(0).amount(),
                    e.get(0).account(), e.get(1).account()));
        }
        // Any other shape: per unit, each debit (amount > 0) drawn from the credits (amount < 0) in order.
        Map<RewardUnit, List<Entry>> byUnit = new LinkedHashMap<>();
        for (Entry x : e) {
            byUnit.computeIfAbsent(x.unit(), k -> new ArrayList<>()).add(x);
        }
        List<Transfer> out = new ArrayList<>();
        for (Map.Entry<RewardUnit, List<Entry>> u : byUnit.entrySet()) {
            List<Entry> credits = u.getValue().stream().filter(x -> x.amount() < 0).toList();
            int ci = 0;
            long creditLeft = credits.isEmpty() ? 0 : -credits.getFirst().amount();
            for (Entry debit : u.getValue()) {
                long left = debit.amount();
                while (left > 0) {
                    long take = Math.min(left, creditLeft);
                    out.add(new Transfer(rewardRowId, txnId, t.kind(), t.at(), u.getKey(), take, debit.account(),
                            credits.get(ci).account()));
                    left -= take;
                    creditLeft -= take;
                    if (creditLeft == 0 && ++ci < credits.size()) {
                        creditLeft = -credits.get(ci).amount();
                    }
                }
            }
        }
        return out;
    }

    /** Sends what was added; call before the transaction commits. */
    public void flush() throws SQLException {
        if (pending.isEmpty()) {
            return;
        }
        long[] blocks = SequenceBlocks.take(c, "ledger_entry_seq", SequenceBlocks.blocksFor(pending.size()));
        try (PreparedStatement ps = c.prepareStatement("insert into ledger_transfer (reward_id, id, txn_id, txn_kind, "
                + "unit_kind, unit_code, amount, debit_type, debit_owner, credit_type, credit_owner, created_at) values "
                + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < pending.size(); i++) {
                Transfer t = pending.get(i);
                ps.setLong(1, t.rewardRowId());
                ps.setLong(2, blocks[i / SequenceBlocks.BLOCK_SIZE] + i % SequenceBlocks.BLOCK_SIZE);
                ps.setString(3, t.txnId());
                ps.setString(4, t.kind().name());
                ps.setString(5, t.unit().kind().name());
                ps.setString(6, t.unit().code());
                ps.setLong(7, t.amount());
                ps.setString(8, t.debit().type().name());
                ps.setString(9, t.debit().owner());
                ps.setString(10, t.credit().type().name());
                ps.setString(11, t.credit().owner());
                Sql.setUtc(ps, 12, t.at());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        pending.clear();
    }

    @Override
    public void close() {
        pending.clear();
    }
}
