/*
 * Messages that share one journal transaction, answered exactly once: by the
 * writer when its transaction ends, or by the watchdog at the deadline,
 * whichever claims the batch first (a once-flag). A batch's deadline is its
 * oldest message's.
 *
 * While the transaction runs, the batch holds its connection so that the
 * watchdog can free it at the deadline two ways: the network timeout set here
 * (the time left plus NETWORK_SLACK_MS) ends a blocked read, and abort()
 * (Connection.abort, on a thread of its own: the driver first tries a KILL
 * over a new connection, bounded by the login timeout) ends a blocked write;
 * either way the driver closes the socket and the pool evicts the connection.
 * The abort and the writer's release of the connection hold one lock, so a
 * connection already back in the pool is never aborted under its next user.
 */
package org.accrue.processor.intake;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class JournalBatch {
    // The journal's log category: operators filter intake lines by it, whichever part of the journal writes them.
    private static final Logger log = LoggerFactory.getLogger(MessageJournal.class);
    /** Reads of a batch's connection end this long after its deadline, when the watchdog has answered it. */
    static final long NETWORK_SLACK_MS = 250;

    final List<Pending> messages;
    final long deadlineNanos;
    private final AtomicBoolean answered = new AtomicBoolean();
    private final ReentrantLock connectionLock = new ReentrantLock();
    private Connection connection; // guarded by connectionLock
    private boolean aborted; // guarded by connectionLock

    JournalBatch(List<Pending> messages) {
        this.messages = messages;
        long oldest = messages.getFirst().deadlineNanos();
        for (Pending p : messages) {
            oldest = p.deadlineNanos() - oldest < 0 ? p.deadlineNanos() : oldest;
        }
        this.deadlineNanos = oldest;
    }

    /** True for the one caller that may answer this batch. */
    boolean claim() {
        return answered.compareAndSet(false, true);
    }

    boolean pastDeadline(long nowNanos) {
        return nowNanos - deadlineNanos >= 0;
    }

    /** The writer's connection for this batch, with reads bounded by the time left; refused once aborted. */
    void attach(Connection c, ExecutorService executor) throws SQLException {
        long leftMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (leftMs <= 0) {
            throw new SQLTimeoutException("the commit deadline passed before the transaction started");
        }
        c.setNetworkTimeout(executor, (int) Math.min(Integer.MAX_VALUE, leftMs + NETWORK_SLACK_MS));
        connectionLock.lock();
        try {
            if (aborted) {
                throw new SQLTimeoutException("the commit deadline passed before the transaction started");
            }
            connection = c;
        } finally {
            connectionLock.unlock();
        }
    }

    /** The writer is done with the connection; after this the pool may hand it to someone else. */
    void release() {
        connectionLock.lock();
        try {
            connection = null;
        } finally {
            connectionLock.unlock();
        }
    }

    /** At the deadline: close the stuck connection under the writer, so that it returns and the pool evicts it. */
    void abort(ExecutorService executor) {
        connectionLock.lock();
        try {
            aborted = true;
            if (connection != null) {
                connection.abort(executor);
                connection = null;
            }
        } catch (SQLException | RuntimeException e) {
            log.debug("aborting a timed-out journal connection: {}", e.getClass().getSimpleName());
        } finally {
            connectionLock.unlock();
        }
    }
}
