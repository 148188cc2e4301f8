/*
 * The matcher's side of match_queue, the journal's outbox: taking due rows lane by lane (a lane's match_lane row
 * locked, SKIP LOCKED, so one worker of the cluster has it) in arrival (seq) order, putting a row back for later,
 * charging a message that failed alone, and moving it out as a MATCH_QUARANTINED exception after
 * RewardMatcher.FAILURES_MAX failures (RewardMatcher's header: why 3). Every method runs in the caller's transaction.
 */
package org.accrue.processor.matcher;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.intake.MessageJournal;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.money.Money;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class MatchQueue {
    private static final Logger log = LoggerFactory.getLogger(RewardMatcher.class);

    private MatchQueue() {
    }

    /** A due queue row as taken: the message, its place in arrival order (seq, V18), how often it failed alone. */
    record Queued(long messageId, long seq, int failures) {
    }

    /**
     * Due queue rows of those of {@code lanes} that no other worker holds, oldest first (ix_match_queue_lane_seq), in
     * seq order: the store's arrival order, whatever node stored each message (ids are not: V18). A lane is taken by
     * locking its match_lane row (SKIP LOCKED: a lane another worker, of this node or another, is matching is left to
     * it) for the caller's transaction, so one worker in the cluster matches a lane at a time and a card's messages
     * are matched one after the other, in the order they arrived, and its caps read and spent by one transaction.
     */
    static List<Queued> takeDue(Connection c, Instant now, int[] lanes, int batchSizeMax) throws SQLException {
        List<Integer> held = lockLanes(c, lanes);
        if (held.isEmpty()) {
            return List.of();
        }
        List<Queued> due = new ArrayList<>();
        int perLane = Math.max(1, batchSizeMax / held.size());
        // FORCE INDEX: on a short queue the optimizer scanned the whole table and sorted (cheaper to read), and a
        // locking scan locks every row it reads, other lanes' too: two workers, each holding its own lane's rows,
        // waited for each other's (MariaDB 1213 in the demo, retried). Through the index a worker reads its lane only.
        try (PreparedStatement ps = c.prepareStatement("select message_id, seq, failures from match_queue "
                + "force index (ix_match_queue_lane_seq) where lane = ? and not_before <= ? order by seq limit ? "
                + "for update")) {
            for (int lane : held) {
                ps.setInt(1, lane);
                ps.setTimestamp(2, Sql.ts(now));
                ps.setInt(3, perLane);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        due.add(new Queued(rs.getLong(1), rs.getLong(2), rs.getInt(3)));
                    }
                }
            }
        }
        due.sort(java.util.Comparator.comparingLong(Queued::seq));
        return due;
    }

    /** Locks the match_lane rows of {@code lanes} nobody holds, for this transaction; returns the lanes it holds. */
    private static List<Integer> lockLanes(Connection c, int[] lanes) throws SQLException {
        List<Integer> held = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select lane from match_lane where lane in (" + Sql.marks(lanes.length)
                + ") order by lane for update skip locked")) {
            for (int i = 0; i < lanes.length; i++) {
                ps.setInt(i + 1, lanes[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    held.add(rs.getInt(1));
                }
            }
        }
        return held;
    }

    /**
     * Locks one queue row if it is still due and its lane is free (the lane then held for this transaction, as
     * takeDue holds it): a message matched alone never overtakes its card's messages on another worker.
     */
    static boolean takeOne(Connection c, long messageId, Instant now) throws SQLException {
        int lane;
        try (PreparedStatement ps = c.prepareStatement("select lane from match_queue where message_id = ? and not_before <= ?")) {
            ps.setLong(1, messageId);
            ps.setTimestamp(2, Sql.ts(now));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false; // matched meanwhile, or not due
                }
                lane = rs.getInt(1);
            }
        }
        if (lockLanes(c, new int[] {lane}).isEmpty()) {
            return false; // another worker is matching the lane: tried again with the next batch
        }
        try (PreparedStatement ps = c.prepareStatement("select 1 from match_queue where message_id = ? and not_before <= ? "
                + "for update")) {
            ps.setLong(1, messageId);
            ps.setTimestamp(2, Sql.ts(now));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** When a queued message is due (null: it is not queued). */
    static Instant dueAt(Connection c, long messageId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select not_before from match_queue where message_id = ?")) {
            ps.setLong(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Sql.instant(rs, 1) : null;
            }
        }
    }

    /** True while the message is still queued in the store. */
    static boolean queued(Connection c, long messageId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from match_queue where message_id = ?")) {
            ps.setLong(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The message stays queued until {@code notBefore} (a reversal waiting for its original counts an attempt). */
    static void retry(Connection c, long messageId, Instant notBefore) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update match_queue set not_before = ?, attempts = attempts + 1 where message_id = ?")) {
            ps.setTimestamp(1, Sql.ts(notBefore));
            ps.setLong(2, messageId);
            ps.executeUpdate();
        }
    }

    /** Removes the rows of the messages matched. */
    static void remove(Connection c, Collection<Long> messageIds) throws SQLException {
        if (messageIds.isEmpty()) {
            return;
        }
        // One primary-key delete per row, sent as one batch: a DELETE ... IN (...) over a small queue was planned as a
        // scan, which waited on the rows another worker holds (and deadlocked with it on an offer's budget lock).
        try (PreparedStatement ps = c.prepareStatement("delete from match_queue where message_id = ?")) {
            for (long id : messageIds) {
                ps.setLong(1, id);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Charges a failure alone to a message: it waits, or after FAILURES_MAX leaves the queue for ops. True: it left. */
    static boolean charge(Connection c, long messageId, RuntimeException cause, Instant now) throws SQLException {
        int failures;
        try (PreparedStatement ps = c.prepareStatement("select failures from match_queue where message_id = ? for update")) {
            ps.setLong(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false; // matched meanwhile by another node
                }
                failures = rs.getInt(1) + 1;
            }
        }
        String reason = RewardMatcher.reason(cause);
        if (failures < RewardMatcher.FAILURES_MAX) {
            try (PreparedStatement ps = c.prepareStatement("update match_queue set failures = ?, not_before = ? "
                    + "where message_id = ?")) {
                ps.setInt(1, failures);
                ps.setTimestamp(2, Sql.ts(now.plus(RewardMatcher.FAILURE_RETRY_AFTER)));
                ps.setLong(3, messageId);
                ps.executeUpdate();
            }
            log.warn("message {} failed matching alone ({} of {}); tried again alone after {}: {}", messageId, failures,
                    RewardMatcher.FAILURES_MAX, RewardMatcher.FAILURE_RETRY_AFTER, reason);
            return false;
        }
        quarantine(c, messageId, failures, reason, now);
        try (PreparedStatement ps = c.prepareStatement("delete from match_queue where message_id = ?")) {
            ps.setLong(1, messageId);
            ps.executeUpdate();
        }
        log.error("message {} failed matching alone {} times and left the queue: MATCH_QUARANTINED exception for ops: {}",
                messageId, failures, reason);
        return true;
    }

    /** The MATCH_QUARANTINED exception of a message: its key, card (last four), amount, and why it failed. */
    private static void quarantine(Connection c, long messageId, int failures, String reason, Instant now) throws SQLException {
        String key = null;
        String mti = null;
        Long amount = null;
        String currency = null;
        Long cardId = null;
        String issuerId = null;
        String last4 = null;
        try (PreparedStatement ps = c.prepareStatement("select m.message_key, m.mti, m.amount_minor, m.currency, m.card_id, "
                + "k.issuer_id, k.last4 from card_message m left join card k on k.id = m.card_id where m.id = ?")) {
            ps.setLong(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    key = rs.getString(1);
                    mti = rs.getString(2);
                    amount = rs.getLong(3);
                    currency = rs.getString(4);
                    cardId = rs.getLong(5);
                    issuerId = rs.getString(6);
                    last4 = rs.getString(7);
                }
            }
        }
        int earlier;
        try (PreparedStatement ps = c.prepareStatement("select count(*) from processing_exception where type = ? "
                + "and message_id = ?")) {
            ps.setString(1, Exceptions.Type.MATCH_QUARANTINED.name());
            ps.setLong(2, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                earlier = rs.getInt(1);
            }
        }
        // Read as stored, not as a StoredMessage: the row may be what could not be read (a currency with no alpha code).
        String alpha = alphaOrNull(currency);
        String stored = key == null ? "; no stored message or card was found for it"
                : alpha == null ? "; amount " + amount + " in currency '" + currency + "' as stored" : "";
        String detail = "message " + messageId + (mti == null ? "" : " (MTI " + mti + ")") + " failed matching alone "
                + failures + " times and left the queue: " + reason + stored + ". Once the cause is fixed, RETRY puts it "
                + "back in the queue; WRITE_OFF leaves it unmatched.";
        // A message RETRIED and quarantined again is a new exception (the resolved one stays as it was).
        Exceptions.raise(c, new Exceptions.Raise(Exceptions.Type.MATCH_QUARANTINED,
                "message " + messageId + " #" + (earlier + 1), issuerId, cardId, last4, alpha == null ? null : amount, alpha,
                detail, null, null, key, messageId), now);
    }

    private static String alphaOrNull(String numeric) {
        try {
            return numeric == null ? null : Money.alphaOf(numeric);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Puts a stored message back in the queue, failures 0 (RewardMatcher.requeue). False when it is not stored. */
    static boolean requeue(Connection c, long messageId, Instant now) throws SQLException {
        long cardId;
        try (PreparedStatement ps = c.prepareStatement("select card_id from card_message where id = ?")) {
            ps.setLong(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                cardId = rs.getLong(1);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("insert into match_queue (message_id, lane, seq, not_before, attempts, "
                + "failures) select id, ?, seq, ?, 0, 0 from card_message where id = ? "
                + "on duplicate key update failures = 0, not_before = values(not_before)")) {
            ps.setInt(1, MessageJournal.matchLane(cardId));
            ps.setTimestamp(2, Sql.ts(now));
            ps.setLong(3, messageId);
            ps.executeUpdate();
        }
        return true;
    }

    static int forgetCard(Connection c, long cardId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select lane from match_lane where lane = ? for update")) {
            ps.setInt(1, org.accrue.processor.intake.MessageJournal.matchLane(cardId));
            ps.executeQuery().close();
        }
        try (PreparedStatement ps = c.prepareStatement("delete q from match_queue q join card_message m "
                + "on m.id = q.message_id where m.card_id = ?")) {
            ps.setLong(1, cardId);
            return ps.executeUpdate();
        }
    }
}
