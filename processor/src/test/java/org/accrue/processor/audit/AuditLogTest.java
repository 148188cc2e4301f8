package org.accrue.processor.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.accrue.processor.ids.Ids;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.RewardStream;
import org.accrue.processor.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The audit log over real HTTP on the real store: each change to merchants, offers, enrollments, webhook endpoints
 * and exceptions is one row naming the API key that made it, and the admins' NDJSON export (API and CLI) holds them
 * with no PAN, secret or cardholder's personal field.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.webhooks.allow-local-http=true"})
class AuditLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProcessorExtension.Node node;
    private final Api api;

    AuditLogTest(ProcessorExtension.Node node) {
        this.node = node;
        this.api = new Api(node.processor().httpPort());
    }

    @Test
    void everyChangeIsOneRowNamingItsActorAndTheExportHoldsNoSecretOrPersonalData() throws Exception {
        Instant from = Instant.now().truncatedTo(ChronoUnit.MICROS); // the node writes on this JVM's clock
        String suffix = Ids.letters(8);
        String merchant = "audit-" + suffix;
        String merchantBody = "{\"merchantId\":\"" + merchant + "\",\"name\":\"Audit " + suffix + "\",\"mids\":[{\"acquirerId\":"
                + "\"12345678901\",\"mid\":\"AUD" + suffix.toUpperCase() + "0000\"}],\"descriptors\":[\"AUDIT*\"],\"mccs\":[\"5814\"]}";
        assertThat(api.post("/merchants", TestConfig.KEY_ADMIN, merchantBody).status()).isEqualTo(201);
        assertThat(api.post("/merchants", TestConfig.KEY_ADMIN, merchantBody.replace("Audit ", "Audited ")).status())
                .isEqualTo(200);
        String offer = merchant + "-10";
        Api.Response created = api.post("/offers", TestConfig.KEY_ADMIN, "{\"id\":\"" + offer + "\",\"merchantId\":\"" + merchant
                + "\",\"reward\":{\"type\":\"PERCENT\",\"rateBps\":1000},\"currency\":\"USD\",\"startsAt\":"
                + "\"2026-01-01T00:00:00Z\",\"returnPeriodDays\":14,\"commissionBps\":300}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(api.patch("/offers/" + offer, TestConfig.KEY_ADMIN, "{\"status\":\"PAUSED\"}").status()).isEqualTo(200);

        String pan = RewardStream.newPan();
        String accountRef = "ACC-" + suffix.toUpperCase();
        String lastName = "AUDITNAME" + suffix.toUpperCase();
        String enroll = "{\"pan\":\"" + pan + "\",\"accountRef\":\"" + accountRef + "\",\"lastName\":\"" + lastName + "\"}";
        String card = api.post("/cards", TestConfig.KEY_ISSUER_A, enroll).json().get("cardId").asText();
        assertThat(api.delete("/cards/" + card, TestConfig.KEY_ISSUER_A).status()).isEqualTo(204);
        assertThat(api.post("/cards", TestConfig.KEY_ISSUER_A, enroll).status()).isEqualTo(201);
        // The same number at another issuer: a PAN_CONTESTED exception, which ops write off.
        String contender = api.post("/cards", TestConfig.KEY_ISSUER_B, enroll).json().get("cardId").asText();
        assertThat(api.post("/cards/" + card + "/erasure", TestConfig.KEY_ISSUER_A, "").status()).isEqualTo(200);
        String exception = null;
        for (JsonNode e : api.get("/exceptions?type=PAN_CONTESTED", TestConfig.KEY_OPS).json().get("exceptions")) {
            if (e.get("detail").asText().contains(contender)) {
                exception = e.get("id").asText();
            }
        }
        assertThat(exception).isNotNull();
        Api.Response resolved = api.post("/exceptions/" + exception + "/resolution", TestConfig.KEY_OPS,
                "{\"action\":\"WRITE_OFF\",\"reason\":\"settled with both banks\"}");
        assertThat(resolved.status()).as(resolved.body()).isEqualTo(200);

        Api.Response registered = api.post("/webhooks", TestConfig.KEY_ISSUER_A,
                "{\"url\":\"http://127.0.0.1:9/hook?token=receiver-secret\",\"events\":[\"card.erased\"]}");
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);
        String webhook = registered.json().get("id").asText();
        String secret = registered.json().get("secret").asText();
        assertThat(api.patch("/webhooks/" + webhook, TestConfig.KEY_ISSUER_A, "{\"enabled\":false}").status()).isEqualTo(200);
        String rotated = api.post("/webhooks/" + webhook + "/secret", TestConfig.KEY_ISSUER_A, "").json().get("secret").asText();
        assertThat(api.delete("/webhooks/" + webhook, TestConfig.KEY_ADMIN).status()).isEqualTo(204);

        Api.Response export = api.get("/audit?from=" + from, TestConfig.KEY_ADMIN);

        assertThat(export.status()).as(export.body()).isEqualTo(200);
        assertThat(export.contentType()).startsWith("application/x-ndjson");
        List<JsonNode> rows = lines(export.body());
        assertThat(actions(rows, merchant)).containsExactly("merchant.created admin", "merchant.changed admin");
        assertThat(actions(rows, offer)).containsExactly("offer.created admin", "offer.changed admin");
        assertThat(actions(rows, card)).containsExactly("card.enrolled issuer-a", "card.unenrolled issuer-a",
                "card.reenrolled issuer-a", "card.erased issuer-a");
        assertThat(actions(rows, contender)).containsExactly("card.enrolled issuer-b");
        assertThat(actions(rows, exception)).containsExactly("exception.action ops");
        assertThat(actions(rows, webhook)).containsExactly("webhook.created issuer-a", "webhook.changed issuer-a",
                "webhook.secret-rotated issuer-a", "webhook.deleted admin");
        JsonNode erased = rows.stream().filter(r -> r.get("action").asText().equals("card.erased")).findFirst().orElseThrow();
        assertThat(erased.get("issuerId").asText()).isEqualTo(TestConfig.ISSUER_A);
        assertThat(erased.get("id").asText()).matches("aud_[a-z]+");
        JsonNode patched = rows.stream().filter(r -> r.get("action").asText().equals("offer.changed")).findFirst().orElseThrow();
        assertThat(patched.get("details").get("fields").get(0).asText()).isEqualTo("status");
        assertThat(export.body()).doesNotContain(pan).doesNotContain(accountRef).doesNotContain(lastName)
                .doesNotContain(secret).doesNotContain(rotated).doesNotContain("receiver-secret");
    }

    @Test
    void theExportFiltersByTimeAndTypeAndOnlyAdminsMayRunIt() {
        Instant before = Instant.now().truncatedTo(ChronoUnit.MICROS); // the node writes on this JVM's clock
        String pan = RewardStream.newPan();
        String card = api.post("/cards", TestConfig.KEY_ISSUER_A, "{\"pan\":\"" + pan + "\",\"accountRef\":\"ACC-F\","
                + "\"lastName\":\"FILTER\"}").json().get("cardId").asText();

        List<JsonNode> cards = lines(api.get("/audit?type=card&from=" + before, TestConfig.KEY_ADMIN).body());
        assertThat(cards).isNotEmpty().allMatch(r -> r.get("resourceType").asText().equals("card"));
        assertThat(actions(cards, card)).containsExactly("card.enrolled issuer-a");
        assertThat(lines(api.get("/audit?type=merchant&from=" + before, TestConfig.KEY_ADMIN).body())).isEmpty();
        assertThat(actions(lines(api.get("/audit?to=" + before, TestConfig.KEY_ADMIN).body()), card)).isEmpty();

        assertThat(api.get("/audit", TestConfig.KEY_OPS).status()).isEqualTo(403);
        assertThat(api.get("/audit", TestConfig.KEY_ISSUER_A).status()).isEqualTo(403);
        assertThat(api.get("/audit?type=cards", TestConfig.KEY_ADMIN).json().get("code").asText()).isEqualTo("INVALID_TYPE");
        assertThat(api.get("/audit?from=yesterday", TestConfig.KEY_ADMIN).json().get("code").asText())
                .isEqualTo("PARAMETER_INVALID");
        assertThat(api.get("/audit?since=" + before, TestConfig.KEY_ADMIN).json().get("code").asText())
                .isEqualTo("UNKNOWN_PARAMETER");
    }

    @Test
    void accrueAuditExportWritesTheRowsOfARangeToAFileAsJsonLines(@TempDir Path dir) throws Exception {
        Instant from = Instant.now().truncatedTo(ChronoUnit.MICROS); // the node writes on this JVM's clock
        String card = api.post("/cards", TestConfig.KEY_ISSUER_A, "{\"pan\":\"" + RewardStream.newPan()
                + "\",\"accountRef\":\"ACC-CLI\",\"lastName\":\"CLI\"}").json().get("cardId").asText();
        Instant to = Instant.now().plus(1, ChronoUnit.SECONDS);
        Map<String, String> values = new TreeMap<>(node.settings());
        values.put("accrue.data-dir", dir.resolve("data").toString());
        Path panKey = Files.writeString(dir.resolve("pan.key"), values.get("accrue.pan.key.1").substring("base64:".length()));
        values.put("accrue.pan.key.1", "file:" + panKey);
        Path password = Files.writeString(dir.resolve("db.password"), node.databaseCredentials().password());
        values.put("accrue.store.mode", "external");
        values.put("accrue.store.url", node.databaseUrl());
        values.put("accrue.store.user", node.databaseCredentials().user());
        values.put("accrue.store.password", "file:" + password);
        StringBuilder props = new StringBuilder();
        values.forEach((k, v) -> props.append(k).append('=').append(v).append('\n'));
        Path config = Files.writeString(dir.resolve("accrue.properties"), props);
        Path out = dir.resolve("audit.ndjson");

        StringWriter err = new StringWriter();
        int exit = org.accrue.processor.cli.AccrueCliAccess.execute(new PrintWriter(err, true), "audit", "export",
                "--config", config.toString(), "--from", from.toString(), "--to", to.toString(), out.toString());

        assertThat(exit).as(err.toString()).isZero();
        List<JsonNode> rows = lines(Files.readString(out));
        assertThat(actions(rows, card)).containsExactly("card.enrolled issuer-a");
        assertThat(rows).allMatch(r -> !Instant.parse(r.get("at").asText()).isBefore(from));
    }

    private static List<JsonNode> lines(String body) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) {
                try {
                    out.add(JSON.readTree(line));
                } catch (java.io.IOException e) {
                    throw new AssertionError("not a JSON line: " + line, e);
                }
            }
        }
        return out;
    }

    /** "action actor" of the rows about one resource, in export order. */
    private static List<String> actions(List<JsonNode> rows, String resourceId) {
        return rows.stream().filter(r -> r.get("resourceId").asText().equals(resourceId))
                .map(r -> r.get("action").asText() + " " + r.get("actor").asText()).toList();
    }
}
