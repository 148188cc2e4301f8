package org.accrue.processor.intake;

import static org.accrue.processor.testing.Messages.purchase;
import static org.accrue.processor.testing.Messages.repeat;
import static org.accrue.processor.testing.Messages.withAmount;
import static org.accrue.processor.testing.Messages.withPan;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.accrue.iso8583.Acknowledgement;
import org.accrue.iso8583.CardMessage;
import org.accrue.iso8583.ResponseCode;
import org.accrue.processor.Processor;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.store.EmbeddedMariaDb;
import org.accrue.processor.store.Store;
import org.accrue.processor.testing.SharedMariaDb;
import org.accrue.processor.testing.TestConfig;
import org.accrue.rewards.enrollment.PanTokenizer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.BeforeEachCallback;

class MessageJournalTest {
    private static final String ENROLLED = "4000056655665556";
    private static final String OTHER_ENROLLED = "5200828282828210";
    private static final String NOT_ENROLLED = "4012888888881881";
    private static final Duration DEADLINE = Duration.ofSeconds(5);

    private String url;
    private EmbeddedMariaDb.Credentials credentials;

    @RegisterExtension
    final BeforeEachCallback database = (ExtensionContext c) -> {
        url = SharedMariaDb.get(c).freshDatabase();
        credentials = SharedMariaDb.get(c).credentials();
    };

    private Store store;
    private PanTokenizer tokenizer;
    private IntakeStats stats;
    private MessageJournal journal;
    private final Map<Integer, byte[]> keys = Map.of(1, key(1));

    @BeforeEach
    void open() {
        var config = TestConfig.config(TestConfig.values(java.nio.file.Path.of("unused")));
        store = Store.connect(null, url, credentials.user(), credentials.password(), config.store(), Processor.ENTITIES);
        tokenizer = new PanTokenizer(1, keys);
        stats = new IntakeStats();
        journal = new MessageJournal(store.sessionFactory(), tokenizer, InstantSource.system(), stats, 512, 4096, 2,
                DEADLINE);
        Enrollment enrollment = new Enrollment(store.sessionFactory(), tokenizer, InstantSource.system());
        enrollment.enroll(TestConfig.ISSUER_A, new Enrollment.Request(ENROLLED, "ACC-1", "DOE", null, null));
        enrollment.enroll(TestConfig.ISSUER_A, new Enrollment.Request(OTHER_ENROLLED, "ACC-2", "DOE", null, null));
    }

    @AfterEach
    void close() {
        journal.close();
        store.close();
    }

    @Test
    void aMessageForAnEnrolledCardIsInTheDatabaseWhenItIsAnswered() {
        CardMessage m = purchase(ENROLLED, 1250);
        assertThat(send(m).code()).isEqualTo(ResponseCode.RECORDED);
        assertThat(count("select count(*) from card_message where message_key = '" + m.messageKey() + "'")).isEqualTo(1);
    }

    @Test
    void aDuplicateIsAnsweredAsTheFirstAndStoresNothing() {
        CardMessage m = purchase(ENROLLED, 1250);
        send(m);
        assertThat(send(m).code()).isEqualTo(ResponseCode.RECORDED);
        assertThat(send(repeat(m)).code()).isEqualTo(ResponseCode.RECORDED);
        assertThat(count("select count(*) from card_message")).isEqualTo(1);
        assertThat(stats.snapshot().duplicates()).isEqualTo(2);
    }

    @Test
    void theSameKeyWithAnotherAmountIs94AndOneExceptionHoweverOftenItComes() {
        CardMessage m = purchase(ENROLLED, 1250);
        send(m);
        assertThat(send(withAmount(m, 9999)).code()).isEqualTo(ResponseCode.DUPLICATE_KEY_CONFLICT);
        assertThat(send(withAmount(m, 9999)).code()).isEqualTo(ResponseCode.DUPLICATE_KEY_CONFLICT);
        assertThat(count("select count(*) from card_message")).isEqualTo(1);
        assertThat(count("select amount_minor from card_message")).isEqualTo(1250);
        assertThat(count("select count(*) from processing_exception where type = 'MESSAGE_CONFLICT'")).isEqualTo(1);
    }

    @Test
    void theSameKeyWithAnotherPanIs94() {
        CardMessage m = purchase(ENROLLED, 1250);
        send(m);
        assertThat(send(withPan(m, OTHER_ENROLLED)).code()).isEqualTo(ResponseCode.DUPLICATE_KEY_CONFLICT);
        assertThat(count("select count(*) from card_message")).isEqualTo(1);
    }

    @Test
    void aMessageForACardNotEnrolledIsAcknowledgedAndCountedButNotStored() {
        assertThat(send(purchase(NOT_ENROLLED, 500)).code()).isEqualTo(ResponseCode.RECORDED);
        assertThat(send(purchase(NOT_ENROLLED, 700)).code()).isEqualTo(ResponseCode.RECORDED);
        assertThat(count("select count(*) from card_message")).isZero();
        assertThat(count("select sum(messages) from unenrolled_message_count")).isEqualTo(2);
        assertThat(stats.snapshot().notEnrolled()).isEqualTo(2);
    }

    @Test
    void duplicatesInsideOneBatchAreStillDuplicates() {
        CardMessage m = purchase(ENROLLED, 1250);
        List<CompletableFuture<Acknowledgement>> acks = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            acks.add(submit(i % 2 == 0 ? m : repeat(m)));
        }
        acks.forEach(a -> assertThat(a.join().code()).isEqualTo(ResponseCode.RECORDED));
        assertThat(count("select count(*) from card_message")).isEqualTo(1);
    }

    @Test
    void concurrentMessagesShareCommits() {
        List<CompletableFuture<Acknowledgement>> acks = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            acks.add(submit(purchase(i % 2 == 0 ? ENROLLED : OTHER_ENROLLED, 100 + i)));
        }
        acks.forEach(a -> assertThat(a.orTimeout(30, TimeUnit.SECONDS).join().code()).isEqualTo(ResponseCode.RECORDED));
        assertThat(count("select count(*) from card_message")).isEqualTo(2000);
        assertThat(stats.snapshot().batches()).isLessThan(2000);
    }

    @Test
    void aCardEnrolledUnderAnOlderKeyIsFoundAfterRotation() {
        MessageJournal rotated = new MessageJournal(store.sessionFactory(),
                new PanTokenizer(2, Map.of(1, keys.get(1), 2, key(2))), InstantSource.system(), stats, 512, 4096, 2,
                DEADLINE);
        try {
            CompletableFuture<Acknowledgement> ack = new CompletableFuture<>();
            rotated.onCardMessage(purchase(ENROLLED, 300), ack::complete);
            assertThat(ack.orTimeout(30, TimeUnit.SECONDS).join().code()).isEqualTo(ResponseCode.RECORDED);
        } finally {
            rotated.close();
        }
        assertThat(count("select count(*) from card_message where key_version = 1")).isEqualTo(1);
    }

    /**
     * A transaction that hangs (here: the not-enrolled counter row held by another transaction, so the journal's
     * upsert waits on its lock) is answered 96 at its deadline, once, and counted as nothing but a timeout; its
     * connection is aborted, so the writer takes the next message while the lock is still held; the resend after
     * the lock is gone is a first.
     */
    @Test
    void aBatchStuckInTheStoreIsAnswered96OnceAtItsDeadlineAndTheWriterGoesOnWithoutIt() throws Exception {
        Duration deadline = Duration.ofMillis(1000);
        IntakeStats own = new IntakeStats();
        MessageJournal quick = new MessageJournal(store.sessionFactory(), tokenizer, InstantSource.system(), own, 512,
                4096, 1, deadline);
        CardMessage stuck = purchase(NOT_ENROLLED, 500);
        AtomicInteger replies = new AtomicInteger();
        try (Connection holder = DriverManager.getConnection(url, credentials.user(), credentials.password())) {
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.executeUpdate("insert into unenrolled_message_count (day, writer, messages) values (utc_date(), 0, 0)");
            }
            CompletableFuture<Acknowledgement> first = new CompletableFuture<>();
            long sent = System.nanoTime();
            quick.onCardMessage(stuck, ack -> {
                replies.incrementAndGet();
                first.complete(ack);
            });
            assertThat(first.orTimeout(deadline.toMillis() + 2000, TimeUnit.MILLISECONDS).join().code())
                    .isEqualTo(ResponseCode.NOT_RECORDED_STORE_UNAVAILABLE);
            assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThanOrEqualTo(deadline);
            assertThat(own.snapshot().batchesTimedOut()).isEqualTo(1);
            assertThat(own.snapshot().notRecorded()).containsEntry("deadline", 1L);
            assertThat(own.snapshot().notEnrolled()).isZero();

            // The lock is still held: a 00 now means the writer is not waiting behind it.
            CardMessage next = purchase(ENROLLED, 700);
            assertThat(resendUntilRecorded(quick, next).code()).isEqualTo(ResponseCode.RECORDED);
            assertThat(quick.storeUp()).isTrue();
            holder.rollback();
        } finally {
            quick.close();
        }
        MessageJournal again = new MessageJournal(store.sessionFactory(), tokenizer, InstantSource.system(), own, 512,
                4096, 1, deadline);
        try {
            CompletableFuture<Acknowledgement> resent = new CompletableFuture<>();
            again.onCardMessage(stuck, resent::complete);
            assertThat(resent.orTimeout(30, TimeUnit.SECONDS).join().code()).isEqualTo(ResponseCode.RECORDED);
        } finally {
            again.close();
        }
        assertThat(count("select sum(messages) from unenrolled_message_count")).isEqualTo(1);
        assertThat(own.snapshot().notEnrolled()).isEqualTo(1);
        assertThat(replies.get()).isEqualTo(1);
    }

    /** Sends {@code m} again, as an issuer does after a 96, until it is recorded (bounded). */
    private static Acknowledgement resendUntilRecorded(MessageJournal j, CardMessage m) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Acknowledgement last = null;
        while (System.nanoTime() < deadline) {
            CompletableFuture<Acknowledgement> f = new CompletableFuture<>();
            j.onCardMessage(m, f::complete);
            last = f.orTimeout(30, TimeUnit.SECONDS).join();
            if (last.code() == ResponseCode.RECORDED) {
                return last;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // an issuer's resend interval, not a timing guess
        }
        return last;
    }

    private Acknowledgement send(CardMessage m) {
        return submit(m).orTimeout(30, TimeUnit.SECONDS).join();
    }

    private CompletableFuture<Acknowledgement> submit(CardMessage m) {
        CompletableFuture<Acknowledgement> f = new CompletableFuture<>();
        journal.onCardMessage(m, f::complete);
        return f;
    }

    private long count(String sql) {
        return store.sessionFactory().fromSession(s ->
                ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }

    private static byte[] key(int seed) {
        byte[] k = new byte[32];
        java.util.Arrays.fill(k, (byte) (seed * 31));
        return k;
    }
}
