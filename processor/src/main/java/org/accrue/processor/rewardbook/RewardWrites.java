/*
 * The book's writes of reward and ledger_entry. Every change has been made
 * by the domain's own transition (RewardBook.Row.apply) and is checked here
 * before anything is sent: the ledger rules at post time (Reward.
 * checkTransition: no account past zero on its wrong side, the transactions
 * leave exactly the balances the new state implies). A batch with one change
 * that fails writes nothing. Then, in as few statements as the hot paths
 * measured: one JDBC batch of ledger rows, one UPDATE per (from, to) group of
 * rewards whose status alone changed (a JDBC bulk of row updates took 1.5 to
 * 2 times as long), and one batch of row updates for the rest (amounts,
 * consumed points).
 */
package org.accrue.processor.rewardbook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.Ledger;
import org.accrue.rewards.ledger.Reward;

final class RewardWrites {
    private RewardWrites() {
    }

    private record Move(Reward.Status from, Reward.Status to) {
    }

    static void write(Connection c, List<RewardBook.Change> changes, Instant now) throws SQLException {
        for (RewardBook.Change ch : changes) {
            ch.check(); // all of them before the first statement: a refused change writes nothing
        }
        Map<Move, List<Long>> moves = new LinkedHashMap<>();
        List<RewardBook.Change> rows = new ArrayList<>();
        try (LedgerRows ledger = new LedgerRows(c)) {
            for (RewardBook.Change ch : changes) {
                ledger.add(ch.rowId(), ch.transactions());
                if (ch.statusOnly()) {
                    moves.computeIfAbsent(new Move(ch.from(), ch.reward().status()), k -> new ArrayList<>()).add(ch.rowId());
                } else if (ch.changed()) {
                    rows.add(ch);
                }
            }
            ledger.flush();
        }
        for (Map.Entry<Move, List<Long>> m : moves.entrySet()) {
            int moved = move(c, m.getValue(), m.getKey().from(), m.getKey().to(), now);
            if (moved != m.getValue().size()) { // the rows were read locked: another writer is a broken program
                throw new IllegalStateException(m.getValue().size() + " reward(s) were to go " + m.getKey().from()
                        + " -> " + m.getKey().to() + ", " + moved + " were still " + m.getKey().from());
            }
        }
        if (!rows.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("update reward set status = ?, amount = ?, remaining_base = ?, "
                    + "consumed = ?, cleared_at = ?, updated_at = ? where id = ? and status = ?")) {
                for (RewardBook.Change ch : rows) {
                    Reward r = ch.reward();
                    ps.setString(1, r.status().name());
                    ps.setLong(2, r.amount());
                    ps.setLong(3, r.remainingBase());
                    ps.setLong(4, r.consumed());
                    Sql.setUtc(ps, 5, r.clearedAt());
                    ps.setTimestamp(6, Sql.ts(now));
                    ps.setLong(7, ch.rowId());
                    ps.setString(8, ch.from().name());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        List<org.accrue.processor.webhooks.Outbox.Event> events = new ArrayList<>();
        for (RewardBook.Change ch : changes) {
            events.addAll(org.accrue.processor.webhooks.RewardEvents.changed(ch.reward(), ch.from(), ch.amountFrom()));
        }
        org.accrue.processor.webhooks.Outbox.emit(c, now, events); // the outbox: in the writer's transaction
    }

    /** One statement for a group of rewards that all went from {@code from} to {@code to}; returns how many moved. */
    static int move(Connection c, List<Long> ids, Reward.Status from, Reward.Status to, Instant now) throws SQLException {
        if (ids.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement("update reward set status = ?, updated_at = ? where id in ("
                + Sql.marks(ids.size()) + ") and status = ?")) {
            ps.setString(1, to.name());
            ps.setTimestamp(2, Sql.ts(now));
            for (int i = 0; i < ids.size(); i++) {
                ps.setLong(3 + i, ids.get(i));
            }
            ps.setString(3 + ids.size(), from.name());
            return ps.executeUpdate();
        }
    }

    /** A new reward row and its ledger rows; the reward's state and transactions were checked from nothing. */
    static long insert(Connection c, RewardBook.NewReward n, Instant now) throws SQLException {
        Reward r = n.reward();
        r.checkTransition(new Ledger(), n.transactions()); // a new reward: its transactions start from nothing
        long rowId;
        try (PreparedStatement ps = c.prepareStatement("insert into reward (id, public_id, card_id, issuer_id, offer_id, "
                + "merchant_id, source_message_id, lifecycle_key, rrn_key, unit_kind, unit_code, amount, original_amount, "
                + "base_minor, remaining_base, base_currency, purchase_minor, funder, status, purchased_at, local_date, "
                + "cleared_at, return_period_days, consumed, updated_at) values (next value for reward_seq, ?, ?, ?, ?, "
                + "null, 0, ?, null, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id")) {
            int i = 1;
            ps.setString(i++, r.id());
            ps.setLong(i++, Long.parseLong(r.cardId()));
            ps.setString(i++, r.issuerId());
            ps.setString(i++, n.offerId());
            ps.setString(i++, n.lifecycleKey());
            ps.setString(i++, r.unit().kind().name());
            ps.setString(i++, r.unit().code());
            ps.setLong(i++, r.amount());
            ps.setLong(i++, r.originalReward());
            ps.setLong(i++, r.originalBase());
            ps.setLong(i++, r.remainingBase());
            ps.setString(i++, n.baseCurrency());
            ps.setLong(i++, n.purchaseMinor());
            ps.setString(i++, r.funder());
            ps.setString(i++, r.status().name());
            Sql.setUtc(ps, i++, r.authorizedAt());
            ps.setObject(i++, LocalDate.ofInstant(r.authorizedAt(), ZoneOffset.UTC));
            Sql.setUtc(ps, i++, r.clearedAt());
            ps.setLong(i++, r.returnPeriod().toDays());
            ps.setLong(i++, r.consumed());
            ps.setTimestamp(i, Sql.ts(now));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                rowId = rs.getLong(1);
            }
        }
        try (LedgerRows ledger = new LedgerRows(c)) {
            ledger.add(rowId, n.transactions());
            ledger.flush();
        }
        org.accrue.processor.webhooks.Outbox.emit(c, now, List.of(org.accrue.processor.webhooks.RewardEvents.earned(r,
                n.offerId(), null, n.purchaseMinor(), n.baseCurrency())));
        return rowId;
    }

    static int unlinkToken(Connection c, long cardId, String oldToken, String newToken) throws SQLException {
        return org.accrue.processor.store.Sql.rekeyToken(c, "reward", cardId, oldToken, newToken);
    }
}
