/*
 * The demo's win-back: Blue Bottle makes a 2.00 USD offer (activation
 * required) its win-back offer for cards with no visit in 90 days. Three demo
 * cards bought there once; the demo runs in minutes, so their first visits
 * are dated 120 days back in the store (the one liberty taken). The win-back
 * job (asked for through the API) enrolls them and raises offer.winback; one
 * comes back, and the campaign's figures are read back over the API.
 */
package org.accrue.processor.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.accrue.config.JobName;
import org.accrue.iso8583.Pans;
import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.Processor;
import org.accrue.rewards.money.Money;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

final class DemoWinBack {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter DE7 = DateTimeFormatter.ofPattern("MMddHHmmss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HHMMSS = DateTimeFormatter.ofPattern("HHmmss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MMDD = DateTimeFormatter.ofPattern("MMdd").withZone(ZoneOffset.UTC);
    private static final int LAPSED_CARDS = 3;
    private static final int AGE_DAYS = 120;
    private static final String OFFER = "{\"id\":\"blue-bottle-winback\",\"merchantId\":\"blue-bottle\",\"reward\":{\"type\":"
            + "\"FIXED\",\"amount\":{\"minor\":200,\"currency\":\"USD\"}},\"currency\":\"USD\",\"activationRequired\":true,"
            + "\"activationValidDays\":30,\"stacking\":\"STACKABLE\",\"startsAt\":\"2026-01-01T00:00:00Z\"}";

    private DemoWinBack() {
    }

    static void run(Processor node, HttpClient http, String adminKey, String opsKey, String issuerKey, Consumer<String> out)
            throws Exception {
        expect(call(http, node, "POST", "/offers", adminKey, OFFER), 201);
        String campaign = JSON.readTree(expect(call(http, node, "POST", "/winback-campaigns", adminKey,
                "{\"offerId\":\"blue-bottle-winback\",\"lapseDays\":90}"), 201)).get("campaignId").asText();
        Random r = new Random(17);
        List<String> pans = new ArrayList<>();
        List<Long> rows = new ArrayList<>();
        for (int i = 0; i < LAPSED_CARDS; i++) {
            StringBuilder pan = new StringBuilder("400000");
            while (pan.length() < 15) {
                pan.append(r.nextInt(10));
            }
            pans.add(Pans.withCheckDigit(pan.toString()));
            String cardId = JSON.readTree(expect(call(http, node, "POST", "/cards", issuerKey, "{\"pan\":\"" + pans.getLast()
                    + "\",\"accountRef\":\"DEMO-WINBACK-" + i + "\",\"lastName\":\"CARDHOLDER\"}"), 201)).get("cardId").asText();
            rows.add(node.enrollment().internalId(null, cardId).orElseThrow());
        }
        try (IssuerConnection issuer = new IssuerConnection("127.0.0.1", node.isoPort())) {
            for (int i = 0; i < LAPSED_CARDS; i++) {
                buy(issuer, pans.get(i), 850, i);
            }
            awaitMatched(node);
            age(node, rows);
            String runId = JSON.readTree(expect(call(http, node, "POST", "/jobs/" + JobName.WIN_BACK.id() + "/runs", opsKey,
                    null), 202)).get("runId").asText();
            var run = node.jobs().await(runId, Duration.ofMinutes(2).toMillis());
            buy(issuer, pans.getFirst(), 1240, LAPSED_CARDS);
            awaitMatched(node);
            JsonNode c = JSON.readTree(expect(call(http, node, "GET", "/winback-campaigns/" + campaign, opsKey, null), 200));
            long earned = 0;
            for (JsonNode t : c.get("rewards")) {
                if (!List.of("REVERSED", "REJECTED", "EXPIRED").contains(t.get("status").asText())) {
                    earned += t.at("/amount/minor").asLong();
                }
            }
            out.accept("Win-back (Blue Bottle, no visit in 90 days; the demo dates 3 cards' only visit " + AGE_DAYS
                    + " days back):");
            out.accept(String.format("  %-15s %-9s %s", JobName.WIN_BACK.id(), run.status(), run.summary()));
            out.accept(String.format("  win-back: %d lapsed cards enrolled at Blue Bottle Coffee, %d came back, spent %s, "
                    + "earned %s (GET /api/v1/winback-campaigns/%s)", c.get("cardsEnrolled").asLong(),
                    c.get("cardsCameBack").asLong(), Money.show(c.at("/spentAfterEnrollment/minor").asLong(), "USD"),
                    Money.show(earned, "USD"), campaign));
        }
    }

    private static void buy(IssuerConnection issuer, String pan, long amount, int n) {
        Instant now = Instant.now();
        Map<Integer, String> f = new TreeMap<>();
        f.put(2, pan);
        f.put(3, "000000");
        f.put(4, String.format("%012d", amount));
        f.put(7, DE7.format(now));
        f.put(11, String.format("%06d", 900_001 + n));
        f.put(12, HHMMSS.format(now));
        f.put(13, MMDD.format(now));
        f.put(18, "5814");
        f.put(22, "051");
        f.put(32, "12345678901");
        f.put(37, String.format("WINBACK%05d", n));
        f.put(38, String.format("WB%04d", n));
        f.put(41, "WINBACK1");
        f.put(42, "BBC000000000001");
        f.put(43, "BLUE BOTTLE COFFEE       OAKLAND      US");
        f.put(49, "840");
        String rc = issuer.send(WireMessage.of("0200", f)).orTimeout(30, TimeUnit.SECONDS).join().get(39);
        if (!"00".equals(rc)) {
            throw new IllegalStateException("demo win-back purchase answered " + rc);
        }
    }

    /** The demo's one liberty: these cards' purchases so far are dated AGE_DAYS back, as if they were months old. */
    private static void age(Processor node, List<Long> cards) {
        String in = String.join(",", cards.stream().map(String::valueOf).toList());
        node.store().sessionFactory().inTransaction(s -> {
            s.createNativeMutationQuery("update match_outcome set purchased_at = purchased_at - interval " + AGE_DAYS
                    + " day where card_id in (" + in + ")").executeUpdate();
            s.createNativeMutationQuery("update card_message set received_at = received_at - interval " + AGE_DAYS
                    + " day where card_id in (" + in + ")").executeUpdate();
        });
    }

    private static void awaitMatched(Processor node) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (node.matcher() != null && node.matcher().backlog() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50); // the matcher works off the acknowledgement path
        }
    }

    private static HttpResponse<String> call(HttpClient http, Processor node, String method, String path, String key,
                                             String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/api/v1" + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String expect(HttpResponse<String> r, int status) {
        if (r.statusCode() != status) {
            throw new IllegalStateException("demo win-back: " + r.request().uri().getPath() + " answered " + r.statusCode()
                    + ": " + r.body());
        }
        return r.body();
    }
}
