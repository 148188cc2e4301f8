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

    @Test
    void aBulkFileOfSeveralChunksEnrollsEveryGoodLineAndReportsTheBadOnesInLineOrder(@TempDir Path dir) throws Exception {
        int cards = BulkEnrollment.CHUNK_LINES * 2 + 7;
        List<String> pans = new java.util.ArrayList<>();
        java.util.Random r = new java.util.Random(17);
        while (pans.size() < cards) {
            StringBuilder b = new StringBuilder("520082");
            while (b.length() < 15) {
                b.append(r.nextInt(10));
            }
            String pan = org.accrue.iso8583.Pans.withCheckDigit(b.toString());
            if (!pans.contains(pan)) {
                pans.add(pan);
            }
        }
        List<String> lines = new java.util.ArrayList<>();
        java.util.List<Long> bad = new java.util.ArrayList<>();
        for (int i = 0; i < cards; i++) {
            lines.add(pans.get(i) + "|ACC-" + i + "|DOE");
            if (i % 97 == 5) { // a bad line now and then, in every chunk
                lines.add(i % 2 == 0 ? "4111111111111112|ACC-X|DOE" : "only|two");
                bad.add((long) lines.size());
            }
        }
        lines.add(pans.get(3) + "|ACC-3|DOE"); // a card of the first chunk, again in the last
        lines.add(pans.get(cards - 1) + "|ACC-LAST|DOE"); // and one of the same chunk
        Path f = dir.resolve("cards.txt");
        Files.write(f, lines);

        BulkEnrollment.Report report = BulkEnrollment.run(f, "BANK_A", enrollment(1, 1));

        assertThat(report.enrolled()).isEqualTo(cards);
        assertThat(report.alreadyEnrolled()).isEqualTo(2);
        assertThat(report.rejected()).isEqualTo(bad.size());
        assertThat(report.rejections()).extracting(BulkEnrollment.Rejection::line).containsExactlyElementsOf(bad);
        long stored = store.sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(
                "select count(*) from card where issuer_id = 'BANK_A'", Object.class).getSingleResult()).longValue());
        assertThat(stored).isEqualTo(cards);
        long audited = store.sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(
                "select count(*) from audit_log where action = 'card.enrolled'", Object.class).getSingleResult()).longValue());
        assertThat(audited).as("every card enrolled is in the audit log").isEqualTo(cards);
    }

    @Test
    void aBulkFileReenrollsAnUnenrolledCardAndRaisesANumberAnotherIssuersCardHoldsAsOneEnrollmentDoes(@TempDir Path dir)
            throws Exception {
        Enrollment enrollment = enrollment(1, 1);
        String unenrolled = enrollment.enroll("BANK_A", new Enrollment.Request(PAN, "ACC-1", "DOE", null, null)).card().cardId();
        assertThat(enrollment.unenroll("BANK_A", unenrolled)).isTrue();
        String held = "5200828282828210";
        enrollment.enroll("BANK_B", new Enrollment.Request(held, "B-1", "ROE", null, null));
        Path f = dir.resolve("cards.txt");
        Files.write(f, List.of(
                PAN + "|ACC-1|DOE",                 // enrolled again
                held + "|ACC-2|DOE",                // BANK_B's card holds it: contested, answered alike
                "6011000990139424|ACC-3|DOE",       // new
                PAN + "|ACC-1|DOE",                 // the first line's card, now enrolled
                held + "|ACC-2|DOE"));              // BANK_A's card of the held number, made two lines up

        BulkEnrollment.Report r = BulkEnrollment.run(f, "BANK_A", enrollment);

        assertThat(r.enrolled()).isEqualTo(3);
        assertThat(r.alreadyEnrolled()).isEqualTo(2);
        assertThat(r.rejected()).isZero();
        String status = store.sessionFactory().fromSession(s -> (String) s.createNativeQuery(
                "select status from card where public_id = :p", String.class).setParameter("p", unenrolled).getSingleResult());
        assertThat(status).as("the same card, enrolled again").isEqualTo("ENROLLED");
        long contested = store.sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(
                "select count(*) from processing_exception where type = 'PAN_CONTESTED'", Object.class)
                .getSingleResult()).longValue());
        assertThat(contested).isEqualTo(1);
        long bankA = store.sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(
                "select count(*) from card where issuer_id = 'BANK_A'", Object.class).getSingleResult()).longValue());
        assertThat(bankA).isEqualTo(3);
    }

    @Test
    void aNumberEnrolledByAnotherTransactionDuringAChunkIsAnsweredAlreadyEnrolledAndTheChunkStillEnrolls() throws Exception {
        Enrollment enrollment = enrollment(1, 1);
        String template = enrollment.enroll("BANK_A", new Enrollment.Request("5200828282828210", "ACC-T", "DOE", null, null))
                .card().cardId();
        String token = new PanTokenizer(1, Map.of(1, filled(1))).current(PAN).token();
        try (java.sql.Connection other = store.dataSource().getConnection()) {
            other.setAutoCommit(false);
            // The other enrollment of PAN, not committed yet: a copy of the template card with PAN's token.
            List<String> columns = new java.util.ArrayList<>();
            try (var rs = other.createStatement().executeQuery("select * from card limit 0")) {
                for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
                    columns.add(rs.getMetaData().getColumnName(c));
                }
            }
            String list = String.join(", ", columns);
            String values = String.join(", ", columns.stream().map(c -> switch (c) {
                case "id" -> "900000001"; // far above the ids card_seq hands out here
                case "public_id" -> "'crd_other'";
                case "pan_token" -> "?";
                case "last4" -> "'5556'";
                default -> c;
            }).toList());
            try (var ps = other.prepareStatement("insert into card (" + list + ") select " + values
                    + " from card where public_id = ?")) {
                ps.setString(1, token);
                ps.setString(2, template);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            // PAN first: the chunk's first insert into card is PAN's, which waits for the other's row.
            var chunk = java.util.concurrent.CompletableFuture.supplyAsync(() -> enrollment.enrollAll("test", "BANK_A", List.of(
                    new Enrollment.Request(PAN, "ACC-1", "DOE", null, null),
                    new Enrollment.Request("4000056655665564", "ACC-2", "DOE", null, null),
                    new Enrollment.Request("6011000990139424", "ACC-3", "DOE", null, null))));
            awaitChunksInsert(chunk);
            other.commit();

            List<Enrollment.Outcome> outcomes = chunk.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(outcomes).extracting(o -> o.result().created()).containsExactly(false, true, true);
            assertThat(outcomes.get(0).result().card().cardId()).isEqualTo("crd_other");
        }
        long stored = store.sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(
                "select count(*) from card", Object.class).getSingleResult()).longValue());
        assertThat(stored).as("the template, the other enrollment and the chunk's two new cards").isEqualTo(4);
    }

    private static byte[] filled(int v) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) v);
        return k;
    }

    /** Until the chunk's insert into card runs (it waits there for the other's uncommitted card of the same number). */
    private void awaitChunksInsert(java.util.concurrent.CompletableFuture<?> chunk) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        try (java.sql.Connection c = store.dataSource().getConnection();
             var ps = c.prepareStatement("select count(*) from information_schema.processlist "
                     + "where db = database() and lower(info) like 'insert into card %'")) {
            while (true) {
                assertThat(chunk).as("the chunk waits for the other enrollment").isNotDone();
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return;
                    }
                }
                assertThat(System.nanoTime()).as("the chunk's insert within 30 s").isLessThan(deadline);
                Thread.onSpinWait();
            }
        }
    }
}
