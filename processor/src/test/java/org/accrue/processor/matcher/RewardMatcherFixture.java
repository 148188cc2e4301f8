package org.accrue.processor.matcher;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;

import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.Requests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the matcher's tests share: a node on a real MariaDB with the catalog below imported, a card enrolled over the
 * API, an issuer connection over a real socket, and a matcher run step by step (the node's own is off: each test
 * class says so with its NodeSettings) so that every assertion follows a known point.
 */
@ExtendWith(ProcessorExtension.class)
abstract class RewardMatcherFixture {
    static final String CATALOG = """
            {"merchants":[{"merchantId":"blue-bottle","name":"Blue Bottle","mids":[{"acquirerId":"12345678901","mid":"MID000000000001"}],
                           "descriptors":["BLUE BOTTLE*"],"mccs":["5814"]},
                          {"merchantId":"corner-deli","name":"Corner Deli","mids":[{"acquirerId":"12345678901","mid":"MID000000000002"}],
                           "descriptors":["CORNER DELI*"],"mccs":["5411"]},
                          {"merchantId":"budget-cafe","name":"Budget Cafe","mids":[{"acquirerId":"12345678901","mid":"MID000000000003"}],
                           "descriptors":["BUDGET CAFE*"],"mccs":["5812"]}],
             "offers":[{"id":"bb-10","merchantId":"blue-bottle","reward":{"type":"PERCENT","rateBps":1000},"currency":"USD",
                        "startsAt":"2026-01-01T00:00:00Z","returnPeriodDays":14,"tierMultipliers":{"GOLD":15000}},
                       {"id":"bb-big-spender","merchantId":"blue-bottle","reward":{"type":"FIXED","amount":{"minor":5000,"currency":"USD"}},
                        "currency":"USD","minSpend":{"minor":100000,"currency":"USD"},"startsAt":"2026-01-01T00:00:00Z"},
                       {"id":"bb-activate","merchantId":"blue-bottle","reward":{"type":"FIXED","amount":{"minor":300,"currency":"USD"}},
                        "currency":"USD","activationRequired":true,"activationValidDays":30,"stacking":"STACKABLE",
                        "startsAt":"2026-01-01T00:00:00Z"},
                       {"id":"coffee-miles","mccs":["5814"],"reward":{"type":"MILES_PER_UNIT","milesPerUnit":2,"program":"SKY"},
                        "currency":"USD","stacking":"STACKABLE","startsAt":"2026-01-01T00:00:00Z"},
                       {"id":"deli-5","merchantId":"corner-deli","reward":{"type":"PERCENT","rateBps":500},"currency":"USD",
                        "startsAt":"2026-01-01T00:00:00Z","returnPeriodDays":0},
                       {"id":"cafe-budget","merchantId":"budget-cafe","reward":{"type":"PERCENT","rateBps":1000},"currency":"USD",
                        "budget":{"minor":1000,"currency":"USD"},"startsAt":"2026-01-01T00:00:00Z"}]}""";

    protected Node node;
    protected IssuerConnection issuer;
    protected RewardMatcher matcher;
    protected String pan;
    protected String cardId;
    protected long cardRow;

    @BeforeEach
    void setUp(Node node) throws Exception {
        this.node = node;
        java.nio.file.Path f = node.dataDir().resolve("catalog.json");
        java.nio.file.Files.writeString(f, CATALOG);
        node.processor().catalog().importFile(f);
        pan = org.accrue.iso8583.Pans.withCheckDigit("400000" + String.format("%09d", System.nanoTime() % 1_000_000_000L));
        cardId = new Api(node.processor().httpPort()).enroll(KEY_ISSUER_A, pan, "ACC");
        cardRow = node.processor().enrollment().internalId(null, cardId).orElseThrow();
        issuer = new IssuerConnection("127.0.0.1", node.processor().isoPort());
        matcher = new RewardMatcher(node.processor().store().sessionFactory(), node.processor().catalog(),
                InstantSource.system(), Duration.ofDays(10));
    }

    @AfterEach
    void tearDown() {
        issuer.close();
    }

    protected void send(WireMessage m) {
        assertThat(issuer.send(m).orTimeout(30, TimeUnit.SECONDS).join().get(39)).isEqualTo("00");
    }

    protected void drain() {
        while (matcher.runOnce() > 0) {
            // each call takes one batch off the outbox
        }
    }

    protected long sum(String sql) {
        return node.processor().store().sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(sql, Object.class)
                .setParameter("c", cardRow).getSingleResult()).longValue());
    }

    protected static WireMessage purchase(String mti, String pan, long amount, String rrn, String auth) {
        return Requests.of(mti, pan, amount).with(37, rrn).with(38, auth).with(42, "MID000000000001");
    }

    /** A clock the test moves: the matcher's pauses pass without waiting. */
    protected static final class StepClock implements InstantSource {
        private volatile Instant now = Instant.now();

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    protected long one(String sql, Object... params) {
        return node.processor().store().sessionFactory().fromSession(s -> {
            var q = s.createNativeQuery(sql, Object.class);
            for (int i = 0; i < params.length; i++) {
                q.setParameter(i + 1, params[i]);
            }
            return ((Number) q.getSingleResult()).longValue();
        });
    }

    /**
     * Writes a copy of stored message {@code templateId} straight into the store, with its outbox row, the way a node
     * from before the listener's ISO 4217 check stored what it was sent. Returns the copy's id.
     */
    protected long storeCopy(long templateId, long id, String mti, String currency, String rrn) {
        node.processor().store().sessionFactory().inTransaction(s -> {
            s.createNativeMutationQuery("insert into card_message (id, message_key, mti, card_id, pan_token, key_version, "
                            + "processing_code, amount_minor, currency, billing_amount_minor, billing_currency, transmitted, stan, "
                            + "local_time, local_date, mcc, pos_entry_mode, acquirer_id, rrn, auth_id, terminal_id, merchant_id, "
                            + "acceptor_name, acceptor_city, acceptor_country, tip_minor, orig_mti, orig_stan, orig_transmitted, "
                            + "orig_acquirer_id, replacement_amount_minor, response_code, received_at) "
                            + "select ?1, concat('copy-', ?1), ?2, card_id, pan_token, key_version, processing_code, amount_minor, ?3, "
                            + "billing_amount_minor, billing_currency, transmitted, stan, local_time, local_date, mcc, "
                            + "pos_entry_mode, acquirer_id, ?4, auth_id, terminal_id, merchant_id, acceptor_name, acceptor_city, "
                            + "acceptor_country, tip_minor, orig_mti, orig_stan, orig_transmitted, orig_acquirer_id, "
                            + "replacement_amount_minor, response_code, received_at from card_message where id = ?5")
                    .setParameter(1, id).setParameter(2, mti).setParameter(3, currency).setParameter(4, rrn)
                    .setParameter(5, templateId).executeUpdate();
            s.createNativeMutationQuery("insert into match_queue (message_id, lane, seq) select id, mod(card_id, 8), seq "
                    + "from card_message where id = ?1").setParameter(1, id).executeUpdate();
        });
        return id;
    }

    /** Runs {@code m} round after round, a minute apart on {@code clock}, until {@code messageId} has left the queue. */
    protected void untilQuarantined(RewardMatcher m, StepClock clock, long messageId) {
        for (int round = 0; round < 10 && one("select count(*) from match_queue where message_id = ?1", messageId) > 0; round++) {
            while (m.runOnce() > 0) {
                // what is due now
            }
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(one("select count(*) from match_queue where message_id = ?1", messageId)).isZero();
    }

    protected long failures(long messageId) {
        return one("select coalesce(max(failures), -1) from match_queue where message_id = ?1", messageId);
    }

    /** Everything due a day from now matched, so that a test sees only its own queue rows. */
    protected void emptyTheQueue() {
        RewardMatcher dayLater = matcherOn(InstantSource.fixed(Instant.now().plus(Duration.ofDays(1))));
        while (dayLater.runOnce() > 0) {
            // drain
        }
        assertThat(dayLater.backlog()).isZero();
    }

    protected RewardMatcher matcherOn(InstantSource clock) {
        return new RewardMatcher(node.processor().store().sessionFactory(), node.processor().catalog(), clock,
                Duration.ofDays(10));
    }

    /** A purchase sent and matched, then a copy of it in currency 820 stored as an old node would; returns the copy. */
    protected long poisonAfter(String rrn, String auth, String poisonRrn) {
        send(purchase("0200", pan, 4000, rrn, auth));
        drain();
        long first = one("select max(id) from card_message where card_id = ?1", cardRow);
        return storeCopy(first, one("select next value for card_message_seq"), "0200", "820", poisonRrn);
    }
}
