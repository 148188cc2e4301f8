/*
 * Polling a condition with a deadline: how the tests wait for work another
 * thread or process does (a dispatcher's delivery, a child node's matching),
 * never a sleep of a guessed length.
 */
package org.accrue.processor.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

public final class Await {
    private static final long POLL_MS = 20;

    private Await() {
    }

    /** Returns once {@code condition} holds; an AssertionError when it did not within {@code max}. */
    public static void until(Duration max, BooleanSupplier condition) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not done within " + max);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MS)); // polls a condition; not a timing guess
        }
    }
}
