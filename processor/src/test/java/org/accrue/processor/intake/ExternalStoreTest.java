package org.accrue.processor.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.Processor;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.store.EmbeddedMariaDb;
import org.accrue.processor.testing.SharedMariaDb;
import org.accrue.processor.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.io.TempDir;

/** An external MariaDB is one setting away: the node migrates it and works on it like on the embedded one. */
class ExternalStoreTest {
    private String url;
    private EmbeddedMariaDb.Credentials credentials;

    @RegisterExtension
    final BeforeEachCallback database = (ExtensionContext c) -> {
        url = SharedMariaDb.get(c).freshDatabase();
        credentials = SharedMariaDb.get(c).credentials();
    };

    @Test
    void aNodeRunsOnAnExternalMariaDbGivenItsUrl(@TempDir Path dir) {
        var values = TestConfig.values(dir);
        values.put("accrue.store.mode", "external");
        values.put("accrue.store.url", url);
        values.put("accrue.store.user", credentials.user());
        values.put("accrue.store.password", credentials.password());
        AccrueConfig config = TestConfig.config(values);
        try (Processor node = Processor.builder(config).listener(false).http(false).start()) {
            assertThat(node.store().embedded()).isNull();
            var r = node.enrollment().enroll(TestConfig.ISSUER_A,
                    new Enrollment.Request("4000056655665556", "ACC", "DOE", null, null));
            assertThat(r.created()).isTrue();
            long migrations = node.store().sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(
                    "select count(*) from flyway_schema_history where success = 1", Object.class).getSingleResult()).longValue());
            assertThat(migrations).isPositive();
        }
    }
}
