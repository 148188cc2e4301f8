package org.accrue.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.accrue.iso8583.Pans;
import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.testing.Requests;
import org.accrue.processor.testing.SharedMariaDb;
import org.accrue.processor.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes of one cluster in one JVM, on one MariaDB (an external store to both), each with its own ISO 8583
 * listener: neither node's Q2 settings, listener names or handler reach the other (issue 14: they went through
 * system properties and JVM-wide names, and the second listener never started), and the store keeps its promises
 * across them: every message stored once, a resend to the other node answered as a duplicate, and every purchase
 * matched once by one of the two matchers.
 */
class TwoNodesOneStoreTest {
    private static final int CARDS = 4;
    private static final int PURCHASES_PER_NODE = 12;
    private static final long AMOUNT_MINOR = 1250;
    private static final long MATCH_WAIT_SECONDS = 60;
    /** The merchant of Requests' purchases and one offer on it: each purchase earns exactly one reward. */
    private static final String CATALOG = """
            {"merchants":[{"merchantId":"blue-bottle","name":"Blue Bottle","mids":[{"acquirerId":"12345678901","mid":"MID000000000001"}],
                           "descriptors":["BLUE BOTTLE*"],"mccs":["5814"]}],
             "offers":[{"id":"bb-10","merchantId":"blue-bottle","reward":{"type":"PERCENT","rateBps":1000},"currency":"USD",
                        "startsAt":"2026-01-01T00:00:00Z","returnPeriodDays":14}]}""";

    private String url;
    private org.accrue.processor.store.EmbeddedMariaDb.Credentials credentials;

    @RegisterExtension
    final BeforeEachCallback database = (ExtensionContext c) -> {
        url = SharedMariaDb.get(c).freshDatabase();
        credentials = SharedMariaDb.get(c).credentials();
    };

    @Test
    void twoNodesInOneJvmAnswerOnTheirOwnPortsAndEveryMessageIsStoredAndMatchedOnce(@TempDir Path dirA, @TempDir Path dirB)
            throws Exception {
        Map<String, String> a = settings(dirA);
        Map<String, String> b = settings(dirB);
        b.put("accrue.pan.key.1", a.get("accrue.pan.key.1")); // one cluster: one token key, or B finds no card
        List<String> pans = new ArrayList<>();
        for (int i = 0; i < CARDS; i++) {
            pans.add(Pans.withCheckDigit(String.format("400000777%06d", i)));
        }
        try (Processor nodeA = Processor.builder(TestConfig.config(a)).http(false).start()) {
            // Cards and the offer first, through A: B's matcher then reads a catalog that has the offer from its start.
            for (String pan : pans) {
                nodeA.enrollment().enroll(TestConfig.ISSUER_A, new Enrollment.Request(pan, "ACC-" + pan.substring(12),
                        "DOE", null, null));
            }
            Path catalog = Files.writeString(dirA.resolve("catalog.json"), CATALOG);
            nodeA.catalog().importFile(catalog);

            try (Processor nodeB = Processor.builder(TestConfig.config(b)).http(false).start();
                 IssuerConnection toA = new IssuerConnection("127.0.0.1", nodeA.isoPort());
                 IssuerConnection toB = new IssuerConnection("127.0.0.1", nodeB.isoPort())) {
                assertThat(nodeB.isoPort()).isNotEqualTo(nodeA.isoPort());
                List<WireMessage> sentToA = purchases(pans);
                List<WireMessage> sentToB = purchases(pans);

                assertThat(answers(toA, sentToA)).containsOnly("00");
                assertThat(answers(toB, sentToB)).containsOnly("00");
                // The same messages again, to the other node: the store knows them, whichever node took them first.
                assertThat(answers(toB, sentToA)).containsOnly("00");
                assertThat(answers(toA, sentToB)).containsOnly("00");

                // Each listener handed its messages to its own node's journal.
                assertThat(nodeA.stats().snapshot().stored()).isEqualTo(PURCHASES_PER_NODE);
                assertThat(nodeB.stats().snapshot().stored()).isEqualTo(PURCHASES_PER_NODE);
                assertThat(nodeA.stats().snapshot().duplicates()).isEqualTo(PURCHASES_PER_NODE);
                assertThat(nodeB.stats().snapshot().duplicates()).isEqualTo(PURCHASES_PER_NODE);

                long all = 2L * PURCHASES_PER_NODE;
                awaitMatched(nodeA, nodeB, all);
                assertThat(nodeA.matcher().matched() + nodeB.matcher().matched()).isEqualTo(all);
                assertThat(count(nodeA, "select count(*) from card_message")).isEqualTo(all);
                assertThat(count(nodeA, "select count(distinct stan) from card_message")).isEqualTo(all);
                assertThat(count(nodeA, "select count(*) from match_queue")).isZero();
                assertThat(count(nodeA, "select count(*) from match_outcome")).isEqualTo(all);
                assertThat(count(nodeB, "select count(*) from reward")).isEqualTo(all);
                assertThat(count(nodeB, "select count(distinct source_message_id) from reward")).isEqualTo(all);
            }
        }
    }

    /** A node of its own (data directory, Q2 deploy directory, listener on a free port) on the shared database. */
    private Map<String, String> settings(Path dir) {
        Map<String, String> v = TestConfig.values(dir);
        v.put("accrue.store.mode", "external");
        v.put("accrue.store.url", url);
        v.put("accrue.store.user", credentials.user());
        v.put("accrue.store.password", credentials.password());
        return v;
    }

    private static List<WireMessage> purchases(List<String> pans) {
        List<WireMessage> out = new ArrayList<>();
        for (int i = 0; i < PURCHASES_PER_NODE; i++) {
            out.add(Requests.of("0200", pans.get(i % pans.size()), AMOUNT_MINOR));
        }
        return out;
    }

    /** Every message sent at once on the connection (many in flight), and the DE39 of each answer. */
    private static List<String> answers(IssuerConnection c, List<WireMessage> messages) {
        List<CompletableFuture<WireMessage>> pending = messages.stream().map(c::send).toList();
        return pending.stream().map(f -> f.orTimeout(30, TimeUnit.SECONDS).join().get(39)).toList();
    }

    /** The two matchers work off the acknowledgement path: poll, bounded, until they have matched {@code n} together. */
    private static void awaitMatched(Processor x, Processor y, long n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MATCH_WAIT_SECONDS);
        while (x.matcher().matched() + y.matcher().matched() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the two matchers matched " + (x.matcher().matched() + y.matcher().matched())
                        + " of " + n + " messages in " + MATCH_WAIT_SECONDS + " s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private static long count(Processor node, String sql) {
        return node.store().sessionFactory().fromSession(s ->
                ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }
}
