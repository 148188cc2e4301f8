package org.accrue.processor.http;

import static org.accrue.processor.testing.TestConfig.ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_B;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.accrue.iso8583.Pans;
import org.accrue.processor.Processor;
import org.accrue.processor.cards.BulkEnrollment;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.SharedMariaDb;
import org.accrue.processor.testing.TwoNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * POST /issuers/{id}/enrollment-files: an issuer's bulk file, streamed and enrolled as it is read, answered with the
 * run's report (rejected lines by number and rule, never their content); the issuer's own path only; text that is
 * not UTF-8 refused as a file, what came before it staying enrolled.
 */
class EnrollmentFilesApiTest {
    private static final UnaryOperator<Processor.Builder> API_ONLY = b -> b.http(true).listener(false).matcher(false)
            .scheduler(false);
    private static final String PATH = "/issuers/" + ISSUER_A + "/enrollment-files";

    private TwoNodes nodes;

    @RegisterExtension
    final BeforeEachCallback database = (ExtensionContext c) -> nodes = new TwoNodes(SharedMariaDb.get(c));

    /** n valid card numbers of one BIN, none repeated. */
    private static List<String> pans(int n, String bin) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; out.size() < n; i++) {
            out.add(Pans.withCheckDigit(bin + String.format("%09d", i)));
        }
        return out;
    }

    private static long count(Processor node, String sql) {
        return node.store().sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(sql, Object.class)
                .getSingleResult()).longValue());
    }

    @Test
    void anIssuersFileIsEnrolledAndAnsweredWithItsReportNamingBadLinesByNumberOnly(@TempDir Path dir) {
        try (Processor node = nodes.start(dir, Map.of(), API_ONLY)) {
            Api api = new Api(node.httpPort());
            List<String> pans = pans(3, "520082");
            String file = String.join("\n", List.of(
                    "pan|accountRef|lastName",
                    pans.get(0) + "|ACC-1|DOE",
                    "4111111111111112|ACC-X|DOE",
                    pans.get(1) + "|ACC-2|DOE|SKY|SK123",
                    "6011000990139424|only-two",
                    pans.get(2) + "|ACC-3|DOE")) + "\n";

            Api.Response r = api.postRaw(PATH, KEY_ISSUER_A, file.getBytes(StandardCharsets.UTF_8));

            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.json().get("enrolled").asLong()).isEqualTo(3);
            assertThat(r.json().get("alreadyEnrolled").asLong()).isZero();
            assertThat(r.json().get("rejected").asLong()).isEqualTo(2);
            assertThat(r.json().get("rejections").findValuesAsText("code")).containsExactly("PAN_CHECK_DIGIT", "LINE_FORMAT");
            assertThat(r.json().get("rejections").findValues("line").stream().map(n -> n.asLong()).toList())
                    .containsExactly(3L, 5L);
            assertThat(r.body()).doesNotContain("4111111111111112").doesNotContain("6011000990139424")
                    .doesNotContain(pans.get(0));
            assertThat(api.get("/cards?accountRef=ACC-2", KEY_ISSUER_A).json().get("cards")).hasSize(1);
            assertThat(count(node, "select count(*) from audit_log where action = 'card.enrolled' and actor = 'issuer-a'"))
                    .as("each card in the audit log under the key's name").isEqualTo(3);

            Api.Response again = api.postRaw(PATH, KEY_ISSUER_A, file.getBytes(StandardCharsets.UTF_8));
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.json().get("enrolled").asLong()).isZero();
            assertThat(again.json().get("alreadyEnrolled").asLong()).isEqualTo(3);
        }
    }

    @Test
    void anotherIssuersPathIsNotFoundAndOnlyIssuerKeysMayUpload(@TempDir Path dir) {
        try (Processor node = nodes.start(dir, Map.of(), API_ONLY)) {
            Api api = new Api(node.httpPort());
            byte[] file = (pans(1, "520082").getFirst() + "|ACC-1|DOE\n").getBytes(StandardCharsets.UTF_8);
            assertThat(api.postRaw(PATH, KEY_ISSUER_B, file).status()).isEqualTo(404);
            assertThat(api.postRaw(PATH, KEY_OPS, file).status()).isEqualTo(403);
            assertThat(count(node, "select count(*) from card")).isZero();
        }
    }

    @Test
    void aLineThatIsNotUtf8IsRejectedByItsNumberAndTheLinesAroundItInALargeFileEnroll(@TempDir Path dir) throws Exception {
        try (Processor node = nodes.start(dir, Map.of(), API_ONLY)) {
            Api api = new Api(node.httpPort());
            List<String> pans = pans(BulkEnrollment.CHUNK_LINES * 6 + 2, "400000");
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            file.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}); // a byte order mark before the header
            file.write("pan|accountRef|lastName\r\n".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < pans.size(); i++) {
                file.write((pans.get(i) + "|ACC|DOE\r\n").getBytes(StandardCharsets.UTF_8));
                if (i == 10) {
                    file.write(new byte[] {'D', 'O', (byte) 0xFF, '\r', '\n'}); // line 13
                }
            }
            file.write(("x".repeat(5000) + "\n").getBytes(StandardCharsets.UTF_8)); // too long, and the last

            assertThat(file.size()).as("larger than the API's 64 KiB limit on JSON bodies").isGreaterThan(64 * 1024);

            Api.Response r = api.postRaw(PATH, KEY_ISSUER_A, file.toByteArray());

            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.json().get("enrolled").asLong()).isEqualTo(pans.size());
            assertThat(r.json().get("rejections").findValuesAsText("code")).containsExactly("LINE_ENCODING", "LINE_TOO_LONG");
            assertThat(r.json().get("rejections").findValues("line").stream().map(n -> n.asLong()).toList())
                    .containsExactly(13L, pans.size() + 3L);
            assertThat(count(node, "select count(*) from card")).isEqualTo(pans.size());
        }
    }
}
