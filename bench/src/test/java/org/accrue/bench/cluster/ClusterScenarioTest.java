package org.accrue.bench.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.accrue.bench.cluster.ClusterOptions.StoreKind;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one MariaDB behind HAProxy, kill -9 of the busier one under load: the issuer's links to it end, it
 * reconnects through HAProxy to the other node and resends what was unanswered as repeats; every message acknowledged
 * 00 is stored exactly once, nothing is lost or doubled, and HAProxy marks the dead node DOWN.
 */
class ClusterScenarioTest {
    @Test
    void aNodeKilledUnderLoadBehindHaProxyLosesNoAcknowledgedMessageAndDoublesNothing() throws Exception {
        Path dir = Path.of("target", "test-data", "cluster-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        // Short-lived nodes: C1 only and no scheduler or matcher (nothing here needs them), so they start quickly.
        var o = new ClusterOptions(dir, 2, StoreKind.EXTERNAL, 8, 4, 4, 0, 3, -1, -1, -1, 20, 7,
                List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                Map.of("accrue.jobs.enabled", "false", "accrue.rewards.matcher.enabled", "false"));
        var r = ClusterScenario.run(o, System.out::println);
        var f = r.figures();
        assertThat(r.broken()).as(r.describe()).isEmpty();
        assertThat(f).containsEntry("lost", 0L).containsEntry("doubled", 0L).containsEntry("stored, never acked", 0L)
                .containsEntry("other codes / unanswered", "0/0");
        assertThat(((Number) f.get("acked 00")).longValue()).isPositive()
                .isEqualTo(((Number) f.get("stored")).longValue()).isEqualTo(((Number) f.get("sent")).longValue());
        assertThat(f.get("HAProxy marked DOWN s after kill")).isNotEqualTo("never");
    }

    @Test
    void optionsOutOfBoundsFailNamingTheOption() {
        assertThatThrownBy(() -> ClusterOptions.parse(new String[] {"--nodes", "4"})).hasMessageContaining("--nodes");
        assertThatThrownBy(() -> ClusterOptions.parse(new String[] {"--store", "embedded", "--nodes", "2"}))
                .hasMessageContaining("--store embedded");
        assertThatThrownBy(() -> ClusterOptions.parse(new String[] {"--duration", "10", "--kill-node-at", "20"}))
                .hasMessageContaining("before --duration");
        assertThatThrownBy(() -> ClusterOptions.parse(new String[] {"--speed", "1"})).hasMessageContaining("unknown options");
    }
}
