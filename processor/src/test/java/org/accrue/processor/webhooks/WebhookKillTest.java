package org.accrue.processor.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.Await;
import org.accrue.processor.testing.ChildNode;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.RewardStream;
import org.accrue.processor.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

/**
 * A node killed with kill -9 while it matches purchases and sends their webhooks: nothing is lost (every reward that
 * was committed has its event, and another node's dispatcher delivers what the dead one had in flight once its lease
 * runs out) and nothing is sent for a change that was rolled back (every event received names a stored reward).
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.webhooks.enabled=false",
        "accrue.webhooks.allow-local-http=true"})
class WebhookKillTest {
    private static final int PURCHASES = 40;
    private static final int CHILD_TIMEOUT_MS = 3_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static WireMockExtension issuer = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @Test
    void aKilledNodeLosesNoWebhookAndSendsNoneForWhatItRolledBack(ProcessorExtension.Node node) throws Exception {
        // The issuer's endpoint hangs at first: the child is mid-send when it dies.
        issuer.stubFor(post(urlEqualTo("/events")).willReturn(aResponse().withStatus(200).withFixedDelay(8_000)));
        Api api = new Api(node.processor().httpPort());
        assertThat(api.post("/webhooks", TestConfig.KEY_ISSUER_A, "{\"url\":\"" + issuer.baseUrl() + "/events\","
                + "\"events\":[\"reward.earned\"]}").status()).isEqualTo(201);
        try (RewardStream stream = new RewardStream(node)) {
            String pan = RewardStream.newPan();
            String cardId = stream.enroll(TestConfig.KEY_ISSUER_A, pan, "ACC-KILL", "NGUYEN");
            long card = stream.row(cardId);
            for (int i = 0; i < PURCHASES; i++) {
                stream.purchase(pan, 1_000 + i);
            }
            try (ChildNode child = ChildNode.start(node, Map.of("accrue.rewards.matcher.enabled", "true",
                    "accrue.webhooks.enabled", "true", "accrue.webhooks.timeout-ms", Integer.toString(CHILD_TIMEOUT_MS),
                    "accrue.webhooks.poll-ms", "20"))) {
                Await.until(Duration.ofSeconds(90), () -> !issuer.findAll(postRequestedFor(urlEqualTo("/events"))).isEmpty());
                child.kill();
            }
            stream.match(); // what the child had not matched, matched here
            long rewards = sql(node, "select count(*) from reward where card_id = " + card);
            assertThat(rewards).isEqualTo(2L * PURCHASES); // the cashback offer and the stackable miles offer
            assertThat(sql(node, "select count(*) from webhook_event where type = 'reward.earned' and card_id = " + card))
                    .as("one event per committed reward").isEqualTo(rewards);

            // Another node's dispatcher, after the dead node's leases ran out.
            issuer.stubFor(post(urlEqualTo("/events")).willReturn(aResponse().withStatus(200)));
            var ops = node.processor().operations();
            try (WebhookDispatcher other = new WebhookDispatcher(node.processor().store().dataSource(),
                    InstantSource.system(), ops.webhookSecrets(), new WebhookDispatcher.Settings(Duration.ofSeconds(2), 8,
                    Duration.ofMillis(20), RetrySchedule.STANDARD)).start()) {
                Await.until(Duration.ofSeconds(60), () -> sql(node, "select count(*) from webhook_delivery d join webhook_event e "
                        + "on e.seq = d.event_seq where e.card_id = " + card + " and d.status = 'DELIVERED'") == rewards);
            }
            Set<String> received = new HashSet<>();
            for (var r : issuer.findAll(postRequestedFor(urlEqualTo("/events")))) {
                JsonNode e = JSON.readTree(r.getBody());
                received.add(e.get("id").asText());
                String rewardId = e.get("data").get("rewardId").asText();
                assertThat(sql(node, "select count(*) from reward where public_id = '" + rewardId.replace("'", "") + "'"))
                        .as("an event of a stored reward").isEqualTo(1);
            }
            assertThat((long) received.size()).as("every event delivered at least once").isEqualTo(rewards);
        }
    }

    private static long sql(ProcessorExtension.Node node, String sql) {
        return node.processor().store().sessionFactory().fromSession(s ->
                ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }


}
