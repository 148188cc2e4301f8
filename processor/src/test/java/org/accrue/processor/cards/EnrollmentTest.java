package org.accrue.processor.cards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.accrue.processor.Processor;
import org.accrue.processor.store.EmbeddedMariaDb;
import org.accrue.processor.store.Store;
import org.accrue.processor.testing.SharedMariaDb;
import org.accrue.processor.testing.TestConfig;
import org.accrue.rewards.enrollment.PanTokenizer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class EnrollmentTest {
    private static final String PAN = "4000056655665556";
    private String url;
    private EmbeddedMariaDb.Credentials credentials;

    @RegisterExtension
    final BeforeEachCallback database = (ExtensionContext c) -> {
        url = SharedMariaDb.get(c).freshDatabase();
        credentials = SharedMariaDb.get(c).credentials();
    };

    private Store store;

    @BeforeEach
    void open() {
        store = Store.connect(null, url, credentials.user(), credentials.password(),
                TestConfig.config(TestConfig.values(Path.of("unused"))).store(), Processor.ENTITIES);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private Enrollment enrollment(int current, Integer... versions) {
        Map<Integer, byte[]> keys = new java.util.HashMap<>();
        for (int v : versions) {
            byte[] k = new byte[32];
            Arrays.fill(k, (byte) v);
            keys.put(v, k);
        }
        return new Enrollment(store.sessionFactory(), new PanTokenizer(current, keys), InstantSource.system());
    }

    @Test
    void afterAKeyRotationTheSamePanFindsItsCardAndNewCardsUseTheNewKey() {
        Card before = enrollment(1, 1).enroll("BANK_A", new Enrollment.Request(PAN, "ACC", "DOE", null, null)).card();
        Enrollment rotated = enrollment(2, 1, 2);
        Enrollment.Result again = rotated.enroll("BANK_A", new Enrollment.Request(PAN, "ACC", "DOE", null, null));
        assertThat(again.created()).isFalse();
        assertThat(again.card().cardId()).isEqualTo(before.cardId());
        rotated.enroll("BANK_A", new Enrollment.Request("5200828282828210", "ACC2", "DOE", null, null));
        long v2 = store.sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(
                "select count(*) from card where key_version = 2", Object.class).getSingleResult()).longValue());
        assertThat(v2).isEqualTo(1);
    }

    @Test
    void theDatabaseKeepsTheTokenAndLastFourOnly() {
        enrollment(1, 1).enroll("BANK_A", new Enrollment.Request(PAN, "ACC", "DOE", null, null));
        Object[] row = store.sessionFactory().fromSession(s -> s.createNativeQuery(
                "select pan_token, last4 from card", Object[].class).getSingleResult());
        assertThat((String) row[0]).hasSize(64).doesNotContain(PAN);
        assertThat(row[1]).isEqualTo("5556");
    }

    @Test
    void aFreeTextFieldHoldingThePanIsRefused() {
        assertThatThrownBy(() -> enrollment(1, 1).enroll("BANK_A", new Enrollment.Request(PAN, "ACC " + PAN, "DOE", null, null)))
                .isInstanceOf(EnrollmentException.class).hasMessageNotContaining(PAN)
                .satisfies(e -> assertThat(((EnrollmentException) e).code()).isEqualTo("FIELD_INVALID"));
    }

    @Test
    void aBulkFileEnrollsTheGoodLinesAndReportsTheBadOnesByNumberWithoutTheirContent(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cards.txt");
        Files.write(f, List.of(
                "pan|accountRef|lastName|airlineProgram|memberNumber",
                PAN + "|ACC-1|DOE",
                "# a comment",
                "4111111111111112|ACC-2|DOE",
                "5200828282828210|ACC-3|DOE|SKY|SK123",
                "6011000990139424|ACC-4",
                PAN + "|ACC-1|DOE"));
        BulkEnrollment.Report r = BulkEnrollment.run(f, "BANK_A", enrollment(1, 1));
        assertThat(r.enrolled()).isEqualTo(2);
        assertThat(r.alreadyEnrolled()).isEqualTo(1);
        assertThat(r.rejected()).isEqualTo(2);
        assertThat(r.rejections()).extracting(BulkEnrollment.Rejection::line).containsExactly(4L, 6L);
        assertThat(r.rejections()).extracting(BulkEnrollment.Rejection::code).containsExactly("PAN_CHECK_DIGIT", "LINE_FORMAT");
        assertThat(r.describe()).doesNotContain("4111111111111112").doesNotContain("6011000990139424");
    }
}
