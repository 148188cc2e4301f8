/*
 * What a resolution of the exceptions queue does, in the caller's
 * transaction: RETRY puts the message back in the matcher's queue; RESEND
 * sends the reward again (a new credit id, or the same airline key);
 * WRITE_OFF closes the reward; ACCEPT_ISSUER_AMOUNT adjusts it to what the
 * issuer posted; CLAWBACK opens a clawback of the over-credit. Every change
 * to a reward goes through RewardBook (a ledger transaction).
 */
package org.accrue.processor.confirmations;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

import org.accrue.processor.confirmations.ExceptionsQueue.Action;
import org.accrue.processor.confirmations.ExceptionsQueue.QueueException;
import org.accrue.processor.confirmations.ExceptionsQueue.Row;
import org.accrue.processor.matcher.RewardMatcher;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.statements.StatementCredits;
import org.accrue.processor.store.Sql;

final class ResolutionEffects {
    private ResolutionEffects() {
    }

    /** Does what the action means for this exception's reward; returns a line for the audit. */
    static String apply(Connection c, Row e, Action action, Instant now) throws SQLException {
        if (action == Action.RETRY) {
            if (e.messageId() == null || !RewardMatcher.requeue(c, e.messageId(), now)) {
                throw new QueueException(409, "NO_MESSAGE", "the exception's message is not stored");
            }
            return "message " + e.messageId() + " is back in the matcher's queue";
        }
        if (e.rewardId() == null) {
            return "no money moves (" + e.type() + ")";
        }
        boolean airline = e.type().airline();
        boolean reversal = airline && e.fingerprint().contains("-R");
        if (reversal && action == Action.WRITE_OFF) {
            return "the bank absorbs the miles the member already spent; the reward stands";
        }
        RewardBook.Row row = RewardBook.lock(c, e.rewardId())
                .orElseThrow(() -> new QueueException(409, "NO_REWARD", "the exception's reward is gone"));
        RewardBook.Change change = null;
        String detail;
        switch (action) {
            case RESEND -> {
                if (!reversal) {
                    change = row.apply(r -> r.resend(now));
                }
                if (airline) {
                    try (PreparedStatement ps = c.prepareStatement("update miles_accrual set status = 'OWED', "
                            + "updated_at = ? where accrual_id = ? and reversal_no = ?")) {
                        String[] key = e.fingerprint().split("-R");
                        ps.setTimestamp(1, Sql.ts(now));
                        ps.setString(2, key[0]);
                        ps.setInt(3, key.length > 1 ? Integer.parseInt(key[1]) : 0);
                        ps.executeUpdate();
                    }
                    detail = "sent to the airline again with the same key " + e.fingerprint();
                } else {
                    detail = "resent as credit " + resendCredit(c, e.creditId(), row, now);
                }
            }
            case WRITE_OFF -> {
                change = row.apply(r -> r.writeOff(now));
                detail = "reward written off; the funder owes it no more";
            }
            case ACCEPT_ISSUER_AMOUNT -> {
                long posted = confirmedAmount(c, e.creditId());
                long before = row.reward().amount();
                change = row.apply(r -> r.adjustTo(posted, now));
                detail = "reward adjusted from " + before + " to the " + posted + " the issuer posted";
            }
            case CLAWBACK -> {
                long over = overCredit(c, e, row);
                try (PreparedStatement ps = c.prepareStatement("insert into clawback (reward_id, card_id, issuer_id, funder, "
                        + "unit_kind, unit_code, amount, remaining, status, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, 'OPEN', ?)")) {
                    ps.setLong(1, row.rowId());
                    ps.setLong(2, Long.parseLong(row.reward().cardId()));
                    ps.setString(3, row.reward().issuerId());
                    ps.setString(4, row.reward().funder());
                    ps.setString(5, row.reward().unit().kind().name());
                    ps.setString(6, row.reward().unit().code());
                    ps.setLong(7, over);
                    ps.setLong(8, over);
                    ps.setTimestamp(9, Sql.ts(now));
                    ps.executeUpdate();
                }
                detail = "clawback of " + over + " " + row.reward().unit().code()
                        + " opened: netted against the card's next credits or sent as a debit";
            }
            default -> throw new IllegalStateException(action.name());
        }
        if (change != null) {
            RewardBook.write(c, change, now);
        }
        return detail;
    }

    /** A new credit id for the same reward ("C<reward>-R<n>"), in the open batch for the next file, at the reward's amount. */
    private static String resendCredit(Connection c, String creditId, RewardBook.Row row, Instant now) throws SQLException {
        return StatementCredits.resend(c, creditId, row.rowId(), row.reward().amount(), now)
                .orElseThrow(() -> new QueueException(409, "NO_CREDIT", "credit " + creditId + " is gone"));
    }

    private static long confirmedAmount(Connection c, String creditId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select confirmed_amount from credit_reconciliation where credit_id = ?")) {
            ps.setString(1, creditId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getObject(1) == null) {
                    throw new QueueException(409, "NOT_CONFIRMED", "the issuer confirmed no amount for " + creditId);
                }
                return rs.getLong(1);
            }
        }
    }

    /** What was credited beyond the reward: the issuer's extra amount, a duplicate posting, or all of a wrong account's. */
    private static long overCredit(Connection c, Row e, RewardBook.Row row) throws SQLException {
        long amount = row.reward().amount();
        long over = switch (e.type()) {
            case RECON_AMOUNT_MISMATCH -> confirmedAmount(c, e.creditId()) - amount;
            default -> e.amount() == null ? amount : Math.abs(e.amount());
        };
        if (over <= 0) {
            throw new QueueException(409, "NOTHING_OVER_CREDITED", "the issuer posted no more than the reward: nothing to claw back");
        }
        return over;
    }
}
