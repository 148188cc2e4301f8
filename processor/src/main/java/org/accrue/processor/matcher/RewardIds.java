/*
 * Reward row ids for the matcher's batched inserts, taken from reward_seq in blocks. The sequence steps by 50
 * (INCREMENT BY 50, V3), so each value it hands out is the first of 50 ids no other value covers: whoever takes one
 * value per row (Points' redemptions, `next value for reward_seq` in an INSERT) and whoever takes the block behind a
 * value (here) never meet. One SELECT over MariaDB's sequence engine (seq_1_to_N) takes BLOCKS_PER_TAKE values at once,
 * so a batch of 500 rewards costs one round trip for its ids instead of an INSERT ... RETURNING per row.
 * Ids left in a block when the node stops are never used (gaps are fine; ids are only unique, not dense).
 * Synchronized: runOnce may be called beside the worker (tests, the demo).
 */
package org.accrue.processor.matcher;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;

final class RewardIds {
    /** reward_seq's INCREMENT BY (V3__rewards_and_ledger.sql): the ids behind each value. */
    static final int BLOCK_SIZE = 50;
    /** Values taken per round trip: 500 ids, one batch's worth of single rewards. */
    static final int BLOCKS_PER_TAKE = 10;

    private final ArrayDeque<Long> blocks = new ArrayDeque<>();
    private long next;
    private long end; // exclusive

    synchronized long next(Connection c) throws SQLException {
        if (next == end) {
            if (blocks.isEmpty()) {
                take(c);
            }
            next = blocks.poll();
            end = next + BLOCK_SIZE;
        }
        return next++;
    }

    private void take(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select next value for reward_seq from seq_1_to_" + BLOCKS_PER_TAKE);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                blocks.add(rs.getLong(1));
            }
        }
        if (blocks.size() != BLOCKS_PER_TAKE) {
            throw new IllegalStateException("reward_seq gave " + blocks.size() + " values, expected " + BLOCKS_PER_TAKE);
        }
    }
}
