/*
 * The demo's coalition (issue 17 item 6): before the purchases, the demo bank gets a points program of its own for
 * a fuel chain, FUELPTS (10 points per USD on every purchase of its cards), and a coalition ROADEATS of FUELCO
 * (whose FUELPTS are worth 10.00 USD per 1,000 elsewhere) and FOODGO, a food-delivery partner; the simulator's
 * purchases then earn FUELPTS through the matcher. After the back office, the card with the most FUELPTS redeems
 * 1,200 of them at FOODGO, ops settle the month, and the settlement says who owes whom, read back from the store.
 */
package org.accrue.processor.cli;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.function.Consumer;

import org.accrue.processor.Processor;
import org.accrue.processor.points.Points;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

final class DemoCoalition {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PROGRAM = "FUELPTS";
    static final long REDEEM_POINTS = 1_200;

    private DemoCoalition() {
    }

    /** The program and the coalition, through the admin API. */
    static void setUp(HttpClient http, int port, String adminKey, String issuer, Consumer<String> out) throws Exception {
        DemoCommand.expect(DemoCommand.post(http, port, "/points-programs", adminKey, "{\"program\":\"" + PROGRAM
                + "\",\"issuerId\":\"" + issuer + "\",\"name\":\"FuelCo Miles\",\"currency\":\"USD\",\"pointsPerUnit\":10,"
                + "\"cashPer1000Points\":{\"minor\":1000,\"currency\":\"USD\"},\"expiry\":{\"rule\":\"END_OF_YEAR\","
                + "\"count\":1},\"minRedemption\":100,\"warningDays\":30}"), 201, "points program");
        DemoCommand.expect(DemoCommand.post(http, port, "/coalitions", adminKey, "{\"coalitionId\":\"ROADEATS\","
                + "\"name\":\"Road & Eats\",\"currency\":\"USD\",\"members\":[{\"memberId\":\"FUELCO\",\"program\":\""
                + PROGRAM + "\",\"cashPer1000Points\":{\"minor\":1000,\"currency\":\"USD\"}},{\"memberId\":\"FOODGO\"}]}"),
                201, "coalition");
        out.accept("Points: " + issuer + " runs " + PROGRAM + " (10 per USD, to the end of next year); coalition ROADEATS "
                + "of FUELCO (its " + PROGRAM + ", 10.00 USD per 1,000 elsewhere) and FOODGO (POST /points-programs, /coalitions)");
    }

    /** The richest card redeems at FOODGO; ops settle this month; the settlement as stored. */
    static void redeemAndSettle(Processor node, HttpClient http, String issuerKey, String opsKey, String issuer,
                                Consumer<String> out) throws Exception {
        Points points = node.operations().points();
        String best = null;
        long most = 0;
        for (var card : node.enrollment().list(issuer, 0, 500)) {
            long id = node.enrollment().internalId(issuer, card.cardId()).orElseThrow();
            for (Points.Balance b : points.balances(id)) {
                if (b.program().equals(PROGRAM) && b.available() > most) {
                    most = b.available();
                    best = card.cardId();
                }
            }
        }
        if (most < REDEEM_POINTS) {
            out.accept("Coalition: no card earned " + REDEEM_POINTS + " " + PROGRAM + " (the most: " + most + ")");
            return;
        }
        DemoCommand.expect(DemoCommand.post(http, node.httpPort(), "/cards/" + best + "/coalition-redemptions", issuerKey,
                "{\"redemptionId\":\"demo-foodgo\",\"coalitionId\":\"ROADEATS\",\"memberId\":\"FOODGO\",\"program\":\""
                        + PROGRAM + "\",\"points\":" + REDEEM_POINTS + "}"), 201, "coalition redemption");
        LocalDate month = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);
        HttpResponse<String> settled = DemoCommand.post(http, node.httpPort(), "/coalitions/ROADEATS/settlements", opsKey,
                "{\"from\":\"" + month + "\",\"to\":\"" + month.plusMonths(1) + "\"}");
        DemoCommand.expect(settled, 200, "coalition settlement");
        for (var s : node.operations().coalitions().settlements("ROADEATS", month)) {
            out.accept(String.format("coalition %s→%s: %,d points redeemed = %s owed (card %s had %,d %s; settlement %s)",
                    s.debtorMember(), s.creditorMember(), s.points(),
                    java.math.BigDecimal.valueOf(s.amountMinor(), org.accrue.rewards.money.Money.exponent(s.currency()))
                            .toPlainString() + " " + s.currency(), best, most, PROGRAM,
                    s.settlementId()));
        }
        JsonNode body = JSON.readTree(settled.body());
        if (body.get("settlements").isEmpty()) {
            out.accept("Coalition: nothing to settle");
        }
    }
}
