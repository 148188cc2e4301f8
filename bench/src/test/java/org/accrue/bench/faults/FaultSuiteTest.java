package org.accrue.bench.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/**
 * The few fault points CI runs (the 50-point run is a command: bench/README.md), against a real `accrue serve` in a
 * JVM of its own, each test on data of its own and checked once at the end: every 00 stored once, every stored
 * purchase rewarded once, a replay answered alike. A Result lists every promise its scenario found broken; each of
 * these fails on the code before issue 12 (a killed node did not come back, a paused store gave no answer, a killed
 * store never came back, a connection past the limit hung).
 */
class FaultSuiteTest {
    private static List<FaultSuite.Result> run(List<String> scenarios, int killPoints) throws Exception {
        Path dir = Path.of("target", "test-data", "faults-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        var o = new FaultSuite.Options(dir, 20, 4, 4, killPoints, 2.0, 1, 3, 1, 3, 300, 7,
                Map.of("accrue.journal.commit-deadline-ms", "1000"));
        return FaultSuite.run(o, scenarios, System.out::println);
    }

    private static FaultSuite.Result named(List<FaultSuite.Result> results, String scenario) {
        return results.stream().filter(r -> r.scenario().equals(scenario)).findFirst().orElseThrow();
    }

    @Test
    void aNodeKilledHardAndAStorePausedOrKilledUnderLoadLoseNoAcknowledgedMessageAndDoubleNothing() throws Exception {
        var results = run(List.of("kill", "store-pause", "store-kill"), 2);
        results.forEach(r -> assertThat(r.broken()).as(r.describe()).isEmpty());
        var check = named(results, "check");
        assertThat(check.figures()).containsEntry("lost 00s", 0L).containsEntry("doubled", 0L)
                .containsEntry("replay differs", 0L).containsEntry("rewards doubled / missing", "0/0");
        assertThat(named(results, "store-pause").figures().get("answers while paused (96/00/other)").toString()).endsWith("/0/0");
    }

    @Test
    void badFramesAndAConnectionStormLeaveGoodTrafficAnsweredAndRefuseThoseOverTheLimitAtOnce() throws Exception {
        var results = run(List.of("garbage", "storm"), 0);
        results.forEach(r -> assertThat(r.broken()).as(r.describe()).isEmpty());
        assertThat((Long) named(results, "garbage").figures().get("bad frames sent")).isPositive();
        assertThat(named(results, "storm").figures()).containsEntry("hung (no answer, not closed, 15 s)", 0L);
        assertThat((Long) named(results, "storm").figures().get("refused")).isPositive();
    }
}
