package org.accrue.processor.http;

import static org.accrue.processor.testing.TestConfig.KEY_ADMIN;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_B;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(ProcessorExtension.class)
class CardsApiTest {
    private Api api;

    @BeforeEach
    void connect(Node node) {
        api = new Api(node.processor().httpPort());
    }

    @Test
    void enrollingACardAnswers201WithAMaskedPanAndNoPan() {
        Api.Response r = api.post("/cards", KEY_ISSUER_A,
                "{\"pan\":\"4000056655665556\",\"accountRef\":\"ACC-1\",\"lastName\":\"Núñez\"}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().get("last4").asText()).isEqualTo("5556");
        assertThat(r.json().get("panMasked").asText()).isEqualTo("************5556");
        assertThat(r.json().get("cardId").asText()).startsWith("crd_");
        assertThat(r.body()).doesNotContain("4000056655665556");
    }

    @Test
    void enrollingTheSamePanAgainForTheSameIssuerAnswers200WithTheSameCard() {
        String body = "{\"pan\":\"5200828282828210\",\"accountRef\":\"ACC-2\",\"lastName\":\"DOE\"}";
        Api.Response first = api.post("/cards", KEY_ISSUER_A, body);
        Api.Response again = api.post("/cards", KEY_ISSUER_A, body);
        assertThat(first.status()).isEqualTo(201);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("cardId").asText()).isEqualTo(first.json().get("cardId").asText());
    }

    @Test
    void anotherIssuersCardIsNotFoundNeverForbidden() {
        String cardId = api.enroll(KEY_ISSUER_A, "4012888888881881", "ACC-3");
        assertThat(api.get("/cards/" + cardId, KEY_ISSUER_B).status()).isEqualTo(404);
        assertThat(api.delete("/cards/" + cardId, KEY_ISSUER_B).status()).isEqualTo(404);
        assertThat(api.get("/cards/" + cardId, KEY_ISSUER_A).status()).isEqualTo(200);
        assertThat(api.get("/cards/" + cardId, KEY_OPS).status()).isEqualTo(200);
        assertThat(api.get("/cards", KEY_ISSUER_B).body()).doesNotContain(cardId);
    }

    @Test
    void aMissingOrUnknownKeyIs401AndAKnownKeyWithTheWrongRoleIs403() {
        String body = "{\"pan\":\"4111111111111111\",\"accountRef\":\"ACC-4\",\"lastName\":\"DOE\"}";
        Api.Response none = api.post("/cards", null, body);
        Api.Response unknown = api.post("/cards", "not-a-key", body);
        Api.Response ops = api.post("/cards", KEY_OPS, body);
        Api.Response admin = api.post("/cards", KEY_ADMIN, body);
        assertThat(none.status()).isEqualTo(401);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(ops.status()).isEqualTo(403);
        assertThat(admin.status()).isEqualTo(403);
        assertThat(none.contentType()).startsWith("application/problem+json");
        assertThat(ops.json().get("code").asText()).isEqualTo("FORBIDDEN");
    }

    @Test
    void aPanFailingItsCheckDigitIs422AndTheProblemDoesNotEchoIt() {
        Api.Response r = api.post("/cards", KEY_ISSUER_A,
                "{\"pan\":\"4111111111111112\",\"accountRef\":\"ACC-5\",\"lastName\":\"DOE\"}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().get("code").asText()).isEqualTo("PAN_CHECK_DIGIT");
        assertThat(r.body()).doesNotContain("4111111111111112");
    }

    @Test
    void malformedJsonIs400WithoutEchoingTheBody() {
        Api.Response r = api.post("/cards", KEY_ISSUER_A, "{\"pan\":\"4111111111111111\",");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("code").asText()).isEqualTo("MALFORMED_JSON");
        assertThat(r.body()).doesNotContain("4111111111111111");
    }

    private static String enrollment(String pan, String accountRef) {
        return "{\"pan\":\"" + pan + "\",\"accountRef\":\"" + accountRef + "\",\"lastName\":\"DOE\"}";
    }

    private static java.util.List<String> fields(com.fasterxml.jackson.databind.JsonNode n) {
        java.util.List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void anIssuerEnrollingAnotherIssuersCardNumberGetsTheAnswerAFreeNumberGets() {
        // Issue 12: a 409 PAN_ENROLLED_BY_ANOTHER_ISSUER told issuer B that a number was issuer A's customer.
        String held = "6011000990139424";
        String free = "6011111111111117";
        String aCard = api.enroll(KEY_ISSUER_A, held, "ACC-6");

        Api.Response heldFirst = api.post("/cards", KEY_ISSUER_B, enrollment(held, "B-6"));
        Api.Response freeFirst = api.post("/cards", KEY_ISSUER_B, enrollment(free, "B-7"));
        Api.Response heldAgain = api.post("/cards", KEY_ISSUER_B, enrollment(held, "B-6"));
        Api.Response freeAgain = api.post("/cards", KEY_ISSUER_B, enrollment(free, "B-7"));
        for (Api.Response[] pair : new Api.Response[][] {{heldFirst, freeFirst}, {heldAgain, freeAgain}}) {
            assertThat(pair[0].status()).isEqualTo(pair[1].status());
            assertThat(pair[0].contentType()).isEqualTo(pair[1].contentType());
            assertThat(fields(pair[0].json())).isEqualTo(fields(pair[1].json()));
            for (String same : new String[] {"issuerId", "status"}) {
                assertThat(pair[0].json().get(same)).isEqualTo(pair[1].json().get(same));
            }
        }
        assertThat(heldFirst.status()).isEqualTo(201);
        assertThat(heldAgain.status()).isEqualTo(200);
        assertThat(heldAgain.json().get("cardId")).isEqualTo(heldFirst.json().get("cardId"));
        assertThat(heldFirst.json().get("issuerId").asText()).isEqualTo("BANK_B");
        assertThat(heldFirst.json().get("status").asText()).isEqualTo("ENROLLED");
        assertThat(heldFirst.body()).doesNotContain(aCard).doesNotContain("BANK_A");

        // B's card is B's: readable, listed, unenrolled and enrolled again like any other; A's card is untouched.
        String bCard = heldFirst.json().get("cardId").asText();
        assertThat(api.get("/cards/" + bCard, KEY_ISSUER_B).status()).isEqualTo(200);
        assertThat(api.get("/cards", KEY_ISSUER_B).body()).contains(bCard).doesNotContain(aCard);
        assertThat(api.delete("/cards/" + bCard, KEY_ISSUER_B).status()).isEqualTo(204);
        Api.Response back = api.post("/cards", KEY_ISSUER_B, enrollment(held, "B-6"));
        assertThat(back.status()).isEqualTo(201);
        assertThat(back.json().get("cardId").asText()).isEqualTo(bCard);
        assertThat(api.get("/cards/" + aCard, KEY_ISSUER_A).json().get("status").asText()).isEqualTo("ENROLLED");
        assertThat(api.get("/cards", KEY_ISSUER_A).body()).doesNotContain(bCard);

        // Ops, and only ops, learn of the contest: one exception per claim, naming both cards.
        var contests = api.get("/exceptions?type=PAN_CONTESTED&issuerId=BANK_B", KEY_OPS).json().get("exceptions");
        java.util.List<String> about = new java.util.ArrayList<>();
        contests.forEach(e -> {
            if (e.get("detail").asText().contains(bCard)) {
                about.add(e.get("detail").asText());
                assertThat(e.get("card").asText()).isEqualTo("**** 9424");
            }
        });
        assertThat(about).hasSize(2).allSatisfy(d -> assertThat(d).contains(aCard).contains("BANK_A"));
        assertThat(api.get("/exceptions", KEY_ISSUER_B).status()).isEqualTo(403);
    }

    @Test
    void aContestedNumbersMessagesAreStoredOnTheCardThatHoldsItOnly(Node node) throws Exception {
        String pan = "5105105105105100";
        String aCard = api.enroll(KEY_ISSUER_A, pan, "ACC-8");
        String bCard = api.enroll(KEY_ISSUER_B, pan, "B-8");
        try (var issuer = new org.accrue.iso8583.simulator.IssuerConnection("127.0.0.1", node.processor().isoPort())) {
            assertThat(issuer.send(org.accrue.processor.testing.Requests.of("0200", pan, 1500))
                    .orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join().get(39)).isEqualTo("00");
        }
        long aRow = node.processor().enrollment().internalId(null, aCard).orElseThrow();
        long bRow = node.processor().enrollment().internalId(null, bCard).orElseThrow();
        java.util.function.LongUnaryOperator stored = row -> node.processor().store().sessionFactory().fromSession(s ->
                ((Number) s.createNativeQuery("select count(*) from card_message where card_id = ?1", Object.class)
                        .setParameter(1, row).getSingleResult()).longValue());
        assertThat(stored.applyAsLong(aRow)).isEqualTo(1);
        assertThat(stored.applyAsLong(bRow)).as("nothing of A's cardholder reaches issuer B").isZero();
    }

    @Test
    void aListFilterTheEndpointDoesNotTakeIs400NotEveryCard() {
        Api.Response r = api.get("/cards?issuerId=BANK_A", KEY_OPS);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("code").asText()).isEqualTo("UNKNOWN_PARAMETER");
        assertThat(r.json().get("detail").asText()).contains("offset, limit");
        assertThat(api.get("/cards?offset=0&limit=5", KEY_OPS).status()).isEqualTo(200);
        assertThat(api.get("/cards?limit=junk", KEY_OPS).json().get("code").asText()).isEqualTo("PARAMETER_INVALID");
    }

    @Test
    void unenrollingACardKeepsItReadableAsUnenrolled() {
        String cardId = api.enroll(KEY_ISSUER_A, "378282246310005", "ACC-7");
        assertThat(api.delete("/cards/" + cardId, KEY_ISSUER_A).status()).isEqualTo(204);
        Api.Response r = api.get("/cards/" + cardId, KEY_ISSUER_A);
        assertThat(r.json().get("status").asText()).isEqualTo("UNENROLLED");
    }

    @Test
    void metricsAreOpenAndCountTheListenersMessages() {
        Api.Response r = api.get("/metrics", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("accrue_iso_messages_received_total").contains("accrue_journal_queued")
                .contains("accrue_rewards_messages_matched_total").contains("accrue_rewards_messages_quarantined_total")
                .contains("accrue_exceptions_open");
    }

    @Test
    void theOpenApiDocumentDescribesTheCardsResource() {
        Api.Response r = api.get("/openapi.json", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("paths").has("/cards")).isTrue();
        assertThat(r.json().get("paths").has("/cards/{cardId}")).isTrue();
        for (String path : new String[] {"/merchants", "/offers", "/offers/{offerId}", "/cards/{cardId}/rewards", "/health"}) {
            assertThat(r.json().get("paths").has(path)).as(path).isTrue();
        }
    }

    @Test
    void anUnknownPathIsAProblem404() {
        Api.Response r = api.get("/nothing-here", KEY_OPS);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.contentType()).startsWith("application/problem+json");
    }

    @Test
    void healthIsOpenAndReportsTheStoreAndListener() {
        Api.Response r = api.get("/health", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("components").get("store").asText()).isEqualTo("UP");
        assertThat(r.json().get("components").get("listener").asText()).isEqualTo("UP");
        assertThat(r.json().get("components").get("matcher").asText()).isEqualTo("UP");
    }
}
