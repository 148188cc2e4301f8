package org.accrue.processor.miles;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.accrue.processor.miles.AirlineFixture.ACCRUALS;
import static org.accrue.processor.miles.AirlineFixture.BODY;
import static org.accrue.processor.miles.AirlineFixture.REVERSAL;
import static org.accrue.processor.miles.AirlineFixture.VALIDATE;
import static org.accrue.processor.miles.AirlineFixture.credited;
import static org.accrue.processor.miles.AirlineFixture.json;
import static org.accrue.processor.miles.AirlineFixture.request;
import static org.accrue.processor.miles.AirlineFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

/**
 * The airline client against a WireMock stub of the partner: what an answer is (201 credited, 200 a replay,
 * refusals with their codes, reversals, validation) and the request each call carries.
 */
class AirlinePartnerAnswersTest {
    @RegisterExtension
    static WireMockExtension airline = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private final AirlineFixture f = new AirlineFixture(airline);

    @BeforeAll
    static void warmUp() {
        AirlineFixture.warmUp(airline);
    }

    @AfterEach
    void closePartners() {
        f.close();
    }

    // ---- answers

    @Test
    void a201IsCreditedAndTheRequestCarriesTheKeyTheTokenAndTheExactBody() {
        f.answer(ACCRUALS, credited("C-1"));

        assertThat(f.partner(3, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-1", false));

        airline.verify(1, postRequestedFor(urlEqualTo(ACCRUALS))
                .withHeader("Authorization", equalTo("Bearer sky-secret"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withHeader("Idempotency-Key", equalTo("ACR-000000123"))
                .withRequestBody(equalTo(BODY)));
        assertThat(f.pauses).isEmpty();
    }

    @Test
    void a200IsTheReplayOfTheOriginalResult() {
        f.answer(ACCRUALS, json(200, "{\"confirmation\":\"C-1\"}"));

        assertThat(f.partner(3, 5).accrue(request())).isEqualTo(new Outcome.Credited("C-1", true));
    }

    @ParameterizedTest
    @CsvSource({"409,DUPLICATE_ACCRUAL", "422,MEMBER_NOT_FOUND", "422,NAME_MISMATCH", "422,ACCOUNT_CLOSED",
            "422,ACCOUNT_SUSPENDED"})
    void refusalsAreAnswersAndAreNotRetried(int status, String code) {
        f.answer(ACCRUALS, json(status, "{\"code\":\"" + code + "\"}"));

        assertThat(f.partner(3, 5).accrue(request())).isEqualTo(new Outcome.Refused(status, code));
        airline.verify(1, postRequestedFor(urlEqualTo(ACCRUALS)));
        assertThat(f.pauses).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            400 | ""                             | HTTP_400
            404 | "<html>not found</html>"       | HTTP_404
            422 | "{""code"":""lower case""}"    | HTTP_422
            422 | "{""code"":42}"                | HTTP_422
            """)
    void anotherClientErrorOrAnUnreadableCodeIsRefusedWithTheStatusAsTheCode(int status, String body, String code) {
        f.answer(ACCRUALS, aResponse().withStatus(status).withBody(body));

        assertThat(f.partner(3, 5).accrue(request())).isEqualTo(new Outcome.Refused(status, code));
        airline.verify(1, postRequestedFor(urlEqualTo(ACCRUALS)));
    }

    @Test
    void aReversalCarriesItsOwnKeyAndBodyAndIsCredited() {
        f.answer(REVERSAL, credited("R-1"));

        assertThat(f.partner(3, 5).reverse("ACR-000000123", 2, 500, "REFUND")).isEqualTo(new Outcome.Credited("R-1", false));
        airline.verify(1, postRequestedFor(urlEqualTo(REVERSAL))
                .withHeader("Idempotency-Key", equalTo("ACR-000000123-R2"))
                .withHeader("Authorization", equalTo("Bearer sky-secret"))
                .withRequestBody(equalTo("{\"miles\":500,\"reason\":\"REFUND\"}")));
    }

    @Test
    void aReversalOfMilesAlreadySpentIsRefusedWithInsufficientBalance() {
        f.answer(REVERSAL, json(422, "{\"code\":\"INSUFFICIENT_BALANCE\"}"));

        assertThat(f.partner(3, 5).reverse("ACR-000000123", 1, 500, "REFUND"))
                .isEqualTo(new Outcome.Refused(422, "INSUFFICIENT_BALANCE"));
        airline.verify(1, postRequestedFor(urlEqualTo(REVERSAL)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "//"})
    void aBaseUrlWithATrailingSlashReachesTheSameEndpoint(String tail) {
        f.answer(ACCRUALS, credited("C-1"));
        AirlinePartner p = f.partner(settings(airline.baseUrl() + tail, 1, 5), f.pauses::add, cap -> cap);

        assertThat(p.accrue(request())).isEqualTo(new Outcome.Credited("C-1", false));
    }

    // ---- validation

    @Test
    void anActiveMemberIsValidAndTheRequestCarriesTheFoldedNameAndNoKey() {
        f.answer(VALIDATE, json(200, "{\"status\":\"ACTIVE\"}"));

        assertThat(f.partner(2, 5).validate("AB1234567", "Núñez")).isEqualTo(new Validation.Valid());
        airline.verify(1, postRequestedFor(urlEqualTo(VALIDATE))
                .withHeader("Authorization", equalTo("Bearer sky-secret"))
                .withHeader("Idempotency-Key", absent())
                .withRequestBody(equalTo("{\"memberNumber\":\"AB1234567\",\"lastName\":\"NUNEZ\"}")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"MEMBER_NOT_FOUND", "NAME_MISMATCH", "ACCOUNT_CLOSED", "ACCOUNT_SUSPENDED"})
    void eachValidationRefusalIsInvalidWithItsCode(String code) {
        f.answer(VALIDATE, json(422, "{\"code\":\"" + code + "\"}"));

        assertThat(f.partner(2, 5).validate("AB1234567", "NGUYEN")).isEqualTo(new Validation.Invalid(code));
        airline.verify(1, postRequestedFor(urlEqualTo(VALIDATE)));
    }

    @Test
    void aPartnerThatKeepsFailingValidationIsUnavailableAfterTheRetries() {
        f.answer(VALIDATE, aResponse().withStatus(503));

        assertThat(f.partner(3, 5).validate("AB1234567", "NGUYEN"))
                .isEqualTo(new Validation.Unavailable("HTTP 503 after 3 attempt(s)"));
        airline.verify(3, postRequestedFor(urlEqualTo(VALIDATE)));
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void refusedCredentialsLeaveTheMemberUnjudgedNotInvalid(int status) {
        f.answer(VALIDATE, aResponse().withStatus(status));

        assertThat(f.partner(3, 5).validate("AB1234567", "NGUYEN"))
                .isEqualTo(new Validation.Unavailable("credentials refused: HTTP " + status));
        airline.verify(1, postRequestedFor(urlEqualTo(VALIDATE)));
    }

    @Test
    void aValidationAnswerOtherThanActiveIsNotTakenForValid() {
        f.answer(VALIDATE, json(200, "{\"status\":\"PENDING\"}"));

        assertThat(f.partner(2, 5).validate("AB1234567", "NGUYEN")).isInstanceOf(Validation.Unavailable.class);
    }
}
