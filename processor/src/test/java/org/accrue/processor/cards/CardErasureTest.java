package org.accrue.processor.cards;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.accrue.config.JobName;
import org.accrue.processor.ids.Ids;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.Await;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.RewardStream;
import org.accrue.processor.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

/**
 * Erasing a card over the API, on real card messages through the store: the person is gone from every column of every
 * table, the number's token from the card, its messages and its rewards (the same number enrolled again is a new card
 * that old messages do not reach), the books keep every row and amount, and the issuer is told by a card.erased event.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.webhooks.allow-local-http=true",
        "accrue.webhooks.poll-ms=50"})
class CardErasureTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static WireMockExtension issuer = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private final ProcessorExtension.Node node;
    private final Api api;
    private RewardStream stream;

    CardErasureTest(ProcessorExtension.Node node) {
        this.node = node;
        this.api = new Api(node.processor().httpPort());
    }

    @BeforeEach
    void stream() throws Exception {
        stream = new RewardStream(node);
    }

    @AfterEach
    void close() {
        stream.close();
    }

    @Test
    void erasureLeavesNoPersonalDataInAnyColumnOfAnyTableAndKeepsEveryLedgerRowAndAmount() throws Exception {
        String pan = RewardStream.newPan();
        String accountRef = "ACC-" + Ids.letters(12).toUpperCase();
        String lastName = "ZZ" + Ids.letters(10).toUpperCase();
        String member = "MB" + Ids.letters(10).toUpperCase();
        String cardId = enroll(TestConfig.KEY_ISSUER_A, pan, accountRef, lastName, member);
        long row = stream.row(cardId);
        // Sent: a purchase made available and posted (a statement credit with the account reference and last four).
        stream.purchase(pan, 2_000);
        stream.matchAndMakeAvailable();
        node.processor().jobs().runAndWait(JobName.POSTING, "test", Duration.ofMinutes(2).toMillis());
        // Pending: a purchase matched, its return period not over. Waiting: a purchase stored, not matched yet.
        stream.purchase(pan, 1_000);
        stream.match();
        stream.purchase(pan, 3_000);
        String oldToken = string("select pan_token from card where id = " + row);
        assertThat(count("select count(*) from statement_credit where card_id = " + row + " and account_ref = '"
                + accountRef + "'")).as("the posted credit names the account").isEqualTo(1);
        assertThat(scan(accountRef, lastName, member, oldToken)).as("before erasure").isNotEmpty();
        Map<Long, Long> ledgerBefore = ledger(row);
        Map<String, String> rewardsBefore = rewards(row);
        long settledBefore = sum("select coalesce(sum(e.amount), 0) from ledger_entry e join reward r on r.id = e.reward_id "
                + "where r.card_id = " + row + " and e.account_type = 'ISSUER_SETTLEMENT'");

        Api.Response erased = api.post("/cards/" + cardId + "/erasure", TestConfig.KEY_ISSUER_A, "");

        assertThat(erased.status()).as(erased.body()).isEqualTo(200);
        JsonNode card = erased.json();
        assertThat(card.get("status").asText()).isEqualTo("ERASED");
        assertThat(card.get("erasedNow").asBoolean()).isTrue();
        assertThat(card.get("accountRef").isNull()).isTrue();
        assertThat(card.get("last4").asText()).isEqualTo("****");
        assertThat(card.has("airline")).isFalse();
        assertThat(card.get("erasedAt").asText()).isNotEmpty();
        assertThat(scan(accountRef, lastName, member, oldToken)).as("anywhere in the store after erasure").isEmpty();
        assertThat(count("select count(*) from statement_credit where card_id = " + row + " and last4 <> '****'")).isZero();
        assertThat(count("select count(*) from card_message m join match_queue q on q.message_id = m.id where m.card_id = "
                + row)).as("the unmatched purchase is dropped from the queue").isZero();
        assertThat(count("select count(*) from card_message where card_id = " + row)).as("messages stay").isEqualTo(3);
        // The books: every ledger row and reward as it was, the sent credit still with the issuer, the rest forfeited.
        Map<Long, Long> ledgerAfter = ledger(row);
        assertThat(ledgerAfter).containsAllEntriesOf(ledgerBefore);
        Map<String, String> rewardsAfter = rewards(row);
        assertThat(rewardsAfter.keySet()).isEqualTo(rewardsBefore.keySet());
        rewardsBefore.forEach((id, before) -> {
            String after = rewardsAfter.get(id);
            if (before.startsWith("SENT") || before.startsWith("POSTED")) {
                assertThat(after).as(id).isEqualTo(before);
            } else {
                assertThat(after).as(id + " was " + before).startsWith("REVERSED");
            }
        });
        assertThat(sum("select coalesce(sum(e.amount), 0) from ledger_entry e join reward r on r.id = e.reward_id "
                + "where r.card_id = " + row + " and e.account_type = 'ISSUER_SETTLEMENT'")).isEqualTo(settledBefore);
        assertThat(count("select count(*) from ledger_entry where account_type in ('CARDHOLDER_PENDING', "
                + "'CARDHOLDER_AVAILABLE') and account_owner = '" + row + "' group by account_type having sum(amount) <> 0"))
                .as("nothing is left on the erased cardholder's accounts").isZero();
    }

    @Test
    void theSameNumberEnrolledAgainIsANewCardThatOldMessagesDoNotReach() throws Exception {
        String pan = RewardStream.newPan();
        String oldCard = enroll(TestConfig.KEY_ISSUER_A, pan, "ACC-OLD", "OLDNAME", "MBOLD");
        stream.purchase(pan, 2_000);
        stream.match();
        long oldRow = stream.row(oldCard);
        long oldRewards = count("select count(*) from reward where card_id = " + oldRow);
        assertThat(api.post("/cards/" + oldCard + "/erasure", TestConfig.KEY_ISSUER_A, "").status()).isEqualTo(200);

        Api.Response again = api.post("/cards", TestConfig.KEY_ISSUER_A, enrollment(pan, "ACC-NEW", "NEWNAME", "MBNEW"));
        assertThat(again.status()).as(again.body()).isEqualTo(201);
        String newCard = again.json().get("cardId").asText();
        assertThat(newCard).isNotEqualTo(oldCard);
        stream.purchase(pan, 1_000);
        stream.match();

        long newRow = stream.row(newCard);
        assertThat(count("select count(*) from card_message where card_id = " + oldRow)).isEqualTo(1);
        assertThat(count("select count(*) from card_message where card_id = " + newRow)).isEqualTo(1);
        assertThat(count("select count(*) from reward where card_id = " + oldRow)).isEqualTo(oldRewards);
        assertThat(count("select count(*) from reward where card_id = " + newRow)).isPositive();
        assertThat(count("select count(*) from card_message o join card_message n on n.pan_token = o.pan_token "
                + "where o.card_id = " + oldRow + " and n.card_id = " + newRow)).as("no token in common").isZero();
        assertThat(count("select count(*) from reward o join reward n on n.lifecycle_key = o.lifecycle_key "
                + "where o.card_id = " + oldRow + " and n.card_id = " + newRow)).isZero();
        JsonNode old = api.get("/cards/" + oldCard, TestConfig.KEY_ISSUER_A).json();
        assertThat(old.get("status").asText()).isEqualTo("ERASED");
        assertThat(old.get("accountRef").isNull()).isTrue();
    }

    @Test
    void aMessageStoredOnTheCardWhileItsErasureCommittedEarnsNothingAndLosesTheNumbersToken() throws Exception {
        String pan = RewardStream.newPan();
        String cardId = enroll(TestConfig.KEY_ISSUER_A, pan, "ACC-RACE", "RACE", "MBRACE");
        long row = stream.row(cardId);
        stream.purchase(pan, 2_000);
        String oldToken = string("select pan_token from card where id = " + row);
        long message = sum("select id from card_message where card_id = " + row);
        assertThat(api.post("/cards/" + cardId + "/erasure", TestConfig.KEY_ISSUER_A, "").status()).isEqualTo(200);
        // What a journal batch that found the card just before the erasure committed leaves: its message stored with the
        // number's token and queued after the erasure dropped the card's queue.
        try (Connection c = node.processor().store().dataSource().getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("update card_message set pan_token = ? where id = ?")) {
                ps.setString(1, oldToken);
                ps.setLong(2, message);
                ps.executeUpdate();
            }
            assertThat(org.accrue.processor.matcher.RewardMatcher.requeue(c, message, java.time.Instant.now())).isTrue();
        }

        stream.match();

        assertThat(count("select count(*) from reward where card_id = " + row)).isZero();
        assertThat(count("select count(*) from match_queue where message_id = " + message)).isZero();
        assertThat(string("select pan_token from card_message where id = " + message))
                .isEqualTo(string("select pan_token from card where id = " + row)).isNotEqualTo(oldToken);
    }

    @Test
    void erasureIsIdempotentAndOnlyTheCardsIssuerOrAnAdminMayAskForIt() throws Exception {
        String pan = RewardStream.newPan();
        String cardId = enroll(TestConfig.KEY_ISSUER_A, pan, "ACC-TWICE", "TWICE", "MBTWICE");
        assertThat(api.post("/cards/" + cardId + "/erasure", TestConfig.KEY_ISSUER_B, "").status()).isEqualTo(404);
        assertThat(api.post("/cards/" + cardId + "/erasure", TestConfig.KEY_OPS, "").status()).isEqualTo(403);
        assertThat(api.post("/cards/crd_nosuchcard/erasure", TestConfig.KEY_ADMIN, "").status()).isEqualTo(404);

        Api.Response first = api.post("/cards/" + cardId + "/erasure", TestConfig.KEY_ADMIN, "");
        Api.Response second = api.post("/cards/" + cardId + "/erasure", TestConfig.KEY_ISSUER_A, "");

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json().get("erasedNow").asBoolean()).isTrue();
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.json().get("erasedNow").asBoolean()).isFalse();
        assertThat(second.json().get("erasedAt").asText()).isEqualTo(first.json().get("erasedAt").asText());
        assertThat(count("select count(*) from audit_log where resource_id = '" + cardId + "' and action = 'card.erased' "
                + "and actor = 'admin'")).as("one audit row, the first erasure's").isEqualTo(1);
        // Unenrolling an erased card changes nothing either.
        assertThat(api.delete("/cards/" + cardId, TestConfig.KEY_ISSUER_A).status()).isEqualTo(204);
        assertThat(api.get("/cards/" + cardId, TestConfig.KEY_ISSUER_A).json().get("status").asText()).isEqualTo("ERASED");
    }

    @Test
    void theIssuerIsToldByACardErasedEventNamingTheCardAndNothingOfThePerson() {
        issuer.stubFor(post(urlEqualTo("/erased")).willReturn(aResponse().withStatus(204)));
        Api.Response endpoint = api.post("/webhooks", TestConfig.KEY_ISSUER_A, "{\"url\":\"" + issuer.baseUrl()
                + "/erased\",\"events\":[\"card.erased\"]}");
        assertThat(endpoint.status()).as(endpoint.body()).isEqualTo(201);
        String pan = RewardStream.newPan();
        String cardId = enroll(TestConfig.KEY_ISSUER_A, pan, "ACC-HOOKED", "HOOKED", "MBHOOKED");
        try {
            assertThat(api.post("/cards/" + cardId + "/erasure", TestConfig.KEY_ISSUER_A, "").status()).isEqualTo(200);
            assertThat(api.post("/cards/" + cardId + "/erasure", TestConfig.KEY_ISSUER_A, "").status()).isEqualTo(200);

            Await.until(WAIT, () -> !requests("/erased").isEmpty());
            JsonNode e = read(requests("/erased").getFirst());
            assertThat(e.get("type").asText()).isEqualTo("card.erased");
            assertThat(e.get("issuerId").asText()).isEqualTo(TestConfig.ISSUER_A);
            assertThat(e.get("card").get("id").asText()).isEqualTo(cardId);
            assertThat(e.get("data").get("cardId").asText()).isEqualTo(cardId);
            assertThat(e.get("card").get("last4").asText()).isEqualTo("****");
            assertThat(e.toString()).doesNotContain("ACC-HOOKED").doesNotContain("HOOKED\"").doesNotContain(pan);
            assertThat(count("select count(*) from webhook_event where type = 'card.erased' and card_id = "
                    + stream.row(cardId))).as("the second erasure raised nothing").isEqualTo(1);
        } catch (Exception x) {
            throw new AssertionError(x);
        } finally {
            api.delete("/webhooks/" + endpoint.json().get("id").asText(), TestConfig.KEY_ISSUER_A);
        }
    }

    private String enroll(String key, String pan, String accountRef, String lastName, String member) {
        Api.Response r = api.post("/cards", key, enrollment(pan, accountRef, lastName, member));
        assertThat(r.status()).as(r.body()).isIn(200, 201);
        return r.json().get("cardId").asText();
    }

    private static String enrollment(String pan, String accountRef, String lastName, String member) {
        return "{\"pan\":\"" + pan + "\",\"accountRef\":\"" + accountRef + "\",\"lastName\":\"" + lastName
                + "\",\"airline\":{\"program\":\"SKY\",\"memberNumber\":\"" + member + "\"}}";
    }

    /** Every value of every column of every table that contains one of {@code needles}, as table.column. */
    private List<String> scan(String... needles) throws Exception {
        List<String> found = new ArrayList<>();
        try (Connection c = node.processor().store().dataSource().getConnection()) {
            List<String[]> columns = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select table_name, column_name from information_schema.columns "
                    + "where table_schema = database() order by table_name, ordinal_position");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            for (String[] col : columns) {
                try (PreparedStatement ps = c.prepareStatement("select cast(`" + col[1] + "` as char) from `" + col[0] + "`");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String v = rs.getString(1);
                        for (String n : needles) {
                            if (v != null && v.contains(n)) {
                                found.add(col[0] + "." + col[1]);
                            }
                        }
                    }
                }
            }
        }
        return found;
    }

    /** The card's ledger rows: id -> amount. */
    private Map<Long, Long> ledger(long cardRow) throws Exception {
        Map<Long, Long> out = new HashMap<>();
        try (Connection c = node.processor().store().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select e.id, e.amount from ledger_entry e join reward r "
                     + "on r.id = e.reward_id where r.card_id = ?")) {
            ps.setLong(1, cardRow);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getLong(1), rs.getLong(2));
                }
            }
        }
        return out;
    }

    /** The card's rewards: public id -> "STATUS amount". */
    private Map<String, String> rewards(long cardRow) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Connection c = node.processor().store().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select public_id, status, amount, original_amount from reward "
                     + "where card_id = ?")) {
            ps.setLong(1, cardRow);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2).trim() + " " + rs.getLong(3) + "/" + rs.getLong(4));
                }
            }
        }
        return out;
    }

    private long count(String sql) throws Exception {
        return sum(sql);
    }

    private long sum(String sql) throws Exception {
        try (Connection c = node.processor().store().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private String string(String sql) throws Exception {
        try (Connection c = node.processor().store().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static List<LoggedRequest> requests(String path) {
        return issuer.findAll(postRequestedFor(urlEqualTo(path)));
    }

    private static JsonNode read(LoggedRequest r) {
        try {
            return JSON.readTree(r.getBody());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

}
