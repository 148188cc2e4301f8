package org.accrue.processor.matcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.accrue.config.AccrueConfig;
import org.junit.jupiter.api.Test;

/** The two pacing rules, on the node's counters and a store count given by the test, with a clock it moves. */
class MatchPaceTest {
    private static final AccrueConfig.Pace PACE = new AccrueConfig.Pace(1_000, 10_000, 20_000, 100);

    private final AtomicLong stored = new AtomicLong();
    private final AtomicLong matched = new AtomicLong();
    private final AtomicLong queueInStore = new AtomicLong();
    private final AtomicInteger storeCounts = new AtomicInteger();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private MatchPace pace(AccrueConfig.Pace config) {
        return new MatchPace(config, stored::get, matched::get, limit -> {
            storeCounts.incrementAndGet();
            return Math.min(limit, queueInStore.get());
        }, nanos::get);
    }

    private void advance(long millis, long storedMeanwhile) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
        stored.addAndGet(storedMeanwhile);
    }

    @Test
    void theMatcherYieldsWhileABurstIsStoredAndResumesWhenItEnds() {
        MatchPace p = pace(PACE);
        assertThat(p.matcherShouldYield()).as("nothing stored yet").isFalse();
        advance(250, 2_000); // 8,000 a second
        assertThat(p.matcherShouldYield()).isTrue();
        assertThat(p.yielding()).isEqualTo(1);
        advance(250, 10); // 40 a second: the burst is over
        assertThat(p.matcherShouldYield()).isFalse();
        assertThat(p.backlogEstimate()).isEqualTo(2_010);
    }

    @Test
    void theMatcherStopsYieldingOnceTheBacklogReachesItsBound() {
        MatchPace p = pace(PACE);
        advance(250, 9_000);
        assertThat(p.matcherShouldYield()).isTrue();
        advance(250, 1_500); // still busy, but 10,500 wait now: over yield-backlog-max
        assertThat(p.matcherShouldYield()).isFalse();
        matched.addAndGet(3_000);
        advance(250, 2_000); // 9,500 wait: under the bound again, and still busy
        assertThat(p.matcherShouldYield()).as("under the bound again while busy").isTrue();
    }

    @Test
    void aMatcherThatNeverYieldsMatchesThroughBursts() {
        MatchPace p = pace(new AccrueConfig.Pace(1_000, 0, 0, 100));
        advance(250, 5_000);
        assertThat(p.matcherShouldYield()).isFalse();
        assertThat(p.intakeShouldWait()).isFalse();
        assertThat(storeCounts.get()).as("nothing to count when both rules are off").isZero();
    }

    @Test
    void theIntakeWaitsOnlyWhenTheStoreConfirmsTheBacklogIsOverItsBound() {
        queueInStore.set(5);
        MatchPace p = pace(PACE);
        int countsAtStart = storeCounts.get();
        stored.set(25_000);
        queueInStore.set(3_000); // another node matched most of what this one stored
        assertThat(p.intakeShouldWait()).isFalse();
        assertThat(storeCounts.get()).isEqualTo(countsAtStart + 1);
        advance(TimeUnit.NANOSECONDS.toMillis(MatchPace.VERIFY_EVERY_NANOS), 0);
        queueInStore.set(25_005);
        assertThat(p.intakeShouldWait()).isTrue();
        assertThat(p.pacing()).isEqualTo(1);
        matched.addAndGet(6_000); // this node's matcher catches up: no new count needed to see it
        assertThat(p.intakeShouldWait()).isFalse();
        assertThat(storeCounts.get()).isEqualTo(countsAtStart + 2);
    }

    @Test
    void aWaitingBatchGoesOnByItsLatestTimeEvenIfTheMatcherIsStillBehind() {
        MatchPace p = new MatchPace(PACE, stored::get, matched::get, limit -> limit, System::nanoTime);
        stored.set(50_000);
        long latest = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30);
        p.awaitMatcher(latest);
        assertThat(System.nanoTime()).isGreaterThanOrEqualTo(latest);
        assertThat(p.waits()).isEqualTo(1);
    }

    @Test
    void aStoreThatCannotBeCountedNeverHoldsABatch() {
        MatchPace p = new MatchPace(PACE, stored::get, matched::get, limit -> {
            if (stored.get() > 0) {
                throw new IllegalStateException("store down");
            }
            return 0;
        }, nanos::get);
        stored.set(50_000);
        assertThat(p.intakeShouldWait()).isFalse();
        p.awaitMatcher(Long.MAX_VALUE); // returns at once
        assertThat(p.waits()).isZero();
    }
}
