package org.accrue.processor.http;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.Requests;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The exceptions queue over HTTP: filters are parsed, never matched as given (a value that names nothing is a 400
 * naming what would), and amounts are in ISO 4217 alpha codes whatever the exception was raised from.
 */
@ExtendWith(ProcessorExtension.class)
class ExceptionsApiTest {
    private static final String PAN = "4000056655665556";

    private Node node;
    private Api api;

    @BeforeEach
    void setUp(Node node) {
        this.node = node;
        this.api = new Api(node.processor().httpPort());
        api.enroll(KEY_ISSUER_A, PAN, "ACC-1");
    }

    @ParameterizedTest(name = "?{0} is 400 {1}")
    @CsvSource(delimiter = '|', textBlock = """
            status=junk                  | INVALID_STATUS     | OPEN, PENDING_APPROVAL, RESOLVED
            status=open                  | INVALID_STATUS     | OPEN, PENDING_APPROVAL, RESOLVED
            type=NOT_A_TYPE              | INVALID_TYPE       | MATCH_QUARANTINED
            type=MESSAGE_CONFLICT%20     | INVALID_TYPE       | MESSAGE_CONFLICT
            issuerId=bank%20a            | INVALID_ISSUER_ID  | A-Z 0-9
            assignee=%20                 | INVALID_ASSIGNEE   | 1-64
            limit=0                      | PARAMETER_INVALID  | 1 and 500
            offset=-1                    | PARAMETER_INVALID  | offset
            age=OLD                      | PARAMETER_INVALID  | UNDER_1_DAY
            card=4000056655665556        | PARAMETER_INVALID  | never a card number
            stauts=OPEN                  | UNKNOWN_PARAMETER  | status, type, issuerId, assignee, age, card, limit, offset
            """)
    void aFilterThatNamesNothingIs400NamingWhatWould(String query, String code, String named) {
        Api.Response r = api.get("/exceptions?" + query, KEY_OPS);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().get("code").asText()).isEqualTo(code);
        assertThat(r.json().get("detail").asText()).contains(named).doesNotContain(PAN);
    }

    @Test
    void theQueueIsFilteredByCardAndAgeAndPagedAsTheConsoleIs() throws Exception {
        String other = "5555555555554444";
        api.enroll(KEY_ISSUER_A, other, "ACC-2");
        try (IssuerConnection issuer = new IssuerConnection("127.0.0.1", node.processor().isoPort())) {
            for (String pan : new String[] {PAN, other}) { // a key sent again with another amount: a MESSAGE_CONFLICT each
                WireMessage first = Requests.of("0200", pan, 1250);
                assertThat(issuer.send(first).orTimeout(30, TimeUnit.SECONDS).join().get(39)).isEqualTo("00");
                assertThat(issuer.send(first.with(4, "000000009999")).orTimeout(30, TimeUnit.SECONDS).join().get(39))
                        .isEqualTo("94");
            }
        }
        String conflicts = "/exceptions?type=MESSAGE_CONFLICT";
        assertThat(cards(api.get(conflicts, KEY_OPS).json())).containsExactly("**** 5556", "**** 4444");
        assertThat(cards(api.get(conflicts + "&card=4444", KEY_OPS).json())).containsExactly("**** 4444");
        assertThat(cards(api.get(conflicts + "&card=0000", KEY_OPS).json())).isEmpty();
        assertThat(cards(api.get(conflicts + "&age=UNDER_1_DAY", KEY_OPS).json())).hasSize(2);
        assertThat(cards(api.get(conflicts + "&age=OVER_7_DAYS", KEY_OPS).json())).isEmpty();

        JsonNode first = api.get(conflicts + "&limit=1", KEY_OPS).json();
        assertThat(cards(first)).containsExactly("**** 5556");
        assertThat(first.get("more").asBoolean()).isTrue();
        JsonNode second = api.get(conflicts + "&limit=1&offset=1", KEY_OPS).json();
        assertThat(cards(second)).containsExactly("**** 4444");
        assertThat(second.get("offset").asInt()).isEqualTo(1);
        assertThat(second.get("more").asBoolean()).isFalse();
    }

    private static java.util.List<String> cards(JsonNode page) {
        java.util.List<String> out = new java.util.ArrayList<>();
        page.get("exceptions").forEach(e -> out.add(e.get("card").asText()));
        return out;
    }

    @Test
    void filtersThatNameSomethingAnswerTheQueue() {
        for (String q : new String[] {"", "?status=OPEN", "?status=", "?type=MATCH_QUARANTINED", "?issuerId=BANK_A",
                "?status=RESOLVED&type=RECON_REJECTED&assignee=alice&limit=5"}) {
            assertThat(api.get("/exceptions" + q, KEY_OPS).status()).as(q).isEqualTo(200);
        }
    }

    @Test
    void aConflictsAmountIsShownInItsAlphaCodeByTheApiAndTheConsole() throws Exception {
        WireMessage first = Requests.of("0200", PAN, 1250);
        try (IssuerConnection issuer = new IssuerConnection("127.0.0.1", node.processor().isoPort())) {
            assertThat(issuer.send(first).orTimeout(30, TimeUnit.SECONDS).join().get(39)).isEqualTo("00");
            assertThat(issuer.send(first.with(4, "000000009999")).orTimeout(30, TimeUnit.SECONDS).join().get(39))
                    .isEqualTo("94");
        }
        JsonNode conflict = null;
        for (JsonNode e : api.get("/exceptions?type=MESSAGE_CONFLICT", KEY_OPS).json().get("exceptions")) {
            if (e.get("amount") != null && e.get("amount").get("minor").asLong() == 9999) {
                conflict = e;
            }
        }
        assertThat(conflict).isNotNull();
        assertThat(conflict.get("amount").get("currency").asText()).isEqualTo("USD");
        assertThat(conflict.get("card").asText()).isEqualTo("**** 5556");

        String page = console("/console?type=MESSAGE_CONFLICT");
        assertThat(page).contains("99.99 USD").doesNotContain("9999 840");
        assertThat(consoleStatus("/console?status=junk")).isEqualTo(400);
    }

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    private String session() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/console/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("key=" + KEY_OPS)).build(), HttpResponse.BodyHandlers.ofString());
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        return cookie.substring(0, cookie.indexOf(';'));
    }

    private String console(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Cookie", session())
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private int consoleStatus(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Cookie", session()).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private String base() {
        return "http://127.0.0.1:" + node.processor().httpPort();
    }
}
