package org.accrue.processor.miles;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.accrue.processor.miles.AirlineFixture.ACCRUALS;
import static org.accrue.processor.miles.AirlineFixture.VALIDATE;
import static org.accrue.processor.miles.AirlineFixture.credited;
import static org.accrue.processor.miles.AirlineFixture.json;
import static org.accrue.processor.miles.AirlineFixture.request;
import static org.accrue.processor.miles.AirlineFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * The airline client's name folding (the same bytes on every node) and what it never prints: the API key and
 * a whole member number.
 */
class AirlinePartnerNamesAndSecretsTest {
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

    // ---- names

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            Núñez                  | NUNEZ
            O'Brien-Smith          | O'BRIEN-SMITH
            nguyen                 | NGUYEN
            O’Brien                | O'BRIEN
            Müller  Lüdenscheidt   | MULLER LUDENSCHEIDT
            Ørsted 3               | ORSTED
            Straße                 | STRASSE
            Łukasiewicz            | LUKASIEWICZ
            Ｓｍｉｔｈ               | SMITH
            "  van der Berg. "     | VAN DER BERG
            """)
    void namesAreUpperCaseAsciiWithAccentsFoldedAndOnlyLettersSpaceHyphenAndApostropheKept(String name, String folded) {
        assertThat(AirlinePartner.foldName(name)).isEqualTo(folded);
    }

    @Test
    void aLongNameIsCutToTheSameSixtyFourCharacters() {
        String folded = AirlinePartner.foldName("Wolfeschlegelsteinhausenbergerdorff ".repeat(3));

        assertThat(folded).hasSize(64).isEqualTo(AirlinePartner.foldName("Wolfeschlegelsteinhausenbergerdorff ".repeat(3)));
    }

    @Test
    void theAccrualBodyCarriesTheFoldedName() {
        f.answer(ACCRUALS, credited("C-12"));
        AccrualRequest r = new AccrualRequest("ACR-000000124", "AB1234567", "o’brien-smith", 10,
                LocalDate.parse("2026-11-20"), "BLUE BOTTLE 2X MILES");

        f.partner(1, 5).accrue(r);

        airline.verify(postRequestedFor(urlEqualTo(ACCRUALS)).withRequestBody(matchingJsonPath("$.lastName",
                equalTo("O'BRIEN-SMITH"))));
    }

    // ---- secrets

    @Test
    void logsNeverShowTheApiKeyOrAWholeMemberNumber() {
        Logger logger = (Logger) LoggerFactory.getLogger(AirlinePartner.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            AirlinePartner p = f.partner(3, 1);
            f.inTurn(ACCRUALS, aResponse().withStatus(503), aResponse().withStatus(429).withHeader("Retry-After", "99999"),
                    aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
            p.accrue(request());
            f.answer(VALIDATE, json(422, "{\"code\":\"NAME_MISMATCH\"}"));
            f.now.set(f.now.get().plusSeconds(60));
            p.validate("AB1234567", "NGUYEN");
        } finally {
            logger.detachAppender(appender);
        }

        List<String> lines = appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).isNotEmpty().noneMatch(l -> l.contains("sky-secret") || l.contains("AB1234567"));
        assertThat(lines).anyMatch(l -> l.contains("ACR-000000123")).anyMatch(l -> l.contains("member ...4567"));
    }

    @Test
    void aPartnerDescribesItselfWithoutItsKey() {
        assertThat(settings(airline.baseUrl(), 3, 5).toString()).contains("SKY").doesNotContain("sky-secret");
        assertThat(request().toString()).contains("ACR-000000123", "4567").doesNotContain("AB1234567", "Núñez");
    }
}
