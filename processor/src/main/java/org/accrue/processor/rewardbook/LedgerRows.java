/*
 * Writes ledger transactions as insert-only rows, batched: a unit of work adds
 * the transactions of many rewards and sends them in one JDBC batch. Each
 * transaction has been checked balanced by LedgerTransaction itself.
 */
package org.accrue.processor.rewardbook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

import org.accrue.processor.ids.Ids;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.Entry;
import org.accrue.rewards.ledger.LedgerTransaction;

public final class LedgerRows implements AutoCloseable {
    private final PreparedStatement ps;
    private int pending;

    public LedgerRows(Connection c) throws SQLException {
        this.ps = c.prepareStatement("insert into ledger_entry (id, txn_id, reward_id, txn_kind, account_type, "
                + "account_owner, unit_kind, unit_code, amount, created_at) values "
                + "(next value for ledger_entry_seq, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    }

    public void add(long rewardRowId, List<LedgerTransaction> txns) throws SQLException {
        for (LedgerTransaction t : txns) {
            String txnId = Ids.next("txn");
            for (Entry e : t.entries()) {
                ps.setString(1, txnId);
                ps.setLong(2, rewardRowId);
                ps.setString(3, t.kind().name());
                ps.setString(4, e.account().type().name());
                ps.setString(5, e.account().owner());
                ps.setString(6, e.unit().kind().name());
                ps.setString(7, e.unit().code());
                ps.setLong(8, e.amount());
                Sql.setUtc(ps, 9, t.at());
                ps.addBatch();
                pending++;
            }
        }
    }

    /** Sends what was added; call before the transaction commits. */
    public void flush() throws SQLException {
        if (pending > 0) {
            ps.executeBatch();
            pending = 0;
        }
    }

    @Override
    public void close() throws SQLException {
        ps.close();
    }
}
