package org.accrue.processor.performance;

import static org.accrue.processor.testing.TestConfig.KEY_ADMIN;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;

import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.matcher.RewardMatcher;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.MovableClock;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ConsolePages;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.Requests;
import org.accrue.processor.testing.RewardStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An offer's performance on a known small data set: two cards activate a 1.00 offer a week after it started, a week
 * later one of them buys twice (30.00) and refunds one purchase, two cards that never activated buy 10.00 and 5.00.
 */
@ExtendWith(ProcessorExtension.class)
@MovableClock.Used
@NodeSettings("accrue.rewards.matcher.enabled=false")
class OfferPerformanceTest {

    @Test
    void rewardsBudgetCardsAndTheSpendOfActivatedAgainstNotActivatedCards(Node node, MovableClock clock) throws Exception {
        Api api = new Api(node.processor().httpPort());
        var f = node.dataDir().resolve("perf.json");
        Files.writeString(f, """
                {"merchants":[{"merchantId":"perf-m","name":"Perf Shop","mids":[{"acquirerId":"12345678901","mid":"PRF000000000031"}],
                  "mccs":["5814"]}]}""");
        node.processor().catalog().importFile(f);
        Instant start = clock.instant().minus(Duration.ofDays(7)).truncatedTo(ChronoUnit.SECONDS);
        assertThat(api.post("/offers", KEY_ADMIN, "{\"id\":\"perf-1\",\"merchantId\":\"perf-m\",\"reward\":{\"type\":\"FIXED\","
                + "\"amount\":{\"minor\":100,\"currency\":\"USD\"}},\"currency\":\"USD\",\"activationRequired\":true,"
                + "\"activationValidDays\":60,\"budget\":{\"minor\":1000,\"currency\":\"USD\"},\"startsAt\":\"" + start + "\"}")
                .status()).isEqualTo(201);
        String a = RewardStream.newPan();
        String b = RewardStream.newPan();
        String c = RewardStream.newPan();
        String d = RewardStream.newPan();
        String cardA = api.enroll(KEY_ISSUER_A, a, "ACC-PA");
        String cardB = api.enroll(KEY_ISSUER_A, b, "ACC-PB");
        api.enroll(KEY_ISSUER_A, c, "ACC-PC");
        api.enroll(KEY_ISSUER_A, d, "ACC-PD");
        assertThat(api.post("/cards/" + cardA + "/offers/perf-1/activation", KEY_ISSUER_A, "").status()).isEqualTo(201);
        assertThat(api.post("/cards/" + cardB + "/offers/perf-1/activation", KEY_ISSUER_A, "").status()).isEqualTo(201);
        clock.moveBy(Duration.ofDays(7));
        RewardMatcher matcher = new RewardMatcher(node.processor().store().sessionFactory(), node.processor().catalog(), clock,
                Duration.ofDays(10));
        try (IssuerConnection issuer = new IssuerConnection("127.0.0.1", node.processor().isoPort())) {
            send(issuer, buy(a, 2_000, "PRFRRN000001"));
            send(issuer, buy(a, 1_000, "PRFRRN000002"));
            send(issuer, buy(c, 1_000, "PRFRRN000003"));
            send(issuer, buy(d, 500, "PRFRRN000004"));
            send(issuer, Requests.of("0200", a, 1_000).with(3, "200000").with(37, "PRFRRN000002").with(42, "PRF000000000031"));
            while (matcher.runOnce() > 0) {
                // one batch per call
            }
        }

        JsonNode p = api.get("/offers/perf-1/performance", KEY_OPS).json();

        assertThat(p.at("/rewards/0/status").asText()).isEqualTo("PENDING");
        assertThat(p.at("/rewards/0/count").asLong()).isEqualTo(1);
        assertThat(p.at("/rewards/0/amount/minor").asLong()).isEqualTo(100);
        assertThat(p.at("/rewards/1/status").asText()).as("the refunded purchase's reward").isEqualTo("REVERSED");
        assertThat(p.at("/rewards/1/count").asLong()).isEqualTo(1);
        assertThat(p.at("/budget/minor").asLong()).isEqualTo(1000);
        assertThat(p.at("/budgetUsed/minor").asLong()).as("live rewards only").isEqualTo(100);
        assertThat(p.at("/budgetLeft/minor").asLong()).isEqualTo(900);
        assertThat(p.get("cardsRewarded").asLong()).isEqualTo(1);
        assertThat(p.get("cardsActivated").asLong()).isEqualTo(2);
        JsonNode act = p.at("/incrementalSpend/activated");
        JsonNode not = p.at("/incrementalSpend/notActivated");
        assertThat(act.get("cards").asLong()).isEqualTo(2);
        assertThat(act.get("purchases").asLong()).isEqualTo(2);
        assertThat(act.at("/spent/minor").asLong()).as("purchases, not less refunds").isEqualTo(3_000);
        assertThat(act.get("exposureCardDays").asLong()).as("two cards, a week each").isEqualTo(14);
        assertThat(not.get("cards").asLong()).isEqualTo(2);
        assertThat(not.get("purchases").asLong()).isEqualTo(2);
        assertThat(not.at("/spent/minor").asLong()).isEqualTo(1_500);
        assertThat(not.get("exposureCardDays").asLong()).as("two cards, the two weeks of the offer").isEqualTo(28);
        long actAvg = act.at("/avgSpendPerCardPerWeek/minor").asLong();
        long notAvg = not.at("/avgSpendPerCardPerWeek/minor").asLong();
        assertThat(actAvg).as("30.00 over two card-weeks").isCloseTo(1_500, within(2L));
        assertThat(notAvg).as("15.00 over four card-weeks").isCloseTo(375, within(1L));
        assertThat(p.at("/incrementalSpend/liftBps").asLong()).isEqualTo((actAvg - notAvg) * 10_000 / notAvg);
        String page = ConsolePages.get(node.processor().httpPort(), KEY_OPS, "/console/offers/perf-1");
        assertThat(page).contains("<td id=budget-used>1.00 USD</td>").contains("30.00 USD").contains("id=lift");
    }

    private static WireMessage buy(String pan, long amount, String rrn) {
        return Requests.of("0200", pan, amount).with(37, rrn).with(42, "PRF000000000031");
    }

    private static void send(IssuerConnection issuer, WireMessage m) {
        assertThat(issuer.send(m).orTimeout(30, TimeUnit.SECONDS).join().get(39)).isEqualTo("00");
    }
}
