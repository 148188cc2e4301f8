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

    @Test
    void theSamePanCannotBeEnrolledByTwoIssuers() {
        api.enroll(KEY_ISSUER_A, "6011000990139424", "ACC-6");
        Api.Response r = api.post("/cards", KEY_ISSUER_B,
                "{\"pan\":\"6011000990139424\",\"accountRef\":\"B-6\",\"lastName\":\"DOE\"}");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("code").asText()).isEqualTo("PAN_ENROLLED_BY_ANOTHER_ISSUER");
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
                .contains("accrue_rewards_messages_matched_total").contains("accrue_exceptions_open");
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
