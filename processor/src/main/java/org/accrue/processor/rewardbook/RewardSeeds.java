/*
 * Rewards written set-wise for the benches (a million in seconds): the
 * database makes the rows from a sequence table, and the ledger rows are the
 * transactions the domain makes on the way to the seeded status (earn, clear,
 * available, send ...), taken from one template reward of amount 1 and scaled
 * by each row's amount. The template is checked from nothing by the same rule
 * as every other write (Reward.checkTransition), so seeded rows agree with
 * their ledger like any others. Row ids are reward_seq's own spacing from its
 * next value, and the sequence is moved past them.
 */
package org.accrue.processor.rewardbook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.accrue.processor.ids.Ids;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.ledger.Ledger;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;

final class RewardSeeds {
    /** reward_seq's INCREMENT BY (V3): seeded ids keep the spacing ids have in production. */
    static final int ROW_ID_STEP = 50;
    private static final Set<Reward.Status> SEEDABLE = Set.of(Reward.Status.AVAILABLE, Reward.Status.SENT,
            Reward.Status.POSTED);

    private RewardSeeds() {
    }

    static RewardBook.Seeded seed(Connection c, RewardBook.Seed s, Instant now) throws SQLException {
        if (!SEEDABLE.contains(s.status()) || s.count() < 1 || s.amountMin() < 1 || s.amountCycle() < 1) {
            throw new IllegalArgumentException("a seed is 1.. rewards of positive amounts, AVAILABLE, SENT or POSTED");
        }
        List<LedgerTransaction> template = template(s, now);
        long cards = single(c, "select count(*) from card where issuer_id = ?", s.issuerId());
        if (cards == 0) {
            throw new IllegalArgumentException("a seed needs enrolled cards of its issuer");
        }
        long first = single(c, "select next value for reward_seq", null);
        long last = first + (long) (s.count() - 1) * ROW_ID_STEP;
        try (PreparedStatement ps = c.prepareStatement("insert into reward (id, public_id, card_id, issuer_id, offer_id, "
                + "merchant_id, source_message_id, lifecycle_key, unit_kind, unit_code, amount, original_amount, base_minor, "
                + "remaining_base, base_currency, purchase_minor, funder, status, purchased_at, local_date, cleared_at, "
                + "return_period_days, updated_at) select ? + (seq - 1) * " + ROW_ID_STEP + ", concat('rw_seed_', seq), "
                + "k.id, ?, ?, null, 0, concat('seed:', seq), 'CASH', ?, ? + seq % ?, ? + seq % ?, 5000, 5000, ?, 5000, ?, "
                + "?, ?, ?, ?, 0, ? from seq_1_to_" + s.count() + " q join (select id, row_number() over (order by id) - 1 "
                + "as n from card where issuer_id = ?) k on k.n = q.seq % " + cards)) {
            int i = 1;
            ps.setLong(i++, first);
            ps.setString(i++, s.issuerId());
            ps.setString(i++, s.offerId());
            ps.setString(i++, s.currency());
            ps.setLong(i++, s.amountMin());
            ps.setInt(i++, s.amountCycle());
            ps.setLong(i++, s.amountMin());
            ps.setInt(i++, s.amountCycle());
            ps.setString(i++, s.currency());
            ps.setString(i++, s.funder());
            ps.setString(i++, s.status().name());
            Sql.setUtc(ps, i++, now);
            ps.setObject(i++, java.time.LocalDate.ofInstant(now, java.time.ZoneOffset.UTC));
            Sql.setUtc(ps, i++, now);
            Sql.setUtc(ps, i++, now);
            ps.setString(i, s.issuerId());
            ps.executeUpdate();
        }
        single(c, "select setval(reward_seq, " + last + ")", null);
        insertLedger(c, template, first, last, now);
        return new RewardBook.Seeded(first, ROW_ID_STEP);
    }

    /** The transactions of one reward of amount 1 from earning to the seeded status, checked from nothing. */
    private static List<LedgerTransaction> template(RewardBook.Seed s, Instant now) {
        Reward.Earning e = Reward.earn("seed", "0", s.issuerId(), s.funder(), RewardUnit.cash(s.currency()), 1, 1, now,
                Duration.ZERO);
        Reward r = e.reward();
        List<LedgerTransaction> txns = new ArrayList<>(e.transactions());
        txns.addAll(r.clear(now));
        txns.addAll(r.advance(now, Duration.ZERO));
        if (s.status() != Reward.Status.AVAILABLE) {
            txns.addAll(r.send(now));
        }
        if (s.status() == Reward.Status.POSTED) {
            txns.addAll(r.posted());
        }
        r.checkTransition(new Ledger(), txns);
        return txns;
    }

    /** One INSERT ... SELECT over the seeded rows joined with the template's transfers (kinds and accounts are enums). */
    private static void insertLedger(Connection c, List<LedgerTransaction> template, long first, long last, Instant now)
            throws SQLException {
        StringBuilder moves = new StringBuilder();
        for (int t = 0; t < template.size(); t++) {
            for (LedgerRows.Transfer m : LedgerRows.transfers(0, "", template.get(t))) {
                moves.append(moves.isEmpty() ? "select " : " union all select ").append(t).append(" n, '")
                        .append(m.kind().name()).append("' k, '").append(m.debit().type().name()).append("' da, '")
                        .append(ownerCode(m.debit())).append("' do, '").append(m.credit().type().name()).append("' ca, '")
                        .append(ownerCode(m.credit())).append("' co, ").append(Long.signum(m.amount())).append(" s");
            }
        }
        try (PreparedStatement ps = c.prepareStatement("insert into ledger_transfer (reward_id, id, txn_id, txn_kind, "
                + "unit_kind, unit_code, amount, debit_type, debit_owner, credit_type, credit_owner, created_at) "
                + "select r.id, next value for ledger_entry_seq, concat(?, t.n, '_', r.id), t.k, r.unit_kind, r.unit_code, "
                + "t.s * r.amount, t.da, " + owner("t.do") + ", t.ca, " + owner("t.co") + ", ? "
                + "from reward r join (" + moves + ") t where r.id between ? and ? order by r.id, t.n")) {
            ps.setString(1, Ids.next("txn") + "_");
            Sql.setUtc(ps, 2, now);
            ps.setLong(3, first);
            ps.setLong(4, last);
            ps.executeUpdate();
        }
    }

    /** The template's accounts by whose they are: the funder's, the card's or the issuer's. */
    private static String ownerCode(org.accrue.rewards.ledger.Account a) {
        return switch (a.type()) {
            case FUNDER_RECEIVABLE -> "F";
            case CARDHOLDER_PENDING, CARDHOLDER_AVAILABLE -> "C";
            case ISSUER_SETTLEMENT -> "I";
        };
    }

    private static String owner(String code) {
        return "case " + code + " when 'F' then r.funder when 'C' then cast(r.card_id as char) else r.issuer_id end";
    }

    private static long single(Connection c, String sql, String param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (param != null) {
                ps.setString(1, param);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
