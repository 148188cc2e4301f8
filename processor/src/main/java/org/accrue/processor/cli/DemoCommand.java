/*
 * `accrue demo`: a whole processor on a fresh embedded MariaDB under
 * data/demo, demo cards enrolled through the HTTP API and a bulk file, the
 * issuer simulator driving a realistic stream (with deliberate mistakes),
 * and a summary a newcomer reads at a glance.
 */
package org.accrue.processor.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

import org.accrue.processor.ids.Ids;
import org.accrue.config.AccrueConfig;
import org.accrue.config.Settings;
import org.accrue.iso8583.Pans;
import org.accrue.iso8583.simulator.IssuerSimulator;
import org.accrue.iso8583.simulator.SimulationReport;
import org.accrue.processor.Processor;
import org.accrue.processor.cards.BulkEnrollment;
import org.accrue.processor.http.ApiKeys;
import org.accrue.processor.intake.IntakeStats;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", description = "Start a processor on an embedded MariaDB, drive a realistic issuer stream through it, and print what happened.")
final class DemoCommand implements Callable<Integer> {
    private static final String ISSUER = "DEMOBANK";

    @Option(names = "--purchases", defaultValue = "600") int purchases;
    @Option(names = "--connections", defaultValue = "4") int connections;
    @Option(names = "--cards", defaultValue = "40") int cards;
    @Option(names = "--data-dir", defaultValue = "data/demo") Path dataDir;
    @Option(names = "--keep-running", description = "leave the node up after the stream (Ctrl-C stops)") boolean keepRunning;

    @Override
    public Integer call() throws Exception {
        deleteTree(dataDir);
        String issuerKey = Ids.secret("demo");
        String opsKey = Ids.secret("demo_ops");
        String adminKey = Ids.secret("demo_admin");
        Map<String, String> v = new HashMap<>();
        v.put("accrue.data-dir", dataDir.toString());
        v.put("accrue.iso.port", "0");
        v.put("accrue.http.port", "0");
        v.put("accrue.http.bind-address", "127.0.0.1");
        v.put("accrue.log.level", "WARN");
        v.put("accrue.pan.key.1", "base64:" + Base64.getEncoder().encodeToString(random(32)));
        v.put("accrue.issuer." + ISSUER + ".name", "Demo Bank");
        v.put("accrue.api-key.demo-issuer.sha256", ApiKeys.sha256Hex(issuerKey));
        v.put("accrue.api-key.demo-issuer.role", "issuer");
        v.put("accrue.api-key.demo-issuer.issuer", ISSUER);
        v.put("accrue.api-key.demo-ops.sha256", ApiKeys.sha256Hex(opsKey));
        v.put("accrue.api-key.demo-ops.role", "ops");
        v.put("accrue.api-key.demo-admin.sha256", ApiKeys.sha256Hex(adminKey));
        v.put("accrue.api-key.demo-admin.role", "admin");
        // The back office: the scheduler runs the jobs when the demo asks (no cron fires during a demo), the
        // issuer gets OpenPGP files, miles go to a stand-in airline, bank points and tiers are configured.
        v.put("accrue.jobs.instance-id", "demo-node");
        for (org.accrue.config.JobName job : org.accrue.config.JobName.values()) {
            v.put("accrue.jobs.schedule." + job.id(), "-");
        }
        char[] demoPass = "demo passphrase".toCharArray();
        org.accrue.reconciliation.pgp.PgpKeys.Generated ourKey = org.accrue.reconciliation.pgp.PgpKeys.generate(
                "accrue-demo", demoPass, 2048);
        org.accrue.reconciliation.pgp.PgpKeys.Generated bankKey = org.accrue.reconciliation.pgp.PgpKeys.generate(
                "demo-bank", demoPass, 2048);
        Files.createDirectories(dataDir);
        Path bankPublic = dataDir.resolve("demo-bank-public.asc");
        Files.write(bankPublic, bankKey.armoredPublic());
        v.put("accrue.issuer." + ISSUER + ".pgp-public-key", bankPublic.toString());
        v.put("accrue.pgp.secret-key", "base64:" + Base64.getEncoder().encodeToString(ourKey.armoredSecret()));
        v.put("accrue.pgp.passphrase", "base64:" + Base64.getEncoder().encodeToString("demo passphrase".getBytes()));
        DemoAirline airline = new DemoAirline();
        v.put("accrue.airline.SKY.base-url", "http://127.0.0.1:" + airline.port());
        v.put("accrue.airline.SKY.api-key", "base64:" + Base64.getEncoder().encodeToString(
                Ids.secret("sky").getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        v.put("accrue.airline.SKY.backoff-initial-ms", "50");
        v.put("accrue.airline.SKY.miles-per-1000-points", "500");
        v.put("accrue.points.BANKPTS.currency", "USD");
        v.put("accrue.points.BANKPTS.cash-minor-per-1000-points", "1000");
        v.put("accrue.rewards.tiers", "SILVER=20000,GOLD=100000");
        // The issuer's webhook receiver is a local demo one, on plain http to 127.0.0.1.
        v.put("accrue.webhooks.allow-local-http", "true");
        v.put("accrue.webhooks.poll-ms", "100");
        DemoWebhookReceiver receiver = new DemoWebhookReceiver();
        AccrueConfig config = AccrueConfig.from(Settings.of(v));
        AccrueCli.applyLogLevel(config.logLevel());

        say("Starting an Accrue node on an embedded MariaDB under " + dataDir + " ...");
        long t0 = System.nanoTime();
        try (airline; receiver; Processor node = Processor.builder(config).start()) {
            say(String.format("  up in %.1f s: ISO 8583 on port %d, HTTP API on http://127.0.0.1:%d/api/v1",
                    (System.nanoTime() - t0) / 1e9, node.isoPort(), node.httpPort()));

            HttpClient http = HttpClient.newHttpClient();
            int offers = 0;
            for (String merchant : DemoCatalog.MERCHANTS) {
                expect(post(http, node.httpPort(), "/merchants", adminKey, merchant), 201, "merchant");
            }
            DemoPartners.create(http, node.httpPort(), adminKey);
            for (String offer : DemoCatalog.OFFERS) {
                expect(post(http, node.httpPort(), "/offers", adminKey, offer), 201, "offer");
                offers++;
            }
            say("Catalog: " + DemoCatalog.MERCHANTS.size() + " merchants and " + offers
                    + " offers created through POST /api/v1/merchants and /offers (admin key)");
            HttpResponse<String> hook = post(http, node.httpPort(), "/webhooks", issuerKey, "{\"url\":\"" + receiver.url()
                    + "\",\"events\":[" + String.join(",", java.util.Arrays.stream(
                            org.accrue.processor.webhooks.EventType.values()).map(t -> "\"" + t.wire() + "\"").toList())
                    + "],\"description\":\"demo receiver\"}");
            expect(hook, 201, "webhook endpoint");
            receiver.secret(new com.fasterxml.jackson.databind.ObjectMapper().readTree(hook.body()).get("secret").asText());
            say("Webhooks: the issuer registered " + receiver.url() + " for every event type (POST /api/v1/webhooks)");
            DemoCoalition.setUp(http, node.httpPort(), adminKey, ISSUER, DemoCommand::say);
            DemoTiers.program(http, node.httpPort(), ISSUER, adminKey, DemoCommand::say);

            Random r = new Random(7);
            List<String> enrolled = new ArrayList<>();
            for (int i = 0; i < cards; i++) {
                enrolled.add(demoPan(r, i % 3 == 0 ? "400000" : i % 3 == 1 ? "520082" : "601100"));
            }
            List<String> notEnrolled = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                notEnrolled.add(demoPan(r, "411111"));
            }
            int viaApi = enrolled.size() * 3 / 4;
            for (int i = 0; i < viaApi; i++) {
                String body = "{\"pan\":\"" + enrolled.get(i) + "\",\"accountRef\":\"DEMO-ACCT-" + (1000 + i)
                        + "\",\"lastName\":\"CARDHOLDER\",\"airline\":{\"program\":\"SKY\",\"memberNumber\":\"SK"
                        + (200000 + i) + "\"}}";
                HttpResponse<String> resp = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + node.httpPort() + "/api/v1/cards"))
                        .header("Authorization", "Bearer " + issuerKey).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (resp.statusCode() != 201) {
                    say("  enrollment answered " + resp.statusCode() + ": " + resp.body());
                    return 1;
                }
            }
            Path bulk = dataDir.resolve("demo-enrollment.txt");
            List<String> lines = new ArrayList<>(List.of("pan|accountRef|lastName|airlineProgram|memberNumber"));
            for (int i = viaApi; i < enrolled.size(); i++) {
                lines.add(enrolled.get(i) + "|DEMO-ACCT-" + (1000 + i) + "|CARDHOLDER|SKY|SK" + (100000 + i));
            }
            lines.add("4111111111111112|DEMO-BAD|CARDHOLDER||"); // fails its check digit: rejected by line, never echoed
            Files.write(bulk, lines);
            BulkEnrollment.Report bulkReport = BulkEnrollment.run(bulk, ISSUER, node.enrollment());
            Files.delete(bulk); // the demo file held PANs; nothing with a PAN stays on disk
            say(String.format("Enrolled %d demo cards: %d through POST /api/v1/cards, bulk file: %s",
                    viaApi + bulkReport.enrolled(), viaApi, bulkReport.describe().replace("\n", "\n    ")));

            say("Driving the issuer simulator: " + purchases + " purchases over " + connections
                    + " connections (auths, clearings, refunds, reversals, repeats, deliberate mistakes) ...");
            SimulationReport report = IssuerSimulator.run(IssuerSimulator.Options.of("127.0.0.1", node.isoPort(), enrolled)
                    .withConnections(connections).withInFlight(4).withPurchases(purchases).withOtherPans(notEnrolled)
                    .withBadMessages(true));
            IntakeStats.Snapshot s = node.stats().snapshot();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (node.matcher() != null && node.matcher().backlog() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(100); // the matcher works off the acknowledgement path; give it a moment to catch up
            }
            long rows = node.store().sessionFactory().fromSession(x ->
                    ((Number) x.createNativeQuery("select count(*) from card_message", Object.class).getSingleResult()).longValue());
            long exceptions = node.store().sessionFactory().fromSession(x ->
                    ((Number) x.createNativeQuery("select count(*) from processing_exception where type = 'MESSAGE_CONFLICT'", Object.class).getSingleResult()).longValue());

            say("");
            say("What the issuer saw (simulator):");
            say("  " + report.describe().strip().replace("\n", "\n  "));
            say("");
            say("What the processor did:");
            say(String.format("  received      %7d  messages on the ISO 8583 listener", s.received()));
            say(String.format("  stored        %7d  durably, before their 00 went out (%d rows in card_message)", s.stored(), rows));
            say(String.format("  duplicates    %7d  answered exactly as the first time, nothing changed", s.duplicates()));
            say(String.format("  not enrolled  %7d  acknowledged 00 and counted, not stored", s.notEnrolled()));
            say(String.format("  conflicts     %7d  answered 94, kept for ops (%d open exceptions)", s.conflicts(), exceptions));
            say(String.format("  group commits %7d  (%.1f messages per transaction)", s.batches(),
                    s.batches() == 0 ? 0.0 : (double) s.stored() / s.batches()));
            say("  answers by DE39: " + describeCodes(s.byResponseCode()));
            say("");
            say("");
            say("Rewards earned (matched after the acknowledgements, from the journal's outbox):");
            DemoCatalog.printRewards(node, DemoCommand::say);
            say("");
            DemoTiers.report(node, DemoCommand::say);
            DemoBackOffice.run(node, http, opsKey, issuerKey, bankKey, demoPass, airline, DemoCommand::say);
            say("");
            DemoCoalition.redeemAndSettle(node, http, issuerKey, opsKey, ISSUER, DemoCommand::say);
            say("");
            DemoBonuses.run(node, http, adminKey, issuerKey, DemoCommand::say);
            say("");
            DemoWinBack.run(node, http, adminKey, opsKey, issuerKey, DemoCommand::say);
            DemoPartners.invoice(node, DemoCommand::say);
            say("");
            String pageCard = node.enrollment().list(ISSUER, 0, 1).getFirst().cardId();
            HttpResponse<String> pageLink = post(http, node.httpPort(), "/cards/" + pageCard + "/page-link", issuerKey, "");
            expect(pageLink, 201, "cardholder page link");
            say("The cardholder page of card " + pageCard + " (POST /api/v1/cards/{id}/page-link: signed, valid 7 days):\n  "
                    + new com.fasterxml.jackson.databind.ObjectMapper().readTree(pageLink.body()).get("url").asText());
            say("");
            long hooksDeadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (pendingWebhooks(node) > 0 && System.nanoTime() < hooksDeadline) {
                Thread.sleep(100); // the dispatcher sends after each commit; let it finish before the summary
            }
            say("Webhooks delivered to the issuer's receiver (" + receiver.url() + "), every signature checked:");
            say(String.format("  %d events, %d repeats, %d bad signatures, %d still pending", receiver.received(),
                    receiver.repeats.get(), receiver.badSignatures.get(), pendingWebhooks(node)));
            receiver.byType().forEach((type, n) -> say(String.format("  %-20s %6d", type, n)));
            say("");
            say("No PAN was stored: cards are kept as an HMAC token and their last four digits; files carry the");
            say("issuer's account reference and the last four digits only.");
            if (keepRunning) {
                say("The node stays up. The ops console: http://127.0.0.1:" + node.httpPort() + "/console (ops key "
                        + opsKey + "). Try:\n  curl -s -H 'Authorization: Bearer " + opsKey + "' http://127.0.0.1:"
                        + node.httpPort() + "/api/v1/exceptions\n  ./accrue simulate --port " + node.isoPort()
                        + " --pans-file FILE\nCtrl-C stops it.");
                new java.util.concurrent.CountDownLatch(1).await();
            }
            return report.allAsExpected() ? 0 : 1;
        }
    }

    private static long pendingWebhooks(Processor node) {
        return node.store().sessionFactory().fromSession(x -> ((Number) x.createNativeQuery(
                "select count(*) from webhook_delivery where status = 'PENDING'", Object.class).getSingleResult()).longValue());
    }

    static HttpResponse<String> post(HttpClient http, int port, String path, String key, String body)
            throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1" + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void expect(HttpResponse<String> r, int status, String what) {
        if (r.statusCode() != status) {
            throw new IllegalStateException("demo " + what + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    private static String describeCodes(Map<String, Long> codes) {
        Map<String, String> names = Map.of("00", "recorded", "12", "unsupported", "30", "format error",
                "94", "conflict", "96", "store unavailable");
        StringBuilder b = new StringBuilder();
        codes.forEach((k, n) -> {
            if (n > 0) {
                b.append(b.isEmpty() ? "" : ", ").append(k).append(' ').append(names.getOrDefault(k, "?")).append(" = ").append(n);
            }
        });
        return b.toString();
    }

    private static String demoPan(Random r, String bin) {
        StringBuilder b = new StringBuilder(bin);
        while (b.length() < 15) {
            b.append(r.nextInt(10));
        }
        return Pans.withCheckDigit(b.toString());
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    static void say(String s) {
        System.out.println(s);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
