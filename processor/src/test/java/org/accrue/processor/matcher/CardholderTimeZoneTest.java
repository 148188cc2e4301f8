package org.accrue.processor.matcher;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_B;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The cardholder view's "today" is the card's issuer's (accrue.issuer.<ID>.time-zone): an offer's progress in its
 * DAY period counts the purchase made on that day of the issuer's calendar. The two issuers are 25 hours apart
 * (UTC+14 and UTC-11), so their days are never one and the same, and UTC's day is never both: on UTC at least one of
 * the two cards would show nothing.
 */
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.issuer.BANK_A.time-zone=Pacific/Kiritimati",
        "accrue.issuer.BANK_B.time-zone=Pacific/Pago_Pago"})
class CardholderTimeZoneTest extends RewardMatcherFixture {
    private static final ZoneId KIRITIMATI = ZoneId.of("Pacific/Kiritimati");
    private static final ZoneId PAGO_PAGO = ZoneId.of("Pacific/Pago_Pago");
    private static final String OFFER = """
            {"offers":[{"id":"tz-daily","merchantId":"blue-bottle","reward":{"type":"FIXED","amount":{"minor":300,"currency":"USD"}},
                        "currency":"USD","maxRedemptionsPerCard":5,"period":"DAY","stacking":"STACKABLE",
                        "startsAt":"2026-01-01T00:00:00Z"}]}""";

    private static String mmdd(LocalDate d) {
        return String.format("%02d%02d", d.getMonthValue(), d.getDayOfMonth());
    }

    /** The offer's redemptions in its period as the card's issuer sees the card's offers. */
    private static int redemptionsToday(Api api, String card, String key) {
        Api.Response r = api.get("/cards/" + card + "/offers?limit=500", key);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        for (JsonNode o : r.json().get("offers")) {
            if (o.get("offerId").asText().equals("tz-daily")) {
                return o.get("progress").get("redemptionsInPeriod").asInt();
            }
        }
        throw new AssertionError("tz-daily not listed: " + r.body());
    }

    @Test
    void anOffersProgressCountsThePurchaseOfTodayOnTheCardsIssuersCalendar() throws Exception {
        if (node.processor().catalog().offer("tz-daily").isEmpty()) {
            Path f = node.dataDir().resolve("tz-offer.json");
            Files.writeString(f, OFFER);
            node.processor().catalog().importFile(f);
        }
        Api api = new Api(node.processor().httpPort());
        String panB = org.accrue.iso8583.Pans.withCheckDigit("520082" + String.format("%09d", System.nanoTime() % 1_000_000_000L));
        String cardB = api.enroll(KEY_ISSUER_B, panB, "ACC-B");
        LocalDate dayA = LocalDate.now(KIRITIMATI);
        LocalDate dayB = LocalDate.now(PAGO_PAGO);
        send(purchase("0200", pan, 2000, "TZA000000001", "TZA001").with(13, mmdd(dayA)));
        send(purchase("0200", panB, 2000, "TZB000000001", "TZB001").with(13, mmdd(dayB)));
        drain();

        int a = redemptionsToday(api, cardId, KEY_ISSUER_A);
        int b = redemptionsToday(api, cardB, KEY_ISSUER_B);

        // Only if an issuer's midnight passed during these few seconds may its card show the day after, with nothing.
        assertThat(a).as("BANK_A's card on Kiritimati's %s", dayA).isEqualTo(LocalDate.now(KIRITIMATI).equals(dayA) ? 1 : a);
        assertThat(b).as("BANK_B's card on Pago Pago's %s", dayB).isEqualTo(LocalDate.now(PAGO_PAGO).equals(dayB) ? 1 : b);
        assertThat(a + b).as("on UTC's day one of them would show nothing").isGreaterThanOrEqualTo(
                LocalDate.now(KIRITIMATI).equals(dayA) && LocalDate.now(PAGO_PAGO).equals(dayB) ? 2 : 0);
    }
}
