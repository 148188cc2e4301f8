package org.accrue.processor.matcher;

import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.junit.jupiter.api.Test;

/**
 * A message the matcher cannot process never stops the others: it is matched alone, charged, and after
 * RewardMatcher.FAILURES_MAX failures quarantined for ops; the store's faults (and the matcher's own) charge nobody.
 */
@NodeSettings("accrue.rewards.matcher.enabled=false")
class RewardMatcherQuarantineTest extends RewardMatcherFixture {
    @Test
    void aMessageTheMatcherCannotReadIsQuarantinedWhileTheMessagesAroundItAreMatched() {
        // Issue 12: a 0220 with DE49 820 (numeric, not ISO 4217) stored by an old node failed every batch it was in,
        // for good. Here it sits between two good purchases, as that node left it.
        send(purchase("0200", pan, 4000, "RRN000000020", "A00020"));
        long first = one("select max(id) from card_message where card_id = ?1", cardRow);
        long block = one("select next value for card_message_seq"); // ids no journal writer will hand out
        long poison = storeCopy(first, block, "0220", "820", "RRN000000021");
        long after = storeCopy(first, block + 1, "0200", "840", "RRN000000022");
        StepClock clock = new StepClock();
        RewardMatcher m = matcherOn(clock);
        for (int round = 0; round < 10 && one("select count(*) from match_queue where message_id = ?1", poison) > 0; round++) {
            while (m.runOnce() > 0) {
                // what is due now
            }
            clock.advance(Duration.ofMinutes(1));
        }

        assertThat(one("select count(*) from match_outcome where message_id in (?1, ?2)", first, after))
                .as("the good messages on both sides are matched").isEqualTo(2);
        assertThat(sum("select count(*) from reward where card_id = :c and offer_id = 'bb-10' "
                + "and (lifecycle_key like '%RRN000000020%' or lifecycle_key like '%RRN000000022%')")).isEqualTo(2);
        assertThat(one("select count(*) from match_queue where message_id in (?1, ?2, ?3)", first, poison, after))
                .as("the queue is empty").isZero();
        assertThat(one("select count(*) from match_outcome where message_id = ?1", poison)).isZero();
        assertThat(one("select count(*) from processing_exception where type = 'MATCH_QUARANTINED' and message_id = ?1",
                poison)).as("the poison message is one exception").isEqualTo(1);
        assertThat(m.quarantined()).as("accrue.rewards.messages.quarantined").isEqualTo(1);

        Api.Response listed = new Api(node.processor().httpPort()).get("/exceptions?type=MATCH_QUARANTINED", KEY_OPS);
        assertThat(listed.status()).isEqualTo(200);
        com.fasterxml.jackson.databind.JsonNode item = null;
        for (var e : listed.json().get("exceptions")) {
            if (e.get("messageKey").asText().equals("copy-" + poison)) {
                item = e;
            }
        }
        assertThat(item).as("ops see the quarantined message").isNotNull();
        assertThat(item.get("card").asText()).isEqualTo("**** " + pan.substring(pan.length() - 4));
        assertThat(item.get("detail").asText()).contains("not an ISO 4217 numeric code: 820");
        assertThat(item.toString()).doesNotContain(pan);
        assertThat(item.get("actions").toString()).contains("RETRY").contains("WRITE_OFF");

        RewardMatcher restarted = matcherOn(clock);
        clock.advance(Duration.ofHours(1));
        while (restarted.runOnce() > 0) {
            // a restarted matcher has nothing of it left to fail on (a failure would throw here)
        }
        assertThat(one("select count(*) from match_queue where message_id = ?1", poison)).isZero();
        assertThat(one("select count(*) from processing_exception where type = 'MATCH_QUARANTINED' and message_id = ?1",
                poison)).isEqualTo(1);
    }

    @Test
    void opsRetryAQuarantinedMessageOnceItsCauseIsFixedAndItIsMatched() {
        long poison = poisonAfter("RRN000000040", "A00040", "RRN000000041");
        StepClock clock = new StepClock();
        RewardMatcher m = matcherOn(clock);
        untilQuarantined(m, clock, poison);
        long exceptionId = one("select id from processing_exception where type = 'MATCH_QUARANTINED' and message_id = ?1", poison);
        Api api = new Api(node.processor().httpPort());

        // The cause fixed (here: the stored currency corrected), ops put the message back.
        node.processor().store().sessionFactory().inTransaction(s -> s.createNativeMutationQuery(
                "update card_message set currency = '840' where id = ?1").setParameter(1, poison).executeUpdate());
        Api.Response retried = api.post("/exceptions/" + exceptionId + "/resolution", KEY_OPS,
                "{\"action\":\"RETRY\",\"reason\":\"DE49 corrected to 840 after the issuer confirmed USD\"}");
        assertThat(retried.status()).isEqualTo(200);
        assertThat(retried.json().get("status").asText()).isEqualTo("RESOLVED");
        assertThat(one("select count(*) from match_queue where message_id = ?1", poison)).isEqualTo(1);
        while (m.runOnce() > 0) {
            // matched now
        }
        assertThat(one("select count(*) from match_outcome where message_id = ?1", poison)).isEqualTo(1);
        assertThat(sum("select count(*) from reward where card_id = :c and offer_id = 'bb-10' and lifecycle_key like '%RRN000000041%'"))
                .isEqualTo(1);
        assertThat(api.post("/exceptions/" + exceptionId + "/resolution", KEY_OPS,
                "{\"action\":\"RETRY\",\"reason\":\"again\"}").status()).as("resolved once").isEqualTo(409);
    }

    @Test
    void aQuarantinedMessageRetriedAndFailingAgainIsANewException() {
        long poison = poisonAfter("RRN000000042", "A00042", "RRN000000043");
        StepClock clock = new StepClock();
        RewardMatcher m = matcherOn(clock);
        untilQuarantined(m, clock, poison);
        long exceptionId = one("select id from processing_exception where type = 'MATCH_QUARANTINED' and message_id = ?1", poison);
        assertThat(new Api(node.processor().httpPort()).post("/exceptions/" + exceptionId + "/resolution", KEY_OPS,
                "{\"action\":\"RETRY\",\"reason\":\"try once more\"}").status()).isEqualTo(200);
        untilQuarantined(m, clock, poison);
        assertThat(one("select count(*) from processing_exception where type = 'MATCH_QUARANTINED' and message_id = ?1 "
                + "and status = 'OPEN'", poison)).isEqualTo(1);
        assertThat(one("select count(*) from processing_exception where type = 'MATCH_QUARANTINED' and message_id = ?1", poison))
                .isEqualTo(2);
    }

    @Test
    void whenEveryMessageOfABatchFailsAloneNobodyIsChargedUntilAnotherGoesThrough() {
        // Two unreadable messages and nothing else: as far as the matcher can tell, the fault may be its own (a bad
        // deploy fails every message alike), so neither is charged; a good message in the next batch shows it works.
        emptyTheQueue();
        send(purchase("0200", pan, 4000, "RRN000000050", "A00050"));
        drain();
        long first = one("select max(id) from card_message where card_id = ?1", cardRow);
        long block = one("select next value for card_message_seq");
        long p1 = storeCopy(first, block, "0220", "820", "RRN000000051");
        long p2 = storeCopy(first, block + 1, "0220", "820", "RRN000000052");
        StepClock clock = new StepClock();
        RewardMatcher m = matcherOn(clock);
        org.assertj.core.api.Assertions.assertThatThrownBy(m::runOnce).hasMessageContaining("nobody is charged");
        assertThat(failures(p1)).isZero();
        assertThat(failures(p2)).isZero();

        long good = storeCopy(first, block + 2, "0200", "840", "RRN000000053");
        m.runOnce();
        assertThat(one("select count(*) from match_outcome where message_id = ?1", good)).isEqualTo(1);
        assertThat(failures(p1)).isEqualTo(1);
        assertThat(failures(p2)).isEqualTo(1);
        untilQuarantined(m, clock, p1);
        untilQuarantined(m, clock, p2);
        assertThat(m.quarantined()).isEqualTo(2);
    }

    @Test
    void aStoreFailureRetriesTheWholeBatchLaterAndChargesNobody() {
        // A lock wait timeout is the store's trouble, not the message's: nothing is charged, nothing quarantined.
        send(purchase("0100", pan, 4000, "RRN000000060", "A00060"));
        drain();
        send(purchase("0220", pan, 4000, "RRN000000060", "A00060")); // clears: reads the auth's rewards FOR UPDATE
        long clearing = one("select max(id) from card_message where card_id = ?1", cardRow);
        String url = node.databaseUrl() + "?sessionVariables=innodb_lock_wait_timeout=1";
        var credentials = node.databaseCredentials();
        try (org.accrue.processor.store.Store impatient = org.accrue.processor.store.Store.connect(null, url,
                credentials.user(), credentials.password(),
                org.accrue.processor.testing.TestConfig.config(node.settings()).store(), org.accrue.processor.Processor.ENTITIES);
             java.sql.Connection holder = node.processor().store().dataSource().getConnection()) {
            RewardMatcher m = new RewardMatcher(impatient.sessionFactory(), node.processor().catalog(), InstantSource.system(),
                    Duration.ofDays(10));
            holder.setAutoCommit(false);
            try (var lock = holder.prepareStatement("select id from reward where card_id = ? and lifecycle_key like ? for update")) {
                lock.setLong(1, cardRow);
                lock.setString(2, "%RRN000000060%");
                lock.executeQuery().close();
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(m::runOnce)
                    .satisfies(e -> assertThat(RewardMatcher.Fault.of(e)).isEqualTo(RewardMatcher.Fault.STORE));
            assertThat(failures(clearing)).as("nobody charged").isZero();
            assertThat(one("select count(*) from processing_exception where message_id = ?1", clearing)).isZero();
            holder.rollback();
            while (m.runOnce() > 0) {
                // the same batch, now that the store answers
            }
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
        assertThat(one("select count(*) from match_outcome where message_id = ?1", clearing)).isEqualTo(1);
        assertThat(sum("select count(*) from reward where card_id = :c and lifecycle_key like '%RRN000000060%' "
                + "and cleared_at is not null")).isEqualTo(2);
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> faults() {
        java.sql.SQLException deadlock = new java.sql.SQLTransactionRollbackException("Deadlock found", "40001", 1213);
        java.sql.SQLException lockWait = new java.sql.SQLException("Lock wait timeout exceeded", "HY000", 1205);
        java.sql.SQLException gone = new java.sql.SQLNonTransientConnectionException("Connection reset", "08000");
        java.sql.SQLException pool = new java.sql.SQLTransientConnectionException("accrue-store - Connection is not available",
                "08001");
        java.sql.SQLException noTable = new java.sql.SQLSyntaxErrorException("Table 'reward' doesn't exist", "42S02", 1146);
        java.sql.SQLException tooLong = new java.sql.SQLDataException("Data too long for column", "22001", 1406);
        java.sql.SQLException duplicate = new java.sql.SQLIntegrityConstraintViolationException("Duplicate entry", "23000", 1062);
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("a deadlock", new org.hibernate.exception.LockAcquisitionException(
                        "x", deadlock), RewardMatcher.Fault.STORE),
                org.junit.jupiter.params.provider.Arguments.of("a lock wait timeout", new IllegalStateException(lockWait),
                        RewardMatcher.Fault.STORE),
                org.junit.jupiter.params.provider.Arguments.of("a lost connection", new org.hibernate.exception.JDBCConnectionException(
                        "x", gone), RewardMatcher.Fault.STORE),
                org.junit.jupiter.params.provider.Arguments.of("an exhausted pool", pool, RewardMatcher.Fault.STORE),
                org.junit.jupiter.params.provider.Arguments.of("a missing table", new org.hibernate.exception.SQLGrammarException(
                        "x", noTable), RewardMatcher.Fault.STORE),
                org.junit.jupiter.params.provider.Arguments.of("a value too long for its column", new org.hibernate.exception.DataException(
                        "x", tooLong), RewardMatcher.Fault.MESSAGE),
                org.junit.jupiter.params.provider.Arguments.of("a unique key taken", new org.hibernate.exception.ConstraintViolationException(
                        "x", duplicate, "uk"), RewardMatcher.Fault.MESSAGE),
                org.junit.jupiter.params.provider.Arguments.of("an unknown currency", new IllegalArgumentException(
                        "not an ISO 4217 numeric code: 820"), RewardMatcher.Fault.MESSAGE),
                org.junit.jupiter.params.provider.Arguments.of("an overflow", new ArithmeticException("long overflow"),
                        RewardMatcher.Fault.MESSAGE),
                org.junit.jupiter.params.provider.Arguments.of("a bad stored date", new java.time.DateTimeException(
                        "Invalid value for MonthOfYear: 13"), RewardMatcher.Fault.MESSAGE));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} is the {2}''s fault")
    @org.junit.jupiter.params.provider.MethodSource("faults")
    void aFailureIsTheStoresUnlessItCanComeFromTheMessage(String what, Throwable failure, RewardMatcher.Fault expected) {
        assertThat(RewardMatcher.Fault.of(failure)).isEqualTo(expected);
    }

    @Test
    void aReasonShownToOpsNeverCarriesALongDigitRun() {
        assertThat(RewardMatcher.reason(new IllegalStateException("bad value 4000056655665556 in a field")))
                .isEqualTo("IllegalStateException: bad value <digits> in a field");
    }
}
