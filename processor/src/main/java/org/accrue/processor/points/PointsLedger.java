/*
 * The two ledger moves every redemption makes, shared by bank redemptions (Points) and coalition redemptions
 * (coalition.Coalitions): spend a card's points oldest first (a REDEEM transaction on each lot it takes), and make
 * the reward the points bought, through Reward's own transitions. What the points bought is either owed to the
 * cardholder still (a statement credit or miles: AVAILABLE, which posting or the miles job then send) or delivered
 * at once (a partner's voucher, a coalition member's goods: SENT and POSTED in the same transaction, so posting
 * never pays it again). Both go through RewardBook, and RewardBook checks each transaction balances.
 */
package org.accrue.processor.points;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.accrue.processor.ids.Ids;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;

public final class PointsLedger {
    private PointsLedger() {
    }

    /** What the points bought: owed to the cardholder until posted, or delivered at redemption. */
    public enum Delivery { OWED, DELIVERED }

    /** Spends {@code points} of the card's {@code program}, oldest first; 422 INSUFFICIENT_POINTS if it has fewer. */
    public static void spend(Connection c, long cardId, String program, long points, Instant now) throws SQLException {
        List<RewardBook.Row> rows = RewardBook.lockPointsToSpend(c, cardId, program);
        long have = rows.stream().mapToLong(r -> r.reward().amount() - r.reward().consumed()).sum();
        if (have < points) {
            throw new Points.PointsException(422, "INSUFFICIENT_POINTS", "the card has " + have + " " + program
                    + " points available, " + points + " asked");
        }
        long left = points;
        List<RewardBook.Change> spent = new ArrayList<>();
        for (RewardBook.Row row : rows) {
            if (left == 0) {
                break;
            }
            long before = row.reward().consumed();
            long ask = left;
            spent.add(row.apply(r -> r.redeem(ask, now)));
            left -= row.reward().consumed() - before;
        }
        RewardBook.write(c, spent, now);
    }

    /**
     * The reward {@code points} bought, funded by {@code funder}: earned, cleared and past a return period of zero,
     * then (DELIVERED) sent and posted. Returns its public id.
     */
    public static String bought(Connection c, long cardId, String issuerId, String funder, RewardUnit unit, long amount,
                                long points, String offerId, String lifecycleKey, Delivery delivery, Instant now)
            throws SQLException {
        String rewardId = Ids.next("rw");
        Reward.Earning e = Reward.earn(rewardId, Long.toString(cardId), issuerId, funder, unit, amount, points, now,
                Duration.ZERO);
        List<LedgerTransaction> txns = new ArrayList<>(e.transactions());
        txns.addAll(e.reward().clear(now));
        txns.addAll(e.reward().advance(now, Duration.ZERO));
        if (delivery == Delivery.DELIVERED) {
            txns.addAll(e.reward().send(now));
            txns.addAll(e.reward().posted());
        }
        RewardBook.insert(c, new RewardBook.NewReward(e.reward(), txns, offerId, lifecycleKey,
                unit.kind() == RewardUnit.Kind.CASH ? unit.code() : "XXX", 0), now);
        return rewardId;
    }
}
