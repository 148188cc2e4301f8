/*
 * Row ids taken from a MariaDB sequence in blocks. The id sequences step by 50 (INCREMENT BY 50, V3), so each
 * value is the first of 50 ids no other value covers: whoever takes one value per row (`next value for` in an
 * INSERT) and whoever takes the block behind a value never meet. One SELECT over MariaDB's sequence engine
 * (seq_1_to_N) takes N values at once: a batch of a thousand rows costs one round trip for its ids, not a
 * sequence write per row (the sequences are NOCACHE for Galera, so each value is a write). Ids left in a block
 * are never used: ids are unique, not dense.
 */
package org.accrue.processor.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

public final class SequenceBlocks {
    /** The id sequences' INCREMENT BY (V3__rewards_and_ledger.sql): the ids behind each value. */
    public static final int BLOCK_SIZE = 50;

    private SequenceBlocks() {
    }

    /** The first ids of {@code count} fresh blocks of {@code sequence}, in one round trip. */
    public static long[] take(Connection c, String sequence, int count) throws SQLException {
        if (!sequence.matches("[a-z_]+") || count < 1) {
            throw new IllegalArgumentException("a sequence name and a positive count: " + sequence + ", " + count);
        }
        long[] out = new long[count];
        int n = 0;
        try (PreparedStatement ps = c.prepareStatement("select next value for " + sequence + " from seq_1_to_" + count);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next() && n < count) {
                out[n++] = rs.getLong(1);
            }
        }
        if (n != count) {
            throw new IllegalStateException(sequence + " gave " + n + " values, expected " + count);
        }
        return out;
    }

    /** Blocks needed for {@code ids} ids. */
    public static int blocksFor(int ids) {
        return (ids + BLOCK_SIZE - 1) / BLOCK_SIZE;
    }
}
