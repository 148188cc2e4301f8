/*
 * The demo's bonus offers (issue 17 items 4 and 7): an admin creates a punch card at Blue Bottle (every 5th coffee
 * pays 5.00, beside the merchant's exclusive 10%), a welcome bonus and a "spend 100, get 15" threshold at Greenleaf;
 * the issuer enrolls a new card; the card buys five coffees and two groceries as real ISO 8583 0200s over the
 * listener; the matcher counts them; what the card earned is read back through the cardholder API (progress from the
 * store) and printed.
 */
package org.accrue.processor.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.accrue.iso8583.Pans;
import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.Processor;
import org.accrue.rewards.money.Money;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

final class DemoBonuses {
    private static final String START = "\"startsAt\":\"2026-01-01T00:00:00Z\"";
    private static final String[] OFFERS = {
            "{\"id\":\"blue-bottle-5th-coffee\",\"merchantId\":\"blue-bottle\",\"reward\":{\"type\":\"PUNCH_CARD\",\"every\":5,"
                    + "\"amount\":{\"minor\":500,\"currency\":\"USD\"}},\"currency\":\"USD\"," + START + "}",
            "{\"id\":\"greenleaf-welcome\",\"merchantId\":\"greenleaf\",\"reward\":{\"type\":\"WELCOME\",\"amount\":{\"minor\":1000,"
                    + "\"currency\":\"USD\"},\"withinDays\":30},\"currency\":\"USD\",\"funding\":\"ISSUER\"," + START + "}",
            "{\"id\":\"greenleaf-spend-100\",\"merchantId\":\"greenleaf\",\"reward\":{\"type\":\"SPEND_THRESHOLD\","
                    + "\"threshold\":{\"minor\":10000,\"currency\":\"USD\"},\"amount\":{\"minor\":1500,\"currency\":\"USD\"},"
                    + "\"period\":\"MONTH\"},\"currency\":\"USD\"," + START + "}"};
    private static final long MATCH_WAIT_SECONDS = 60;
    private static final ObjectMapper JSON = new ObjectMapper();

    private DemoBonuses() {
    }

    static void run(Processor node, HttpClient http, String adminKey, String issuerKey, Consumer<String> say) throws Exception {
        for (String offer : OFFERS) {
            expect(send(http, node, "POST", "/offers", adminKey, offer), 201, "bonus offer");
        }
        String pan = Pans.withCheckDigit("400000" + String.format("%09d", new Random(17).nextInt(1_000_000_000)));
        HttpResponse<String> enrolled = send(http, node, "POST", "/cards", issuerKey, "{\"pan\":\"" + pan
                + "\",\"accountRef\":\"DEMO-BONUS-1\",\"lastName\":\"CARDHOLDER\"}");
        expect(enrolled, 201, "bonus card");
        String cardId = JSON.readTree(enrolled.body()).get("cardId").asText();
        try (IssuerConnection issuer = new IssuerConnection("127.0.0.1", node.isoPort())) {
            for (int i = 0; i < 5; i++) {
                purchase(issuer, pan, 450, "12345678901", "BBC000000000001", "BLUE BOTTLE COFFEE", "5814", i);
            }
            purchase(issuer, pan, 6000, "12345678901", "GLG000000000002", "GREENLEAF GROCERY", "5411", 5);
            purchase(issuer, pan, 5500, "12345678901", "GLG000000000002", "GREENLEAF GROCERY", "5411", 6);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MATCH_WAIT_SECONDS);
        while (node.matcher() != null && node.matcher().backlog() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100); // the matcher works off the acknowledgement path
        }
        Map<String, Long> earned = new TreeMap<>();
        JsonNode rewards = JSON.readTree(send(http, node, "GET", "/cards/" + cardId + "/rewards?limit=500", issuerKey, null).body());
        for (JsonNode r : rewards.path("rewards")) {
            if (!"REVERSED".equals(r.path("status").asText())) {
                earned.merge(r.path("offerId").asText(), r.path("amount").path("minor").asLong(), Long::sum);
            }
        }
        Map<String, JsonNode> progress = new TreeMap<>();
        JsonNode offers = JSON.readTree(send(http, node, "GET", "/cards/" + cardId + "/offers?limit=500", issuerKey, null).body());
        for (JsonNode o : offers.path("offers")) {
            progress.put(o.path("offerId").asText(), o.path("progress"));
        }
        JsonNode punch = progress.get("blue-bottle-5th-coffee");
        JsonNode spend = progress.get("greenleaf-spend-100");
        say.accept("Bonus offers, card " + cardId + " (5 coffees and 2 groceries as ISO 0200s; progress from GET /cards/{id}/offers):");
        say.accept(String.format("  punch card: %d/5 at BLUE BOTTLE -> %s earned, on top of blue-bottle-10pct's %s (%d completion)",
                punch == null ? 0 : punch.path("punches").asInt(), usd(earned.getOrDefault("blue-bottle-5th-coffee", 0L)),
                usd(earned.getOrDefault("blue-bottle-10pct", 0L)),
                punch == null ? 0 : punch.path("bonus").path("completions").asInt()));
        say.accept(String.format("  welcome: first purchase at GREENLEAF -> %s earned", usd(earned.getOrDefault("greenleaf-welcome", 0L))));
        say.accept(String.format("  threshold: %s of %s spent at GREENLEAF this month -> %s earned",
                spend == null ? "?" : usd(spend.path("bonus").path("spendInPeriod").path("minor").asLong()),
                spend == null ? "?" : usd(spend.path("bonus").path("threshold").path("minor").asLong()),
                usd(earned.getOrDefault("greenleaf-spend-100", 0L))));
    }

    private static String usd(long minor) {
        return Money.of(minor, "USD").toString();
    }

    /** A cleared purchase (0200) at the merchant, now, local time taken as UTC. */
    private static void purchase(IssuerConnection issuer, String pan, long amountMinor, String acquirer, String mid,
                                 String name, String mcc, int n) {
        LocalDateTime now = LocalDateTime.ofInstant(Instant.now(), ZoneOffset.UTC);
        String stan = String.format("%06d", 900_000 + n);
        Map<Integer, String> f = new TreeMap<>();
        f.put(2, pan);
        f.put(3, "000000");
        f.put(4, String.format("%012d", amountMinor));
        f.put(7, now.format(DateTimeFormatter.ofPattern("MMddHHmmss")));
        f.put(11, stan);
        f.put(12, now.format(DateTimeFormatter.ofPattern("HHmmss")));
        f.put(13, now.format(DateTimeFormatter.ofPattern("MMdd")));
        f.put(18, mcc);
        f.put(22, "051");
        f.put(32, acquirer);
        f.put(37, "BONUS" + stan + "X");
        f.put(38, "B" + stan.substring(1));
        f.put(41, "TERM0001");
        f.put(42, mid);
        f.put(43, String.format("%-25s%-13s%-2s", name, "OAKLAND", "US"));
        f.put(49, "840");
        String answer = issuer.send(WireMessage.of("0200", f)).orTimeout(30, TimeUnit.SECONDS).join().get(39);
        if (!"00".equals(answer)) {
            throw new IllegalStateException("a bonus demo purchase was answered " + answer);
        }
    }

    private static HttpResponse<String> send(HttpClient http, Processor node, String method, String path, String key, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/api/v1" + path))
                .header("Authorization", "Bearer " + key);
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void expect(HttpResponse<String> r, int status, String what) {
        if (r.statusCode() != status) {
            throw new IllegalStateException(what + ": answered " + r.statusCode() + ": " + r.body());
        }
    }
}
