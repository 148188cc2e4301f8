package org.accrue.processor.matcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two matcher workers on different lanes never wait for each other: a worker's locking read of the queue touches its
 * own lanes' rows only, however short the queue is. (A short queue was read by a full scan and a sort, which locked
 * every row read, and two workers each holding their own lane's rows deadlocked: MariaDB 1213 in the demo.)
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false"})
class MatchQueueLanesTest {
    @Test
    void aWorkerTakesItsLaneWhileAnotherHoldsTheOtherLanesRows(Node node) throws Exception {
        DataSource ds = node.processor().store().dataSource();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            // a short queue of two lanes, interleaved in arrival order, most of it one lane (a few busy cards: the
            // shape in which taking lane 1 locked lane 0 rows too); message ids far from any the node makes
            for (int i = 0; i < 200; i++) {
                st.execute("insert into match_queue (message_id, seq, lane) values (" + (900_000 + i) + ", " + (900_000 + i)
                        + ", " + (i % 20 == 0 ? 0 : 1) + ")");
            }
            st.execute("analyze table match_queue");
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
        try (Connection first = ds.getConnection(); Connection second = ds.getConnection()) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            try (Statement st = second.createStatement()) {
                st.execute("set session innodb_lock_wait_timeout = 1"); // a wait is a failure here, not a slow pass
            }
            List<MatchQueue.Queued> lane0 = MatchQueue.takeDue(first, Instant.now(), new int[] {0}, 100);
            List<MatchQueue.Queued> lane1 = MatchQueue.takeDue(second, Instant.now(), new int[] {1}, 100);
            assertThat(lane0).hasSize(10).allMatch(q -> q.messageId() % 20 == 0);
            assertThat(lane1).hasSize(100).noneMatch(q -> q.messageId() % 20 == 0);
            assertThat(lane1).extracting(MatchQueue.Queued::seq).isSorted();
            first.rollback();
            second.rollback();
        }
    }
}
