package org.accrue.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

    @Test
    void everyMessageAgainstTheBareServerIsAnsweredAndCounted() throws Exception {
        int port = BenchMain.freePort();
        try (BareAckServer server = new BareAckServer(port)) {
            var r = LoadGenerator.run(new LoadGenerator.Options("127.0.0.1", port, 2, 4, 0, 60, 2_000, BenchMain.pans(10)));
            assertThat(r.errors()).isZero();
            assertThat(r.messages()).isEqualTo(2_000);
            assertThat(r.byResponseCode()).containsExactly(java.util.Map.entry("00", 2_000L));
            assertThat(r.p50Ms()).isPositive().isLessThanOrEqualTo(r.p99Ms());
            assertThat(r.p99Ms()).isLessThanOrEqualTo(r.maxMs());
        }
    }
}
