package org.accrue.bench.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/**
 * The fault suite's few points that CI runs (the full 50-point run is a command: bench/README.md): each scenario
 * against a real `accrue serve` in a JVM of its own, then the store checked. A scenario's Result lists every
 * promise it found broken; each of these tests fails on the code before issue 12's fixes.
 */
class FaultSuiteTest {
    private static FaultSuite.Result only(String scenario, int killPoints, int pauseSeconds) throws Exception {
        Path dir = Path.of("target", "test-data", "faults-" + UUID.randomUUID()).toAbsolutePath();
        var o = new FaultSuite.Options(dir, 20, 4, 4, killPoints, 2.0, 1, pauseSeconds, 1, 3, 300, 7,
                Map.of("accrue.journal.commit-deadline-ms", "1000"));
        List<FaultSuite.Result> r = FaultSuite.run(o, List.of(scenario), System.out::println);
        return r.getFirst();
    }

    @Test
    void aNodeKilledHardUnderLoadRestartsOnItsDataAndKeepsEvery00ExactlyOnce() throws Exception {
        var r = only("kill", 3, 1);
        assertThat(r.broken()).isEmpty();
        assertThat(r.figures()).containsEntry("lost 00s", 0L).containsEntry("doubled", 0L).containsEntry("replay differs", 0L);
    }

    @Test
    void aPausedStoreGets96UntilItRunsAgainAndTheNodeRecoversWithoutARestart() throws Exception {
        var r = only("store-pause", 0, 4);
        assertThat(r.broken()).isEmpty();
    }

    @Test
    void aKilledStoreIsBroughtBackByTheNodeItself() throws Exception {
        var r = only("store-kill", 0, 1);
        assertThat(r.broken()).isEmpty();
    }

    @Test
    void badFramesOnOtherConnectionsLeaveGoodTrafficAnswered() throws Exception {
        var r = only("garbage", 0, 1);
        assertThat(r.broken()).isEmpty();
        assertThat((Long) r.figures().get("bad frames sent")).isPositive();
    }

    @Test
    void connectionsPastTheLimitAreRefusedAtOnceAndNoneHangs() throws Exception {
        var r = only("storm", 0, 1);
        assertThat(r.broken()).isEmpty();
        assertThat(r.figures()).containsEntry("hung (no answer, not closed, 15 s)", 0L);
    }
}
