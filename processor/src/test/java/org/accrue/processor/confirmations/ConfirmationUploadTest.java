package org.accrue.processor.confirmations;

import static org.accrue.processor.testing.TestConfig.ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;

import org.accrue.processor.Processor;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.SharedMariaDb;
import org.accrue.processor.testing.TwoNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * POST /issuers/{id}/confirmation-files answers 202 with a Location as soon as the file is stored; the import is
 * applied in the background, read RECEIVED, PROCESSING, then where it ended. A node that stopped before applying an
 * upload applies it when it starts again.
 */
class ConfirmationUploadTest {
    private static final long POLL_DEADLINE_SECONDS = 60;
    private static final UnaryOperator<Processor.Builder> API_ONLY = b -> b.http(true).listener(false).matcher(false)
            .scheduler(false);

    private TwoNodes nodes;

    @RegisterExtension
    final BeforeEachCallback database = (ExtensionContext c) -> nodes = new TwoNodes(SharedMariaDb.get(c));

    /** A valid confirmation file with no lines (applied as such: nothing to reconcile). */
    private static byte[] emptyFile(String fileId) {
        return ("H|STMTCONF|" + ISSUER_A + "|" + fileId + "|2026-11-23T04:00:00Z|-\nT|0|0\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String fileId(String name) {
        return "CONF-" + name + "-" + java.util.UUID.randomUUID().toString().replaceAll("[0-9-]", "");
    }

    /** The import at its location (the path under /api/v1 the 202 named) once its status is not in {@code while}. */
    private static JsonNode pollUntilNot(Api api, String location, Set<String> whileIn) {
        long deadline = System.nanoTime() + Duration.ofSeconds(POLL_DEADLINE_SECONDS).toNanos();
        while (true) {
            Api.Response r = api.get(location.substring("/api/v1".length()), KEY_ISSUER_A);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            if (!whileIn.contains(r.json().get("status").asText())) {
                return r.json();
            }
            assertThat(System.nanoTime()).as("%s left %s in time", location, whileIn).isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // polls the import's recorded status
        }
    }

    @Test
    void aSecondUploadIsAnsweredWhileTheFirstIsStillBeingApplied(@TempDir Path dir) throws Exception {
        try (Processor node = nodes.start(dir, Map.of(), API_ONLY);
             Connection holder = node.store().dataSource().getConnection()) {
            Api api = new Api(node.httpPort());
            String first = fileId("FIRST");
            // The test holds the first file's (issuer, file id) lock, as another node applying the same file would:
            // the first import is taken and then waits, keeping this node's one import at a time busy.
            assertThat(namedLock(holder, "get_lock(?, 0)", ImportLocks.fileLockName(holder.getCatalog(), ISSUER_A,
                    first))).isTrue();
            Api.Response up1 = api.postRaw("/issuers/" + ISSUER_A + "/confirmation-files", KEY_ISSUER_A, emptyFile(first));
            assertThat(up1.status()).as(up1.body()).isEqualTo(202);
            assertThat(up1.location()).isEqualTo("/api/v1/confirmation-files/" + up1.json().get("importId").asText());
            assertThat(pollUntilNot(api, up1.location(), Set.of("RECEIVED")).get("status").asText()).isEqualTo("PROCESSING");

            Api.Response up2 = api.postRaw("/issuers/" + ISSUER_A + "/confirmation-files", KEY_ISSUER_A,
                    emptyFile(fileId("SECOND")));

            assertThat(up2.status()).as("answered while the first is applied").isEqualTo(202);
            assertThat(up2.json().get("status").asText()).isEqualTo("RECEIVED");
            assertThat(api.get(up1.location().substring("/api/v1".length()), KEY_ISSUER_A).json().get("status").asText())
                    .isEqualTo("PROCESSING");
            assertThat(api.get(up2.location().substring("/api/v1".length()), KEY_ISSUER_A).json().get("status").asText())
                    .as("waiting its turn").isEqualTo("RECEIVED");

            namedLock(holder, "release_lock(?)", ImportLocks.fileLockName(holder.getCatalog(), ISSUER_A, first));
            for (Api.Response up : List.of(up1, up2)) {
                JsonNode done = pollUntilNot(api, up.location(), Set.of("RECEIVED", "PROCESSING"));
                assertThat(done.get("status").asText()).isEqualTo("APPLIED");
                assertThat(done.get("lines").asLong()).isZero();
                assertThat(done.get("finishedAt").isNull()).isFalse();
                List<String> fields = new java.util.ArrayList<>();
                done.fieldNames().forEachRemaining(fields::add);
                assertThat(fields).as("every field, in the documented order, null ones too").containsExactly("importId",
                        "issuerId", "status", "source", "fileName", "encrypted", "fileId", "answersFileId", "reason",
                        "detail", "lines", "amountSum", "outcomes", "receivedAt", "finishedAt");
                assertThat(done.get("reason").isNull()).isTrue();
                assertThat(done.get("receivedAt").asText()).as("an ISO-8601 instant").matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
            }
        }
    }

    @Test
    void aBadFileIsRejectedWholeInItsImportsStatus(@TempDir Path dir) {
        try (Processor node = nodes.start(dir, Map.of(), API_ONLY)) {
            Api api = new Api(node.httpPort());
            byte[] noTrailer = ("H|STMTCONF|" + ISSUER_A + "|" + fileId("BAD") + "|2026-11-23T04:00:00Z|-\n")
                    .getBytes(StandardCharsets.UTF_8);

            Api.Response up = api.postRaw("/issuers/" + ISSUER_A + "/confirmation-files", KEY_ISSUER_A, noTrailer);

            assertThat(up.status()).isEqualTo(202);
            JsonNode done = pollUntilNot(api, up.location(), Set.of("RECEIVED", "PROCESSING"));
            assertThat(done.get("status").asText()).isEqualTo("REJECTED");
            assertThat(done.get("reason").asText()).isEqualTo("NO_TRAILER");
        }
    }

    @Test
    void anUploadItsNodeStoppedBeforeApplyingIsAppliedWhenTheNodeStartsAgain(@TempDir Path dir) throws Exception {
        String importId;
        try (Processor stopping = nodes.start(dir, Map.of(), Processor.Builder::offline)) {
            // What an upload stores before its 202 (the bytes under the data directory, the RECEIVED row), and then
            // the node stops before applying it.
            importId = stopping.operations().imports().receive(ISSUER_A, new ByteArrayInputStream(emptyFile(
                    fileId("RESTART"))), "API", "conf.txt", "test");
        }

        try (Processor again = nodes.start(dir, Map.of(), API_ONLY)) {
            JsonNode done = pollUntilNot(new Api(again.httpPort()), "/api/v1/confirmation-files/" + importId,
                    Set.of("RECEIVED", "PROCESSING"));

            assertThat(done.get("status").asText()).isEqualTo("APPLIED");
        }
    }

    private static boolean namedLock(Connection c, String call, String name) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("select " + call)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) == 1;
            }
        }
    }
}
