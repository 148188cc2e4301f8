/*
 * The book's read-only views of reward and ledger_entry for the API, the
 * console, invoicing, points balances and the demo: each a query read back
 * into typed records (statuses, units and ledger kinds as the domain's enums),
 * never rows of untyped columns.
 */
package org.accrue.processor.rewardbook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.Account;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;

final class RewardViews {
    private RewardViews() {
    }

    private static RewardUnit unit(ResultSet rs, int kindCol) throws SQLException {
        return new RewardUnit(RewardUnit.Kind.valueOf(rs.getString(kindCol)), rs.getString(kindCol + 1));
    }

    static List<RewardBook.CardReward> cardRewards(Connection c, long cardId, int limit) throws SQLException {
        return cardRewards(c, cardId, 0, limit);
    }

    static List<RewardBook.CardReward> cardRewards(Connection c, long cardId, int offset, int limit) throws SQLException {
        List<RewardBook.CardReward> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select public_id, status, unit_kind, unit_code, amount, "
                + "original_amount, offer_id, merchant_id, purchased_at, cleared_at, updated_at from reward "
                + "where card_id = ? order by id desc limit ? offset ?")) {
            ps.setLong(1, cardId);
            ps.setInt(2, limit);
            ps.setInt(3, offset);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new RewardBook.CardReward(rs.getString(1), Reward.Status.valueOf(rs.getString(2).trim()),
                            unit(rs, 3), rs.getLong(5), rs.getLong(6), rs.getString(7), rs.getString(8),
                            Sql.instant(rs, 9), Sql.instant(rs, 10), Sql.instant(rs, 11)));
                }
            }
        }
        return out;
    }

    /** Live as MatcherRewards counts them for caps and punch cards: not REVERSED, EXPIRED or REJECTED. */
    static List<RewardBook.LiveReward> liveRewards(Connection c, long cardId) throws SQLException {
        List<RewardBook.LiveReward> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select offer_id, amount, local_date from reward where card_id = ? "
                + "and status not in ('REVERSED', 'EXPIRED', 'REJECTED') and offer_id is not null order by id")) {
            ps.setLong(1, cardId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new RewardBook.LiveReward(rs.getString(1), rs.getLong(2), rs.getDate(3).toLocalDate()));
                }
            }
        }
        return out;
    }

    static List<RewardBook.PointsLot> pointsLots(Connection c, long cardId) throws SQLException {
        List<RewardBook.PointsLot> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select unit_code, amount - consumed, purchased_at from reward "
                + "where card_id = ? and unit_kind = 'POINTS' and status = 'AVAILABLE' and amount > consumed "
                + "order by purchased_at, id")) {
            ps.setLong(1, cardId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new RewardBook.PointsLot(rs.getString(1), rs.getLong(2), Sql.instant(rs, 3)));
                }
            }
        }
        return out;
    }

    static List<RewardBook.ProgramLot> pointsBoughtBetween(Connection c, String program, Instant from, Instant to)
            throws SQLException {
        List<RewardBook.ProgramLot> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select card_id, issuer_id, amount - consumed, purchased_at from "
                + "reward where unit_kind = 'POINTS' and unit_code = ? and status = 'AVAILABLE' and amount > consumed "
                + "and purchased_at >= ? and purchased_at < ? order by card_id, purchased_at")) {
            ps.setString(1, program);
            ps.setTimestamp(2, Sql.ts(from));
            ps.setTimestamp(3, Sql.ts(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new RewardBook.ProgramLot(rs.getLong(1), rs.getString(2), rs.getLong(3), Sql.instant(rs, 4)));
                }
            }
        }
        return out;
    }

    static List<RewardBook.LedgerLine> ledgerOf(Connection c, long rewardRowId) throws SQLException {
        List<RewardBook.LedgerLine> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select created_at, txn_kind, account_type, account_owner, "
                + "unit_kind, unit_code, amount from ledger_entry where reward_id = ? order by id")) {
            ps.setLong(1, rewardRowId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new RewardBook.LedgerLine(Sql.instant(rs, 1), LedgerTransaction.Kind.valueOf(rs.getString(2)),
                            new Account(Account.Type.valueOf(rs.getString(3)), rs.getString(4)), unit(rs, 5),
                            rs.getLong(7)));
                }
            }
        }
        return out;
    }

    static long count(Connection c, Reward.Status status) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select count(*) from reward where status = ?")) {
            ps.setString(1, status.name());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static List<RewardBook.OfferTotal> totalsByOffer(Connection c) throws SQLException {
        List<RewardBook.OfferTotal> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select offer_id, unit_kind, unit_code, count(*), sum(amount), "
                + "sum(case when status = 'REVERSED' then 1 else 0 end) from reward group by offer_id, unit_kind, unit_code "
                + "order by offer_id"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new RewardBook.OfferTotal(rs.getString(1), unit(rs, 2), rs.getLong(4), rs.getLong(5), rs.getLong(6)));
            }
        }
        return out;
    }

    static List<RewardBook.PointsHeld> pointsHeld(Connection c, long cardId) throws SQLException {
        List<RewardBook.PointsHeld> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select unit_code, "
                + "coalesce(sum(case when status = 'AVAILABLE' then amount - consumed else 0 end), 0), "
                + "coalesce(sum(case when status = 'PENDING' then amount else 0 end), 0) "
                + "from reward where card_id = ? and unit_kind = 'POINTS' group by unit_code order by unit_code")) {
            ps.setLong(1, cardId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new RewardBook.PointsHeld(rs.getString(1), rs.getLong(2), rs.getLong(3)));
                }
            }
        }
        return out;
    }

    /**
     * Merchant-funded SEND and CLAWBACK amounts in [from, to), per merchant funder, offer, kind and unit. The funder
     * side of SEND is the cardholder's available account (debit); of CLAWBACK the funder account (credit).
     */
    static List<RewardBook.FunderActivity> funderActivity(Connection c, String funderKind, Instant from, Instant to)
            throws SQLException {
        List<RewardBook.FunderActivity> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select r.funder, r.offer_id, l.txn_kind, l.unit_kind, l.unit_code, "
                + "sum(abs(l.amount)) from ledger_transfer l join reward r on r.id = l.reward_id "
                + "where r.funder like ? and l.created_at >= ? and l.created_at < ? and "
                + "((l.txn_kind = 'SEND' and 'CARDHOLDER_AVAILABLE' in (l.debit_type, l.credit_type)) or "
                + "(l.txn_kind = 'CLAWBACK' and 'FUNDER_RECEIVABLE' in (l.debit_type, l.credit_type))) "
                + "group by r.funder, r.offer_id, l.txn_kind, l.unit_kind, l.unit_code")) {
            ps.setString(1, funderKind + ":%");
            ps.setTimestamp(2, Sql.ts(from));
            ps.setTimestamp(3, Sql.ts(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new RewardBook.FunderActivity(rs.getString(1), rs.getString(2),
                            LedgerTransaction.Kind.valueOf(rs.getString(3)), unit(rs, 4), rs.getLong(6)));
                }
            }
        }
        return out;
    }
}
