/*
 * A warning that can repeat at network speed (a client reconnecting in a
 * loop past connections-max, a scan sending half frames) must not flood the
 * log: it is written at most once per window, and the line says how many
 * more like it were not written since the one before. The counts that
 * matter are in ConnectionStats; the log only tells an operator to look.
 */
package org.accrue.iso8583;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;

final class ThrottledWarning {
    private final Logger log;
    private final long windowNanos;
    private final LongSupplier nanoTime;
    private boolean written;
    private long lastWrittenNanos;
    private long notWritten;

    ThrottledWarning(Logger log, long windowMs, LongSupplier nanoTime) {
        this.log = log;
        this.windowNanos = TimeUnit.MILLISECONDS.toNanos(windowMs);
        this.nanoTime = nanoTime;
    }

    /** Writes {@code message} unless a line was written less than a window ago; then only counts it. */
    synchronized void warn(Supplier<String> message) {
        long now = nanoTime.getAsLong();
        if (written && now - lastWrittenNanos < windowNanos) {
            notWritten++;
            return;
        }
        if (notWritten > 0) {
            log.warn("{} ({} more like it since the last such line)", message.get(), notWritten);
        } else {
            log.warn(message.get());
        }
        written = true;
        lastWrittenNanos = now;
        notWritten = 0;
    }
}
