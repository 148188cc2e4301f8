/*
 * The node's clock in a test that needs time to pass: the system's time plus
 * an offset the test moves forward, so the node keeps running in real time
 * (timeouts, pacing) while the test jumps days ahead. A test class asks for
 * it with @MovableClock.Used and takes it as a parameter.
 */
package org.accrue.processor.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;

public final class MovableClock implements InstantSource {
    /** The test class's node starts on a MovableClock instead of the system clock. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    public @interface Used {
    }

    private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

    @Override
    public Instant instant() {
        return Instant.now().plus(offset.get());
    }

    /** Moves the node's time forward by {@code d}. */
    public void moveBy(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("a node's time never goes back");
        }
        offset.updateAndGet(o -> o.plus(d));
    }
}
