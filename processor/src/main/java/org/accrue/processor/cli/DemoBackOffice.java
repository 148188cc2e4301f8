/*
 * The demo's second half: time moves on past the return periods, and the
 * scheduled jobs run (asked for through POST /api/v1/jobs/{name}/runs, as ops
 * would): posting, the OpenPGP statement credit file, miles to the airline,
 * tiers and the merchant invoices. Then what the issuer receives (the file,
 * decrypted with the issuer's own key and verified against ours), what a
 * cardholder sees (GET /cards/{id}/statement) and what the airline got.
 */
package org.accrue.processor.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Consumer;

import org.accrue.processor.Processor;
import org.accrue.processor.jobs.Jobs;
import org.accrue.reconciliation.pgp.PgpDecryption;
import org.accrue.reconciliation.pgp.PgpKeys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

final class DemoBackOffice {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration FAST_FORWARD = Duration.ofDays(31);

    private DemoBackOffice() {
    }

    static void run(Processor node, HttpClient http, String opsKey, String issuerKey, PgpKeys.Generated bankKey, char[] pass,
                    DemoAirline airline, Consumer<String> out) throws Exception {
        out.accept("Thirty-one days later (the demo moves the matcher's clock: clearing windows and return periods pass):");
        node.matcher().sweep(Instant.now().plus(FAST_FORWARD));
        long available = count(node, "select count(*) from reward where status = 'AVAILABLE'");
        long expired = count(node, "select count(*) from reward where status = 'EXPIRED'");
        out.accept(String.format("  %d rewards AVAILABLE, %d authorizations never cleared and EXPIRED", available, expired));
        out.accept("");
        out.accept("Scheduled jobs (clustered Quartz on the same MariaDB), each run asked for through the API:");
        for (String job : List.of("posting", "statement-file", "miles-accrual", "tiers")) {
            HttpResponse<String> r = send(http, node.httpPort(), "POST", "/jobs/" + job + "/runs", opsKey);
            String runId = JSON.readTree(r.body()).get("runId").asText();
            Jobs.Run run = node.jobs().await(runId, Duration.ofMinutes(2).toMillis());
            out.accept(String.format("  %-15s %-9s %s", job, run.status(), run.summary()));
        }
        var invoices = node.operations().invoicing().invoice(YearMonth.now(ZoneOffset.UTC));
        out.accept(String.format("  %-15s %-9s invoiced %d merchant(s) for %s (the scheduled run invoices the month before)",
                "merchant-invoicing", "SUCCEEDED", invoices.size(), YearMonth.now(ZoneOffset.UTC)));
        for (var inv : invoices) {
            for (var l : inv.lines()) {
                out.accept(String.format("      %-10s %-5s %-4s rewards %8d + commission %6d - clawbacks %6d = %8d", inv.merchantId(),
                        l.unitKind(), l.unit(), l.rewards(), l.commission(), l.clawbacks(), l.total()));
            }
        }

        out.accept("");
        JsonNode files = JSON.readTree(send(http, node.httpPort(), "GET", "/issuers/DEMOBANK/statement-files", issuerKey).body());
        if (!files.get("files").isEmpty()) {
            JsonNode f = files.get("files").get(0);
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort()
                    + "/api/v1/statement-files/" + f.get("fileId").asText())).header("Authorization", "Bearer " + issuerKey).build();
            byte[] encrypted = http.send(get, HttpResponse.BodyHandlers.ofByteArray()).body();
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            new PgpDecryption(PgpKeys.readSecretKeys(new ByteArrayInputStream(bankKey.armoredSecret())), pass)
                    .decryptAndVerify(new ByteArrayInputStream(encrypted), plain,
                            node.config().pgp().configured() ? ourPublic(node) : null);
            List<String> lines = plain.toString(StandardCharsets.UTF_8).lines().toList();
            out.accept("The statement credit file the issuer downloads (GET /api/v1/statement-files/{id}): " + f.get("fileName").asText());
            out.accept(String.format("  %,d bytes, OpenPGP encrypted to the bank's key and signed with ours; decrypted and verified "
                    + "with the bank's key it reads:", encrypted.length));
            for (int i = 0; i < lines.size(); i++) {
                if (i < 4 || i == lines.size() - 1) {
                    out.accept("    " + lines.get(i));
                } else if (i == 4) {
                    out.accept("    ... " + (lines.size() - 5) + " more lines ...");
                }
            }
        }

        out.accept("");
        out.accept(String.format("The airline (SKY) got %d accruals credited, %d answered 503 once and were retried with the same "
                        + "key, %d replays answered 200, %d member refusals (ACCOUNT_CLOSED: an exception for ops, the miles stay owed)",
                airline.created.get(), airline.unavailable.get(), airline.replays.get(), airline.refused.get()));
        long miles = count(node, "select coalesce(sum(miles), 0) from miles_accrual where status = 'POSTED' and reversal_no = 0");
        out.accept(String.format("  %,d miles posted to cardholders' frequent-flyer accounts", miles));

        String cardId = node.store().sessionFactory().fromSession(s -> (String) s.createNativeQuery(
                "select k.public_id from statement_credit c join card k on k.id = c.card_id group by k.public_id "
                        + "order by count(*) desc, k.public_id limit 1", Object.class).getSingleResult());
        String month = YearMonth.now(ZoneOffset.UTC).toString();
        JsonNode st = JSON.readTree(send(http, node.httpPort(), "GET", "/cards/" + cardId + "/statement?month=" + month,
                issuerKey).body());
        out.accept("");
        out.accept("What one cardholder sees on the " + month + " statement (GET /api/v1/cards/" + cardId + "/statement):");
        for (JsonNode l : st.get("lines")) {
            out.accept(String.format("    %-22s %10s %s", l.get("statementText").asText(),
                    org.accrue.rewards.money.Money.of(l.get("amount").get("minor").asLong(), l.get("amount").get("currency").asText()),
                    l.get("kind").asText().equals("DEBIT") ? "(debit: a refund after posting)" : ""));
        }
        out.accept("    totals: " + st.get("totals"));
    }

    private static org.bouncycastle.openpgp.PGPPublicKey ourPublic(Processor node) throws java.io.IOException {
        var ring = PgpKeys.readSecretKeys(new ByteArrayInputStream(node.config().pgp().secretKeyRing()));
        return ring.getKeyRings().next().getPublicKey();
    }

    private static long count(Processor node, String sql) {
        return node.store().sessionFactory().fromSession(s ->
                ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }

    private static HttpResponse<String> send(HttpClient http, int port, String method, String path, String key)
            throws java.io.IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1" + path))
                .header("Authorization", "Bearer " + key).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
