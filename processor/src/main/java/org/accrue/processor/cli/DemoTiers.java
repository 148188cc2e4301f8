/*
 * The demo's tier upgrade (issue 17 item 3): before the stream, the demo bank's own tier program (cleared spend in
 * USD over the calendar year, 90 days' grace) is set through PUT /api/v1/issuers/{id}/tier-program; the matcher
 * upgrades cards as their purchases clear; after it, one card's upgrade as the tier.changed event told it, and how
 * many cards are in each tier (GET /api/v1/cards/{id}/tier reads the same state).
 */
package org.accrue.processor.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Year;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import org.accrue.processor.Processor;
import org.accrue.rewards.money.Money;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

final class DemoTiers {
    static final String PROGRAM = """
            {"name":"Demo Bank Club","measure":"SPEND","currency":"USD","window":"CALENDAR_YEAR","graceDays":90,
             "tiers":[{"tier":"SILVER","threshold":20000},{"tier":"GOLD","threshold":100000}]}""";

    private DemoTiers() {
    }

    /** Sets the issuer's tier program (admin key); says so. */
    static void program(HttpClient http, int port, String issuer, String adminKey, Consumer<String> say) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/issuers/"
                        + issuer + "/tier-program")).header("Authorization", "Bearer " + adminKey)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(PROGRAM)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("tier program answered " + r.statusCode() + ": " + r.body());
        }
        say.accept("Tiers: " + issuer + " runs \"Demo Bank Club\" (PUT /api/v1/issuers/" + issuer + "/tier-program): SILVER "
                + "from 200.00 USD, GOLD from 1,000.00 USD of cleared spend in the calendar year, 90 days' grace");
    }

    /** One card's upgrade to the top tier reached, from its tier.changed event, and the cards per tier. */
    static void report(Processor node, Consumer<String> say) throws Exception {
        record Change(long card, String body) {
        }
        List<Change> changes = new java.util.ArrayList<>();
        Map<String, Integer> perTier = new TreeMap<>();
        try (java.sql.Connection c = node.store().dataSource().getConnection();
             java.sql.Statement st = c.createStatement()) {
            try (java.sql.ResultSet rs = st.executeQuery("select card_id, body from webhook_event where type = 'tier.changed' order by seq")) {
                while (rs.next()) {
                    changes.add(new Change(rs.getLong(1), rs.getString(2)));
                }
            }
            try (java.sql.ResultSet rs = st.executeQuery("select coalesce(tier, '-') t, count(*) from card_tier group by t")) {
                while (rs.next()) {
                    perTier.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode best = null;
        long bestCard = 0;
        for (Change c : changes) {
            JsonNode d = json.readTree(c.body());
            if (best == null || "GOLD".equals(d.path("to").asText()) && !"GOLD".equals(best.path("to").asText())
                    || "SILVER".equals(d.path("from").asText()) && "GOLD".equals(d.path("to").asText())) {
                best = d;
                bestCard = c.card();
            }
        }
        if (best == null) {
            say.accept("tier: no card changed tier in this stream (" + perTier + ")");
            return;
        }
        long card = bestCard;
        String publicId = node.store().sessionFactory().fromSession(s -> s.createNativeQuery(
                "select public_id from card where id = ?1", String.class).setParameter(1, card).getSingleResult());
        String from = best.path("from").isNull() ? "no tier" : best.path("from").asText();
        say.accept("tier: card " + publicId + " " + from + " -> " + best.path("to").asText() + " after "
                + Money.of(best.path("progress").asLong(), "USD") + " in " + Year.now(ZoneOffset.UTC)
                + " (tier.changed sent; " + changes.size() + " tier changes in all; cards per tier " + perTier + ")");
    }
}
