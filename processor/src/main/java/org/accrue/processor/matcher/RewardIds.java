/*
 * Reward row ids for the matcher's batched inserts, taken from reward_seq in blocks (store.SequenceBlocks):
 * BLOCKS_PER_TAKE values per round trip, so a batch of 500 rewards costs one round trip for its ids instead of an
 * INSERT ... RETURNING per row. Synchronized: runOnce may be called beside the worker (tests, the demo).
 */
package org.accrue.processor.matcher;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;

import org.accrue.processor.store.SequenceBlocks;

final class RewardIds {
    /** Values taken per round trip: 500 ids, one batch's worth of single rewards. */
    static final int BLOCKS_PER_TAKE = 10;

    private final ArrayDeque<Long> blocks = new ArrayDeque<>();
    private long next;
    private long end; // exclusive

    synchronized long next(Connection c) throws SQLException {
        if (next == end) {
            if (blocks.isEmpty()) {
                for (long first : SequenceBlocks.take(c, "reward_seq", BLOCKS_PER_TAKE)) {
                    blocks.add(first);
                }
            }
            next = blocks.poll();
            end = next + SequenceBlocks.BLOCK_SIZE;
        }
        return next++;
    }
}
