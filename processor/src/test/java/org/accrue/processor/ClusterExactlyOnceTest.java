package org.accrue.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.accrue.iso8583.Pans;
import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.confirmations.ConfirmationImports;
import org.accrue.processor.matcher.RewardMatcher;
import org.accrue.processor.testing.Requests;
import org.accrue.processor.testing.SharedMariaDb;
import org.accrue.processor.testing.TestConfig;
import org.accrue.processor.testing.TwoNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * N nodes, one store (issue 15 item 2), with two nodes in one JVM on one database: what must happen once happens
 * once whichever node does it. A refund or reversal stored on one node is matched after its purchase stored on the
 * other (ids from per-node blocks are not in arrival order); an offer's budget and a card's cap that both nodes'
 * matchers spend at the same moment end spent exactly; a job runs once per fire time with a scheduler on each node; a
 * confirmation file uploaded to both nodes at once is applied once and is a DUPLICATE on the other.
 */
class ClusterExactlyOnceTest {
    private static final Duration WAIT_MAX = Duration.ofSeconds(30);
    private static final Duration CLEARING_WINDOW = Duration.ofDays(30);
    private static final String ACQUIRER = "12345678901";
    private static final String MID_BUDGET = "MID000000000001";
    private static final String MID_CAPPED = "MID000000000002";
    /** 10% on each merchant: a 12.50 purchase earns 1.25. Blue Bottle's offer has a budget, Red Door's a card cap. */
    private static final String CATALOG = """
            {"merchants":[{"merchantId":"blue-bottle","name":"Blue Bottle","mids":[{"acquirerId":"12345678901","mid":"MID000000000001"}],
                           "descriptors":["BLUE BOTTLE*"],"mccs":["5814"]},
                          {"merchantId":"red-door","name":"Red Door","mids":[{"acquirerId":"12345678901","mid":"MID000000000002"}],
                           "descriptors":["RED DOOR*"],"mccs":["5812"]}],
             "offers":[{"id":"bb-budget","merchantId":"blue-bottle","reward":{"type":"PERCENT","rateBps":1000},"currency":"USD",
                        "budget":{"minor":10000,"currency":"USD"},"startsAt":"2026-01-01T00:00:00Z","returnPeriodDays":14},
                       {"id":"rd-capped","merchantId":"red-door","reward":{"type":"PERCENT","rateBps":1000},"currency":"USD",
                        "maxRewardPerCard":{"minor":1000,"currency":"USD"},"startsAt":"2026-01-01T00:00:00Z","returnPeriodDays":14}]}""";
    private static final long PURCHASE_MINOR = 1250;

    private TwoNodes nodes;
    /** One thread per node (the common pool may have one thread on a small machine: the two would never meet). */
    private final java.util.concurrent.ExecutorService twoThreads = java.util.concurrent.Executors.newFixedThreadPool(2);

    @org.junit.jupiter.api.AfterEach
    void stopThreads() {
        twoThreads.shutdownNow();
    }

    @RegisterExtension
    final BeforeEachCallback database = (ExtensionContext c) -> nodes = new TwoNodes(SharedMariaDb.get(c));

    @Test
    void aRefundAndAReversalStoredOnTheOtherNodeAreMatchedAfterTheirPurchase(@TempDir Path dirA, @TempDir Path dirB)
            throws Exception {
        List<String> pans = pans(3);
        try (Processor a = nodes.start(dirA, Map.of(), x -> x.matcher(false).scheduler(false));
             Processor b = nodes.start(dirB, Map.of(), x -> x.matcher(false).scheduler(false));
             IssuerConnection toA = new IssuerConnection("127.0.0.1", a.isoPort());
             IssuerConnection toB = new IssuerConnection("127.0.0.1", b.isoPort())) {
            setUp(a, dirA, pans);
            // A takes the first block of message ids, B the next: from then on A's ids are below B's whatever the order.
            send(toA, message("0200", pans.get(0), PURCHASE_MINOR, MID_BUDGET));
            send(toB, message("0200", pans.get(0), PURCHASE_MINOR, MID_BUDGET));

            WireMessage purchase = message("0200", pans.get(1), PURCHASE_MINOR, MID_BUDGET);
            send(toB, purchase);
            send(toA, message("0200", pans.get(1), PURCHASE_MINOR, MID_BUDGET).with(3, "200000").with(37, purchase.get(37)));
            WireMessage auth = message("0100", pans.get(2), 2000, MID_BUDGET);
            send(toB, auth);
            send(toA, message("0400", pans.get(2), 2000, MID_BUDGET).with(37, auth.get(37)).with(38, auth.get(38))
                    .with(90, "0100" + auth.get(11) + auth.get(7) + ACQUIRER + "00000000000"));
            assertThat(sql(a, "select count(*) from card_message m join card_message p on p.card_id = m.card_id "
                    + "and p.mti in ('0100', '0200') and p.processing_code = '000000' where m.id < p.id and "
                    + "(m.processing_code = '200000' or m.mti = '0400')"))
                    .as("the refund's and the reversal's ids are below their purchases' (the case that broke)").isEqualTo(2);

            RewardMatcher matcherOfA = new RewardMatcher(a.store().sessionFactory(), a.catalog(), InstantSource.system(),
                    CLEARING_WINDOW);
            await("the queue is matched", () -> {
                matcherOfA.runOnce();
                return sql(a, "select count(*) from match_queue") == 0;
            });

            assertThat(rewarded(a, purchase.get(11))).as("refunded in full after it earned").isZero();
            assertThat(sql(a, "select count(*) from reward r join card_message m on m.id = r.source_message_id "
                    + "where m.stan = '" + purchase.get(11) + "'")).isEqualTo(1);
            assertThat(rewarded(a, auth.get(11))).as("reversed after it earned").isZero();
            assertThat(sql(a, "select count(*) from reward r join card_message m on m.id = r.source_message_id "
                    + "where m.stan = '" + auth.get(11) + "'")).isEqualTo(1);
        }
    }

    @Test
    void aBudgetAndACardCapThatBothNodesMatchAtOnceAreSpentExactly(@TempDir Path dirA, @TempDir Path dirB) throws Exception {
        List<String> pans = pans(9);
        int budgetPurchases = 120; // 1.25 each: the 100.00 budget covers 80
        int cappedPurchases = 300; // one card; 1.25 each: its 10.00 cap covers 8
        try (Processor a = nodes.start(dirA, Map.of(), x -> x.matcher(false).scheduler(false));
             Processor b = nodes.start(dirB, Map.of(), x -> x.matcher(false).scheduler(false));
             IssuerConnection toA = new IssuerConnection("127.0.0.1", a.isoPort());
             IssuerConnection toB = new IssuerConnection("127.0.0.1", b.isoPort())) {
            setUp(a, dirA, pans);
            List<CompletableFuture<WireMessage>> answers = new ArrayList<>();
            for (int i = 0; i < budgetPurchases; i++) {
                answers.add((i % 2 == 0 ? toA : toB).send(message("0200", pans.get(1 + i % 8), PURCHASE_MINOR, MID_BUDGET)));
            }
            for (int i = 0; i < cappedPurchases; i++) {
                answers.add((i % 2 == 0 ? toA : toB).send(message("0200", pans.get(0), PURCHASE_MINOR, MID_CAPPED)));
            }
            for (CompletableFuture<WireMessage> f : answers) {
                assertThat(f.orTimeout(30, TimeUnit.SECONDS).join().get(39)).isEqualTo("00");
            }

            // Each node's matcher, started together, batch after batch until the queue is empty.
            RewardMatcher matcherOfA = new RewardMatcher(a.store().sessionFactory(), a.catalog(), InstantSource.system(),
                    CLEARING_WINDOW);
            RewardMatcher matcherOfB = new RewardMatcher(b.store().sessionFactory(), b.catalog(), InstantSource.system(),
                    CLEARING_WINDOW);
            CyclicBarrier together = new CyclicBarrier(2);
            await("both matchers have matched the queue", () -> {
                CompletableFuture<Integer> onA = CompletableFuture.supplyAsync(() -> batchAfter(together, matcherOfA), twoThreads);
                CompletableFuture<Integer> onB = CompletableFuture.supplyAsync(() -> batchAfter(together, matcherOfB), twoThreads);
                onA.join();
                onB.join();
                return sql(a, "select count(*) from match_queue") == 0;
            });

            long all = budgetPurchases + cappedPurchases + 0L;
            assertThat(sql(a, "select count(*) from match_outcome")).as("every purchase matched once").isEqualTo(all);
            assertThat(sql(a, "select count(*) from reward")).isEqualTo(sql(a, "select count(distinct source_message_id) from reward"));
            assertThat(sql(a, "select coalesce(sum(amount), 0) from reward where offer_id = 'bb-budget'"))
                    .as("the budget, spent exactly").isEqualTo(10_000);
            assertThat(sql(a, "select coalesce(sum(amount), 0) from reward where offer_id = 'rd-capped'"))
                    .as("the card's cap, spent exactly").isEqualTo(1_000);
        }
    }

    @Test
    void theNodesOwnMatchersWorkingAsTrafficArrivesSpendABudgetAndACardCapExactly(@TempDir Path dirA, @TempDir Path dirB)
            throws Exception {
        List<String> pans = pans(9);
        int budgetPurchases = 120;
        int cappedPurchases = 120;
        try (Processor a = nodes.start(dirA, Map.of(), x -> x.scheduler(false))) {
            // The catalog before B starts: a node reads a catalog changed elsewhere within its reload period (30 s).
            setUp(a, dirA, pans);
            try (Processor b = nodes.start(dirB, Map.of(), x -> x.scheduler(false))) {
                trafficToBoth(a, b, pans, budgetPurchases, cappedPurchases);
            }
        }
    }

    private static void trafficToBoth(Processor a, Processor b, List<String> pans, int budgetPurchases, int cappedPurchases) {
        try (IssuerConnection toA = new IssuerConnection("127.0.0.1", a.isoPort());
             IssuerConnection toB = new IssuerConnection("127.0.0.1", b.isoPort())) {
            List<CompletableFuture<WireMessage>> answers = new ArrayList<>();
            for (int i = 0; i < Math.max(budgetPurchases, cappedPurchases); i++) {
                IssuerConnection to = i % 2 == 0 ? toA : toB;
                if (i < budgetPurchases) {
                    answers.add(to.send(message("0200", pans.get(1 + i % 8), PURCHASE_MINOR, MID_BUDGET)));
                }
                if (i < cappedPurchases) {
                    answers.add(to.send(message("0200", pans.get(0), PURCHASE_MINOR, MID_CAPPED)));
                }
            }
            for (CompletableFuture<WireMessage> f : answers) {
                assertThat(f.orTimeout(30, TimeUnit.SECONDS).join().get(39)).isEqualTo("00");
            }
            long all = budgetPurchases + cappedPurchases + 0L;
            await("the nodes' matchers have matched every purchase", () ->
                    sql(a, "select count(*) from match_outcome") == all && sql(a, "select count(*) from match_queue") == 0);

            assertThat(a.matcher().matched() + b.matcher().matched()).as("each matched once, by one node").isEqualTo(all);
            assertThat(sql(a, "select coalesce(sum(amount), 0) from reward where offer_id = 'bb-budget'")).isEqualTo(10_000);
            assertThat(sql(a, "select coalesce(sum(amount), 0) from reward where offer_id = 'rd-capped'")).isEqualTo(1_000);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aSchedulerOnEachNodeRunsAJobOncePerFireTimeAndAStartingNodeLeavesItsTriggerAsItWas(@TempDir Path dirA,
                                                                                          @TempDir Path dirB) {
        Map<String, String> everySecond = Map.of("accrue.jobs.enabled", "true", "accrue.jobs.schedule.expiry", "* * * * * ?",
                "accrue.jobs.schedule.posting", "-", "accrue.jobs.schedule.statement-file", "-",
                "accrue.jobs.schedule.miles-accrual", "-", "accrue.jobs.schedule.reconciliation", "-",
                "accrue.jobs.schedule.tiers", "-", "accrue.jobs.schedule.merchant-invoicing", "-",
                "accrue.jobs.schedule.win-back", "-", "accrue.jobs.schedule.partner-invoicing", "-");
        try (Processor a = nodes.start(dirA, everySecond, x -> x.listener(false).matcher(false))) {
            await("node A has run the job on schedule", () -> scheduledRuns(a) >= 1);
            long startTime = sql(a, "select start_time from QRTZ_TRIGGERS where trigger_name = 'expiry-schedule'");
            try (Processor b = nodes.start(dirB, everySecond, x -> x.listener(false).matcher(false))) {
                assertThat(b.jobs().node()).isNotEqualTo(a.jobs().node());
                assertThat(sql(a, "select start_time from QRTZ_TRIGGERS where trigger_name = 'expiry-schedule'"))
                        .as("the trigger B found unchanged is the one A scheduled").isEqualTo(startTime);
                long before = scheduledRuns(a);
                await("two schedulers checked in", () -> sql(a, "select count(*) from QRTZ_SCHEDULER_STATE") == 2);
                await("both nodes' schedulers have gone on firing", () -> scheduledRuns(a) >= before + 4);
            }
        }
        // The nodes are closed: their runs are finished.
        try (Processor reader = nodes.start(dirA, Map.of(), Processor.Builder::offline)) {
            assertThat(sql(reader, "select count(*) from job_run where job_name = 'expiry' and requested_by = 'schedule' "
                    + "and scheduled_at is null")).isZero();
            assertThat(sql(reader, "select count(*) from job_run where job_name = 'expiry' and status <> 'SUCCEEDED'"))
                    .as("no fire time run twice, none skipped as already running").isZero();
            assertThat(sql(reader, "select count(*) from job_run where job_name = 'expiry'"))
                    .isEqualTo(sql(reader, "select count(distinct scheduled_at) from job_run where job_name = 'expiry'"));
        }
    }

    @Test
    void aConfirmationFileUploadedToBothNodesAtOnceIsAppliedOnceAndADuplicateOnTheOther(@TempDir Path dirA,
                                                                                      @TempDir Path dirB) throws Exception {
        try (Processor a = nodes.start(dirA, Map.of(), Processor.Builder::offline);
             Processor b = nodes.start(dirB, Map.of(), Processor.Builder::offline)) {
            CyclicBarrier together = new CyclicBarrier(2);
            for (int round = 0; round < 5; round++) {
                byte[] file = ("H|STMTCONF|BANK_A|CONF-TWICE-" + round + "|2026-11-23T04:00:00Z|-\nT|0|0\n")
                        .getBytes(StandardCharsets.UTF_8);
                String onA = a.operations().imports().receive(TestConfig.ISSUER_A, new ByteArrayInputStream(file), "API",
                        "conf.txt", "test");
                String onB = b.operations().imports().receive(TestConfig.ISSUER_A, new ByteArrayInputStream(file), "API",
                        "conf.txt", "test");
                CompletableFuture<ConfirmationImports.Import> x = CompletableFuture.supplyAsync(() ->
                        processAfter(together, a.operations().imports(), onA), twoThreads);
                CompletableFuture<ConfirmationImports.Import> y = CompletableFuture.supplyAsync(() ->
                        processAfter(together, b.operations().imports(), onB), twoThreads);
                assertThat(List.of(x.get(60, TimeUnit.SECONDS).status(), y.get(60, TimeUnit.SECONDS).status()))
                        .as("round " + round).containsExactlyInAnyOrder(ConfirmationImports.Status.APPLIED,
                                ConfirmationImports.Status.DUPLICATE);
            }
        }
    }

    private static ConfirmationImports.Import processAfter(CyclicBarrier together, ConfirmationImports imports, String id) {
        try {
            together.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return imports.process(id);
    }

    private static int batchAfter(CyclicBarrier together, RewardMatcher matcher) {
        try {
            together.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return matcher.runOnce();
    }

    private static long scheduledRuns(Processor node) {
        return sql(node, "select count(*) from job_run where job_name = 'expiry' and requested_by = 'schedule'");
    }

    /** Cards enrolled and the catalog imported, through node A. */
    private static void setUp(Processor a, Path dir, List<String> pans) throws Exception {
        for (String pan : pans) {
            a.enrollment().enroll(TestConfig.ISSUER_A, new Enrollment.Request(pan, "ACC-" + pan.substring(12), "DOE",
                    null, null));
        }
        a.catalog().importFile(Files.writeString(dir.resolve("catalog.json"), CATALOG));
    }

    private static List<String> pans(int n) {
        String prefix = String.format("4%05d", (int) (Math.random() * 100_000));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Pans.withCheckDigit(prefix + String.format("%09d", i)));
        }
        return out;
    }

    /** A purchase-like message at {@code mid} (Requests' elements; its own STAN, DE37 and DE38). */
    private static WireMessage message(String mti, String pan, long amountMinor, String mid) {
        WireMessage m = Requests.of(mti, pan, amountMinor).with(42, mid);
        return mid.equals(MID_CAPPED) ? m.with(43, "RED DOOR                 OAKLAND      US").with(18, "5812") : m;
    }

    private static void send(IssuerConnection c, WireMessage m) {
        assertThat(c.send(m).orTimeout(30, TimeUnit.SECONDS).join().get(39)).isEqualTo("00");
    }

    private static long rewarded(Processor node, String stan) {
        return sql(node, "select coalesce(sum(r.amount), 0) from reward r join card_message m on m.id = r.source_message_id "
                + "where m.stan = '" + stan + "'");
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT_MAX.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // polls a condition in the store; not a timing guess
        }
    }

    private static long sql(Processor node, String sql) {
        return node.store().sessionFactory().fromSession(s ->
                ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }
}
