/*
 * The journal's view of the store: UP, or DOWN. The journal sets DOWN when a
 * batch misses its commit deadline or loses its connection; while DOWN, new
 * messages are answered 96 at once instead of each waiting out a deadline
 * against a store that does not answer. Only the probe sets UP: every
 * PROBE_EVERY_MS, on a thread of its own, it takes a pooled connection
 * (bounded by accrue.store.connect-timeout-ms) and pings it (bounded by
 * PROBE_TIMEOUT_S); an answer sets UP, PROBE_FAILURES_DOWN failures in a row
 * set DOWN (one slow ping on a busy host does not turn traffic away). So the
 * node resumes by itself when the server is reachable again on the same URL
 * (unpaused, restarted), and health shows a dead store even when no traffic
 * comes.
 *
 * The ping is a COM_PING: a server whose connections answer but whose InnoDB
 * cannot commit (a stalled disk) looks UP to it; then each batch waits out
 * its deadline, is answered 96, and sets DOWN again until the next probe, so
 * every message is still answered within the deadline.
 */
package org.accrue.processor.intake;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.hibernate.SessionFactory;
import org.hibernate.StatelessSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class StoreGate implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StoreGate.class);
    static final long PROBE_EVERY_MS = 500;
    static final int PROBE_TIMEOUT_S = 1;
    static final int PROBE_FAILURES_DOWN = 2;
    private static final long STOP_WAIT_MS = 5_000;

    private final SessionFactory sessions;
    private final AtomicBoolean up = new AtomicBoolean(true);
    private int failuresInARow; // the probe thread's own
    private final ScheduledExecutorService probe = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("accrue-store-probe").daemon(true).factory());

    StoreGate(SessionFactory sessions) {
        this.sessions = sessions;
        probe.scheduleWithFixedDelay(this::probe, PROBE_EVERY_MS, PROBE_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    boolean isUp() {
        return up.get();
    }

    /** The journal saw the store fail: answer new messages 96 at once until the probe reaches it. */
    void down(String why) {
        if (up.compareAndSet(true, false)) {
            log.warn("store DOWN ({}): messages are answered 96 until it answers a ping", why);
        }
    }

    private void probe() {
        if (ping()) {
            failuresInARow = 0;
            if (up.compareAndSet(false, true)) {
                log.info("store UP: it answered a ping; messages are recorded again");
            }
        } else if (++failuresInARow >= PROBE_FAILURES_DOWN) {
            down(failuresInARow + " pings in a row not answered within " + PROBE_TIMEOUT_S + " s");
        }
    }

    private boolean ping() {
        try (StatelessSession s = sessions.openStatelessSession()) {
            return s.doReturningWork(c -> c.isValid(PROBE_TIMEOUT_S));
        } catch (RuntimeException e) {
            return false; // no connection within the pool's connect timeout
        }
    }

    @Override
    public void close() {
        probe.shutdownNow();
        try {
            probe.awaitTermination(STOP_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
