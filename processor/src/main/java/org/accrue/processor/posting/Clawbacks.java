/*
 * A refund after a reward was sent is a clawback (offers-and-rewards.md): for
 * cash, a clawback row that posting later sends as a debit or nets against the
 * card's next credits; for miles, a reversal the miles job sends to the airline
 * with its own idempotency key (<accrual id>-R<n>). Written in the matcher's
 * transaction, together with the CLAWBACK ledger transaction.
 */
package org.accrue.processor.posting;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;

public final class Clawbacks {
    private Clawbacks() {
    }

    /** The airline's accrual id of a miles reward: stable, derived from the reward's row id. */
    public static String accrualId(long rewardRowId) {
        return String.format("ACR-%09d", rewardRowId);
    }

    public static void record(Connection c, long rewardRowId, Reward r, List<LedgerTransaction> txns, Instant now)
            throws SQLException {
        for (LedgerTransaction t : txns) {
            if (t.kind() != LedgerTransaction.Kind.CLAWBACK) {
                continue;
            }
            long amount = Math.abs(t.entries().getFirst().amount());
            if (r.unit().kind() == RewardUnit.Kind.CASH) {
                try (PreparedStatement ps = c.prepareStatement("insert into clawback (reward_id, card_id, issuer_id, funder, "
                        + "unit_kind, unit_code, amount, remaining, status, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, 'OPEN', ?)")) {
                    ps.setLong(1, rewardRowId);
                    ps.setLong(2, Long.parseLong(r.cardId()));
                    ps.setString(3, r.issuerId());
                    ps.setString(4, r.funder());
                    ps.setString(5, r.unit().kind().name());
                    ps.setString(6, r.unit().code());
                    ps.setLong(7, amount);
                    ps.setLong(8, amount);
                    ps.setTimestamp(9, Sql.ts(now));
                    ps.executeUpdate();
                }
            } else if (r.unit().kind() == RewardUnit.Kind.MILES) {
                String accrualId = accrualId(rewardRowId);
                int next;
                try (PreparedStatement ps = c.prepareStatement("select coalesce(max(reversal_no), 0) + 1 from miles_accrual "
                        + "where accrual_id = ? for update")) {
                    ps.setString(1, accrualId);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        next = rs.getInt(1);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("insert into miles_accrual (accrual_id, reversal_no, reward_id, "
                        + "card_id, program, miles, activity_date, description, status, attempts, created_at, updated_at) "
                        + "values (?, ?, ?, ?, ?, ?, ?, 'REFUND', 'OWED', 0, ?, ?)")) {
                    ps.setString(1, accrualId);
                    ps.setInt(2, next);
                    ps.setLong(3, rewardRowId);
                    ps.setLong(4, Long.parseLong(r.cardId()));
                    ps.setString(5, r.unit().code());
                    ps.setLong(6, amount);
                    ps.setObject(7, LocalDate.ofInstant(now, ZoneOffset.UTC));
                    ps.setTimestamp(8, Sql.ts(now));
                    ps.setTimestamp(9, Sql.ts(now));
                    ps.executeUpdate();
                }
            }
        }
    }
}
