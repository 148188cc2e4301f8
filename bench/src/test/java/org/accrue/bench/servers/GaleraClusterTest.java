package org.accrue.bench.servers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class GaleraClusterTest {
    @Test
    void aRowWrittenOnOneMemberIsReadOnTheOthers() throws Exception {
        Path dir = Path.of("target", "test-data", "galera-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        long t0 = System.nanoTime();
        try (GaleraCluster g = GaleraCluster.start(dir)) {
            System.out.printf("galera started in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            try (var c = DriverManager.getConnection(g.memberUrl(0), g.user(), g.password()); var st = c.createStatement()) {
                st.execute("create table t (id int primary key, v varchar(10))");
                st.execute("insert into t values (1, 'one')");
            }
            for (int i = 1; i < GaleraCluster.MEMBERS; i++) {
                try (var c = DriverManager.getConnection(g.memberUrl(i) + "?sessionVariables=wsrep_sync_wait=1", g.user(), g.password());
                     var st = c.createStatement(); var rs = st.executeQuery("select v from t where id = 1")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("one");
                }
            }
        }
    }
}
