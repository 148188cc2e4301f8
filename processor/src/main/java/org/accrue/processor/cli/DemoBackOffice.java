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
import java.time.InstantSource;
import java.util.List;
import java.util.function.Consumer;

import org.accrue.config.JobName;
import org.accrue.processor.Processor;
import org.accrue.processor.jobs.Jobs;
import org.accrue.processor.statements.StatementCredits;
import org.accrue.processor.store.Sql;
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
        var book = node.rewardBook();
        long available = book.count(org.accrue.rewards.ledger.Reward.Status.AVAILABLE);
        long expired = book.count(org.accrue.rewards.ledger.Reward.Status.EXPIRED);
        out.accept(String.format("  %d rewards AVAILABLE, %d authorizations never cleared and EXPIRED", available, expired));
        out.accept("");
        out.accept("Scheduled jobs (clustered Quartz on the same MariaDB), each run asked for through the API:");
        for (JobName job : List.of(JobName.POSTING, JobName.STATEMENT_FILE, JobName.MILES_ACCRUAL, JobName.TIERS)) {
            HttpResponse<String> r = send(http, node.httpPort(), "POST", "/jobs/" + job.id() + "/runs", opsKey);
            String runId = JSON.readTree(r.body()).get("runId").asText();
            Jobs.Run run = node.jobs().await(runId, Duration.ofMinutes(2).toMillis());
            out.accept(String.format("  %-15s %-9s %s", job, run.status(), run.summary()));
        }
        var invoices = node.operations().invoicing().invoice(YearMonth.now(ZoneOffset.UTC));
        out.accept(String.format("  %-15s %-9s invoiced %d merchant(s) for %s (the scheduled run invoices the month before)",
                JobName.MERCHANT_INVOICING.id(), "SUCCEEDED", invoices.size(), YearMonth.now(ZoneOffset.UTC)));
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

        confirm(node, http, issuerKey, opsKey, bankKey, pass, out);
    }

    /**
     * The bank answers with a confirmation file (encrypted to us, signed by the bank) that posts every credit but
     * three: one posted with another amount, one rejected, one left out. Reconciliation (with the clock moved past
     * the bank's confirmation window) turns them into exceptions for ops.
     */
    private static void confirm(Processor node, HttpClient http, String issuerKey, String opsKey, PgpKeys.Generated bankKey,
                                char[] pass, Consumer<String> out) throws Exception {
        List<StatementCredits.Filed> credits = Sql.inTransaction(node.store().dataSource(),
                c -> StatementCredits.filed(c, "DEMOBANK", 10_000));
        if (credits.size() < 4) {
            return;
        }
        StringBuilder f = new StringBuilder("H|STMTCONF|DEMOBANK|CONF_DEMOBANK_1|" + Instant.now().truncatedTo(
                java.time.temporal.ChronoUnit.SECONDS) + "|" + credits.getFirst().fileId() + "\n");
        long sum = 0;
        int lines = 0;
        for (int i = 0; i < credits.size(); i++) {
            StatementCredits.Filed c = credits.get(i);
            long amount = c.amount();
            String line;
            if (i == 0) {
                continue; // never confirmed: MISSING once the window has passed
            } else if (i == 1) {
                amount -= 1; // posted one cent short: AMOUNT_MISMATCH
                line = "D|" + c.creditId() + "|" + c.accountRef() + "|" + amount + "|" + c.currency() + "|POSTED|-|"
                        + java.time.LocalDate.now();
            } else if (i == 2) {
                line = "D|" + c.creditId() + "|" + c.accountRef() + "|" + amount + "|" + c.currency() + "|REJECTED|ACCOUNT_CLOSED|-";
            } else {
                line = "D|" + c.creditId() + "|" + c.accountRef() + "|" + amount + "|" + c.currency() + "|POSTED|-|"
                        + java.time.LocalDate.now();
            }
            f.append(line).append('\n');
            sum += amount;
            lines++;
        }
        f.append("T|").append(lines).append('|').append(sum).append('\n');
        ByteArrayOutputStream encrypted = new ByteArrayOutputStream();
        try (var w = new org.accrue.reconciliation.pgp.PgpEncryption(ourPublicRing(node),
                PgpKeys.readSecretKeys(new ByteArrayInputStream(bankKey.armoredSecret())), pass).open(encrypted, "conf.txt", true)) {
            w.write(f.toString().getBytes(StandardCharsets.UTF_8));
        }
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort()
                        + "/api/v1/issuers/DEMOBANK/confirmation-files")).header("Authorization", "Bearer " + issuerKey)
                .header("X-File-Name", "STMTCONF_DEMOBANK_" + java.time.LocalDate.now().toString().replace("-", "") + "_001.txt.pgp")
                .POST(HttpRequest.BodyPublishers.ofByteArray(encrypted.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        // 202: stored; applied off the request. The demo polls the Location it was given until the import ends.
        String importId = JSON.readTree(r.body()).get("importId").asText();
        String location = r.headers().firstValue("Location").orElseThrow().substring("/api/v1".length());
        JsonNode imp;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        do {
            Thread.sleep(50); // a poll's pace, not a wait for something to happen
            imp = JSON.readTree(send(http, node.httpPort(), "GET", location, issuerKey).body());
        } while (org.accrue.processor.confirmations.ConfirmationImports.Status.valueOf(imp.get("status").asText()).pending()
                && System.nanoTime() < deadline);
        out.accept("");
        out.accept("The bank's confirmation file (OpenPGP, signed by the bank) uploaded to POST /api/v1/issuers/DEMOBANK/"
                + "confirmation-files:");
        out.accept("  import " + importId + ": " + imp.get("status").asText() + ", " + imp.get("lines").asLong()
                + " lines, outcomes " + imp.get("outcomes").asText());
        var later = new org.accrue.processor.confirmations.Reconciliation(node.store().dataSource(),
                InstantSource.offset(java.time.Clock.systemUTC(), Duration.ofDays(4)), node.config().issuers(),
                node.operations().imports());
        out.accept("  four days later the reconciliation job finds credits never confirmed: MISSING " + later.raiseMissing());
        JsonNode queue = JSON.readTree(send(http, node.httpPort(), "GET", "/exceptions?status=OPEN&limit=500", opsKey).body());
        java.util.Map<String, Integer> byType = new java.util.TreeMap<>();
        for (JsonNode e : queue.get("exceptions")) {
            byType.merge(e.get("type").asText(), 1, Integer::sum);
        }
        out.accept("");
        out.accept("The exceptions queue ops work through (GET /api/v1/exceptions): " + byType);
        for (JsonNode e : queue.get("exceptions")) {
            if (e.get("type").asText().startsWith("RECON_")) {
                out.accept(String.format("  #%-4d %-22s %-10s %s", e.get("id").asLong(), e.get("type").asText(),
                        e.path("card").asText(""), e.get("detail").asText()));
            }
        }
        out.accept("  The ops console shows them with their age and resolves them (RESEND, WRITE_OFF, ACCEPT_ISSUER_AMOUNT,");
        out.accept("  CLAWBACK): http://127.0.0.1:" + node.httpPort() + "/console (sign in with the demo's ops key; run");
        out.accept("  ./accrue demo --keep-running to keep the node up and try it).");
    }

    private static org.bouncycastle.openpgp.PGPPublicKey ourPublicRing(Processor node) throws java.io.IOException {
        var ring = PgpKeys.readSecretKeys(new ByteArrayInputStream(node.config().pgp().secretKeyRing()));
        List<org.bouncycastle.openpgp.PGPPublicKey> keys = new java.util.ArrayList<>();
        ring.getKeyRings().next().getPublicKeys().forEachRemaining(keys::add);
        return PgpKeys.encryptionKey(new org.bouncycastle.openpgp.PGPPublicKeyRing(keys));
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
