package org.accrue.processor.confirmations;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_B;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.accrue.processor.testing.TestConfig.KEY_OPS_2;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.concurrent.locks.LockSupport;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.RewardStream;
import org.accrue.reconciliation.files.Confirmation;
import org.accrue.reconciliation.matching.Outcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Confirmation files against credits really sent (real purchases, posting, a statement file): every outcome of the
 * spec's table, every resolution with its ledger effect and audit, maker-checker, and bad files rejected whole.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.exceptions.write-off-approval-minor=300"})
class ReconciliationTest {
    private Node node;
    private RewardStream stream;
    private Api api;

    /** A credit as sent. */
    record Sent(String creditId, String accountRef, long amount, long rewardId) {
    }

    @BeforeEach
    void setUp(Node node) throws Exception {
        this.node = node;
        this.stream = new RewardStream(node);
        this.api = new Api(node.processor().httpPort());
    }

    @AfterEach
    void tearDown() {
        stream.close();
    }

    private long sql(String sql) {
        return node.processor().store().sessionFactory().fromSession(s ->
                ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }

    private String text(String sql) {
        return node.processor().store().sessionFactory().fromSession(s ->
                String.valueOf(s.createNativeQuery(sql, Object.class).getSingleResult()));
    }

    /** Five credits of one new Bank A card, sent in a statement file. */
    private List<Sent> fiveSentCredits(String accountRef) {
        String pan = RewardStream.newPan();
        long card = stream.row(stream.enroll(KEY_ISSUER_A, pan, accountRef, "NGUYEN"));
        for (long amount : new long[] {4000, 5000, 6000, 7000, 8000}) {
            stream.purchase(pan, amount);
        }
        stream.matchAndMakeAvailable();
        node.processor().operations().posting().post();
        node.processor().operations().files().writeAll();
        List<Object[]> rows = node.processor().store().sessionFactory().fromSession(s -> s.createNativeQuery(
                "select credit_id, account_ref, amount, reward_id from statement_credit where card_id = " + card
                        + " order by amount", Object[].class).getResultList());
        List<Sent> out = new ArrayList<>();
        for (Object[] r : rows) {
            out.add(new Sent((String) r[0], (String) r[1], ((Number) r[2]).longValue(), ((Number) r[3]).longValue()));
        }
        assertThat(out).hasSize(5);
        return out;
    }

    private static String file(String fileId, List<String> details) {
        long sum = 0;
        for (String d : details) {
            sum += Long.parseLong(d.split("\\|")[3]);
        }
        return "H|STMTCONF|BANK_A|" + fileId + "|2026-11-23T04:00:00Z|-\n" + String.join("\n", details)
                + (details.isEmpty() ? "" : "\n") + "T|" + details.size() + "|" + sum + "\n";
    }

    private static String posted(Sent s, String account, long amount) {
        return "D|" + s.creditId() + "|" + account + "|" + amount + "|USD|POSTED|-|2026-11-23";
    }

    /** Uploads over the API as the issuer (202 and where to poll) and polls that location until the import ends. */
    private JsonNode upload(String content) {
        Api.Response r = api.postRaw("/issuers/BANK_A/confirmation-files", KEY_ISSUER_A, content.getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        String id = r.json().get("importId").asText();
        assertThat(r.location()).isEqualTo("/api/v1/confirmation-files/" + id);
        assertThat(r.json().get("status").asText()).isEqualTo("RECEIVED");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode imp = api.get(r.location().substring("/api/v1".length()), KEY_ISSUER_A).json();
            if (!List.of("RECEIVED", "PROCESSING").contains(imp.get("status").asText())) {
                return imp;
            }
            assertThat(System.nanoTime()).as("import finished in time").isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // polls the import's recorded status
        }
    }

    private JsonNode exceptionFor(String type, String creditId) {
        for (JsonNode e : api.get("/exceptions?type=" + type + "&limit=500", KEY_OPS).json().get("exceptions")) {
            if (creditId.equals(e.path("creditId").asText())) {
                return e;
            }
        }
        throw new AssertionError("no " + type + " exception for " + creditId);
    }

    @Test
    void everyConfirmationLineEndsInExactlyOneOutcomeAndEveryOutcomeButMatchedIsAnException() {
        List<Sent> c = fiveSentCredits("ACC-OUT-1");
        String f = file("CONF-OUTCOMES-" + java.util.UUID.randomUUID().toString().replaceAll("[0-9-]", ""), List.of(
                posted(c.get(0), "ACC-OUT-1", c.get(0).amount()),
                "D|" + c.get(1).creditId() + "|ACC-OUT-1|" + c.get(1).amount() + "|USD|REJECTED|ACCOUNT_CLOSED|-",
                posted(c.get(2), "ACC-OUT-1", c.get(2).amount() - 10),
                posted(c.get(3), "ACC-ELSEWHERE", c.get(3).amount()),
                posted(c.get(0), "ACC-OUT-1", c.get(0).amount()),
                "D|C999999999|ACC-OUT-1|100|USD|POSTED|-|2026-11-23"));

        JsonNode imp = upload(f);

        assertThat(imp.get("status").asText()).as(imp.toString()).isEqualTo("APPLIED");
        assertThat(text("select outcome from credit_reconciliation where credit_id = '" + c.get(0).creditId() + "'")).isEqualTo("MATCHED");
        assertThat(text("select status from reward where id = " + c.get(0).rewardId())).isEqualTo("POSTED");
        assertThat(text("select outcome from credit_reconciliation where credit_id = '" + c.get(1).creditId() + "'")).isEqualTo("REJECTED");
        assertThat(text("select status from reward where id = " + c.get(1).rewardId())).isEqualTo("REJECTED");
        assertThat(sql("select count(*) from ledger_entry where reward_id = " + c.get(1).rewardId() + " and txn_kind = 'REJECT'"))
                .as("refused: owed to the cardholder again").isEqualTo(2);
        assertThat(text("select outcome from credit_reconciliation where credit_id = '" + c.get(2).creditId() + "'"))
                .isEqualTo("AMOUNT_MISMATCH");
        assertThat(text("select outcome from credit_reconciliation where credit_id = '" + c.get(3).creditId() + "'"))
                .isEqualTo("ACCOUNT_MISMATCH");
        assertThat(exceptionFor("RECON_REJECTED", c.get(1).creditId()).get("detail").asText()).contains("ACCOUNT_CLOSED");
        assertThat(exceptionFor("RECON_AMOUNT_MISMATCH", c.get(2).creditId()).get("card").asText()).matches("\\*{4} \\d{4}");
        exceptionFor("RECON_ACCOUNT_MISMATCH", c.get(3).creditId());
        exceptionFor("RECON_DUPLICATE", c.get(0).creditId());
        exceptionFor("RECON_UNKNOWN", "C999999999");
        assertThat(sql("select count(*) from processing_exception where type like 'RECON_%' and credit_id = '"
                + c.get(0).creditId() + "' and type <> 'RECON_DUPLICATE'")).as("MATCHED is no exception").isZero();

        // The fifth was never confirmed: past the window it is MISSING; a later confirmation makes it LATE.
        Reconciliation later = new Reconciliation(node.processor().store().dataSource(),
                InstantSource.fixed(Instant.now().plus(Duration.ofDays(4))), node.processor().config().issuers(),
                node.processor().operations().imports());
        assertThat(later.raiseMissing().get("BANK_A")).isGreaterThanOrEqualTo(1);
        assertThat(later.raiseMissing().get("BANK_A")).as("raised once").isZero();
        assertThat(exceptionFor("RECON_MISSING", c.get(4).creditId()).get("status").asText()).isEqualTo("OPEN");

        JsonNode late = upload(file("CONF-LATE-" + java.util.UUID.randomUUID().toString().replaceAll("[0-9-]", ""), List.of(posted(c.get(4), "ACC-OUT-1", c.get(4).amount()))));

        assertThat(late.get("status").asText()).isEqualTo("APPLIED");
        assertThat(text("select outcome from credit_reconciliation where credit_id = '" + c.get(4).creditId() + "'")).isEqualTo("LATE");
        JsonNode missing = api.get("/exceptions/" + exceptionFor("RECON_MISSING", c.get(4).creditId()).get("id").asLong(), KEY_OPS).json();
        assertThat(missing.get("status").asText()).isEqualTo("RESOLVED");
        assertThat(missing.get("resolution").get("action").asText()).isEqualTo("LATE");
        assertThat(missing.get("audit").toString()).contains("RESOLVE_LATE");
        assertThat(sql("select count(*) from (select txn_id from ledger_entry group by txn_id, unit_kind, unit_code "
                + "having sum(amount) <> 0) t")).isZero();
    }

    @Test
    void importIdsAreLettersOnlySoThatNoLogLineHoldsADigitRunThatReadsAsACardNumber() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = ConfirmationImports.newImportId();
            assertThat(id).matches("imp_[a-z]{20}");
            ids.add(id);
        }
        assertThat(ids).as("no two alike").hasSize(10_000);
    }

    @Test
    void aCreditConfirmedAgainInALaterChunkOfTheSameFileIsADuplicateAndCountsOnce() throws Exception {
        List<Sent> c = fiveSentCredits("ACC-CHUNK-1");
        StringBuilder letters = new StringBuilder(); // an id of letters only, 16 of them (a-p for each hex digit)
        for (char ch : UUID.randomUUID().toString().replace("-", "").substring(0, 16).toCharArray()) {
            letters.append((char) ('a' + Character.digit(ch, 16)));
        }
        String importId = "imp_chunktest" + letters;
        List<Confirmation> lines = new ArrayList<>();
        long lineNo = 2;
        for (int i : new int[] {0, 1, 2, 0, 3, 1}) {
            lines.add(new Confirmation(lineNo++, c.get(i).creditId(), "ACC-CHUNK-1",
                    c.get(i).amount(), "USD", Confirmation.Status.POSTED, null,
                    LocalDate.parse("2026-11-23")));
        }

        OutcomeCounts counts;
        try (Connection conn = node.processor().store().dataSource().getConnection()) {
            conn.setAutoCommit(false);
            try (ConfirmationApply apply = new ConfirmationApply(conn, importId, "BANK_A", Instant.now(), 2)) {
                for (var l : lines) {
                    apply.line(l);
                }
                apply.flush();
                counts = apply.counts();
            }
            conn.commit();
        }

        assertThat(counts.counts()).as("lines 5 and 7 repeat lines 2 and 3, two chunks later")
                .containsEntry(Outcome.MATCHED, 4L).containsEntry(Outcome.DUPLICATE, 2L);
        assertThat(sql("select count(*) from processing_exception where type = 'RECON_DUPLICATE' and fingerprint like '%:"
                + importId + ":%'")).isEqualTo(2);
        assertThat(sql("select count(*) from credit_reconciliation where confirmation_import_id = '" + importId + "'"))
                .as("one outcome per credit").isEqualTo(4);
        assertThat(sql("select count(*) from reward where status = 'POSTED' and id in (" + c.get(0).rewardId() + ", "
                + c.get(1).rewardId() + ", " + c.get(2).rewardId() + ", " + c.get(3).rewardId() + ")")).isEqualTo(4);
        assertThat(sql("select count(*) from confirmation_line where import_id = '" + importId + "'"))
                .as("only what is not MATCHED is kept as evidence").isEqualTo(2);
    }

    @Test
    void creditIdsOfRewardsFromASequenceSteppingByFiftySpreadOverBothParts() {
        int[] perPart = new int[2];
        for (long reward = 1; reward < 50 * 1000; reward += 50) {
            perPart[ConfirmationParts.partOf("C" + reward, 2)]++;
            assertThat(ConfirmationParts.partOf("C" + reward + "-R1", 2)).as("a resent credit goes where its reward's went")
                    .isEqualTo(ConfirmationParts.partOf("C" + reward, 2));
        }
        assertThat(perPart[0]).as("of 1,000 rewards").isBetween(400, 600);
        assertThat(ConfirmationParts.partOf("X-NOT-OURS", 2)).isBetween(0, 1);
    }

    @Test
    void anImportStoppedBetweenItsPartsFinishesOnceWhenProcessedAgainSplitAsItWasThen() throws Exception {
        List<Sent> c = new ArrayList<>(fiveSentCredits("ACC-PARTS-1"));
        c.addAll(fiveSentCredits("ACC-PARTS-1"));
        int parts = node.processor().config().reconciliation().applyParts();
        assertThat(parts).isEqualTo(4);
        assertThat(c.stream().map(s -> ConfirmationParts.partOf(s.creditId(), parts)).distinct().count())
                .as("the file spans several parts").isGreaterThan(1);
        List<String> lines = new ArrayList<>();
        for (Sent s : c) {
            lines.add(posted(s, "ACC-PARTS-1", s.amount()));
        }
        lines.add(posted(c.get(0), "ACC-PARTS-1", c.get(0).amount())); // and one DUPLICATE
        ConfirmationImports imports = node.processor().operations().imports();
        String id = imports.receive("BANK_A", new java.io.ByteArrayInputStream(file("CONF-PARTS-"
                + UUID.randomUUID().toString().replaceAll("[0-9-]", ""), lines).getBytes(StandardCharsets.UTF_8)), "TEST",
                "parts.txt", "test");
        imports.partCommitted = part -> {
            throw new IllegalStateException("the node stops after its first part committed");
        };
        try {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> imports.process(id)))
                    .hasMessageContaining("the node stops");
        } finally {
            imports.partCommitted = part -> { };
        }
        assertThat(imports.find(id).orElseThrow().status()).isEqualTo(ConfirmationImports.Status.RECEIVED);
        long firstPart = sql("select count(*) from credit_reconciliation where confirmation_import_id = '" + id + "'");
        assertThat(firstPart).as("one part committed, the others not").isBetween(1L, 9L);

        // Resumed by a node configured for two parts: the import is finished in the four it started with.
        ConfirmationImports twoParts = new ConfirmationImports(node.processor().store().dataSource(), InstantSource.system(),
                node.processor().config().issuers(), node.processor().config().pgp(), node.dataDir(), 2);
        ConfirmationImports.Import done = twoParts.resumeUnfinished(Duration.ZERO).stream()
                .filter(i -> i.importId().equals(id)).findFirst().orElseThrow();

        assertThat(done.status()).isEqualTo(ConfirmationImports.Status.APPLIED);
        assertThat(done.outcomes()).isEqualTo(new OutcomeCounts(Map.of(Outcome.DUPLICATE, 1L, Outcome.MATCHED, 10L)));
        assertThat(sql("select count(*) from credit_reconciliation where confirmation_import_id = '" + id + "'"))
                .isEqualTo(10);
        for (Sent s : c) {
            assertThat(text("select status from reward where id = " + s.rewardId())).isEqualTo("POSTED");
        }
        assertThat(sql("select count(*) from processing_exception where type = 'RECON_DUPLICATE' and fingerprint like '%:"
                + id + ":%'")).as("the duplicate raised once").isEqualTo(1);
        assertThat(imports.process(id).status()).as("and a third time changes nothing").isEqualTo(ConfirmationImports.Status.APPLIED);
    }

    @Test
    void aNodeAppliesOneFileAtATimeAndTheNextWaitsItsTurn() throws Exception {
        List<Sent> a = fiveSentCredits("ACC-TURN-1");
        List<Sent> b = fiveSentCredits("ACC-TURN-1");
        ConfirmationImports imports = node.processor().operations().imports();
        String idA = imports.receive("BANK_A", new java.io.ByteArrayInputStream(file("CONF-TURN-A-"
                + UUID.randomUUID().toString().replaceAll("[0-9-]", ""), a.stream().map(s -> posted(s, "ACC-TURN-1",
                s.amount())).toList()).getBytes(StandardCharsets.UTF_8)), "TEST", "a.txt", "test");
        String idB = imports.receive("BANK_A", new java.io.ByteArrayInputStream(file("CONF-TURN-B-"
                + UUID.randomUUID().toString().replaceAll("[0-9-]", ""), b.stream().map(s -> posted(s, "ACC-TURN-1",
                s.amount())).toList()).getBytes(StandardCharsets.UTF_8)), "TEST", "b.txt", "test");
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        imports.partCommitted = part -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        try {
            var first = pool.submit(() -> imports.process(idA));
            holding.await();
            var second = pool.submit(() -> imports.process(idB));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (imports.waitingToApply() == 0) {
                assertThat(System.nanoTime()).as("the second file waits for the first").isLessThan(deadline);
                LockSupport.parkNanos(Duration.ofMillis(5).toNanos()); // polls the node's queue of imports
            }
            assertThat(imports.find(idB).orElseThrow().status()).as("nothing of it applied yet")
                    .isEqualTo(ConfirmationImports.Status.RECEIVED);
            assertThat(imports.find(idA).orElseThrow().status()).as("the first, held by this node, is being applied")
                    .isEqualTo(ConfirmationImports.Status.PROCESSING);
            release.countDown();

            assertThat(first.get().status()).isEqualTo(ConfirmationImports.Status.APPLIED);
            assertThat(second.get().status()).isEqualTo(ConfirmationImports.Status.APPLIED);
        } finally {
            imports.partCommitted = part -> { };
            release.countDown(); // before the pool waits for its tasks: the first import is held until then
            pool.close();
        }
        assertThat(imports.find(idB).orElseThrow().outcomes()).isEqualTo(new OutcomeCounts(Map.of(Outcome.MATCHED, 5L)));
    }

    @Test
    void anImportsOutcomesAreStoredAsJsonKeyedByOutcomeReadBackTypedAndShownByTheApiAsBefore() {
        List<Sent> c = fiveSentCredits("ACC-TYPED-1");
        JsonNode imp = upload(file("CONF-TYPED-" + UUID.randomUUID().toString().replaceAll("[0-9-]", ""),
                List.of(posted(c.get(0), "ACC-TYPED-1", c.get(0).amount()), posted(c.get(1), "ACC-TYPED-1", c.get(1).amount()),
                        posted(c.get(2), "ACC-TYPED-1", c.get(2).amount() + 1), posted(c.get(0), "ACC-TYPED-1",
                                c.get(0).amount()))));
        String id = imp.get("importId").asText();

        assertThat(text("select outcomes from confirmation_import where import_id = '" + id + "'"))
                .isEqualTo("{\"MATCHED\":2,\"AMOUNT_MISMATCH\":1,\"DUPLICATE\":1}");
        assertThat(node.processor().operations().imports().find(id).orElseThrow().outcomes())
                .isEqualTo(new OutcomeCounts(Map.of(Outcome.MATCHED, 2L, Outcome.AMOUNT_MISMATCH, 1L, Outcome.DUPLICATE, 1L)));
        assertThat(imp.get("outcomes").asText()).as("the API's documented string")
                .isEqualTo("{AMOUNT_MISMATCH=1, DUPLICATE=1, MATCHED=2}");
    }

    @Test
    void aStatementFileIsCheckedForMissingCreditsOnlyOnceItsWindowHasPassed() {
        List<Sent> c = fiveSentCredits("ACC-WINDOW-1");
        upload(file("CONF-WINDOW-" + UUID.randomUUID().toString().replaceAll("[0-9-]", ""),
                List.of(posted(c.get(0), "ACC-WINDOW-1", c.get(0).amount()))));
        String fileOf = text("select f.file_id from statement_credit s join statement_file f on f.issuer_id = s.issuer_id "
                + "and s.batch between f.batch_from and f.batch_to where s.credit_id = '" + c.get(1).creditId() + "'");
        Function<Integer, Reconciliation> daysLater = d -> new Reconciliation(
                node.processor().store().dataSource(), InstantSource.fixed(Instant.now().plus(Duration.ofDays(d))),
                node.processor().config().issuers(), node.processor().operations().imports());

        daysLater.apply(2).raiseMissing();

        assertThat(sql("select count(*) from credit_reconciliation where credit_id = '" + c.get(1).creditId() + "'"))
                .as("two days in a three-day window: not missing yet").isZero();
        assertThat(text("select coalesce(max(missing_checked_at), 'unchecked') from statement_file where file_id = '"
                + fileOf + "'")).isEqualTo("unchecked");

        daysLater.apply(4).raiseMissing();

        for (int i = 1; i < 5; i++) {
            assertThat(text("select outcome from credit_reconciliation where credit_id = '" + c.get(i).creditId() + "'"))
                    .isEqualTo("MISSING");
        }
        assertThat(text("select outcome from credit_reconciliation where credit_id = '" + c.get(0).creditId() + "'"))
                .as("confirmed in time").isEqualTo("MATCHED");
        assertThat(sql("select count(*) from processing_exception where type = 'RECON_MISSING' and credit_id = '"
                + c.get(0).creditId() + "'")).isZero();
        assertThat(text("select count(*) from statement_file where file_id = '" + fileOf
                + "' and missing_checked_at is not null")).isEqualTo("1");
    }

    private JsonNode resolve(long id, String action, String reason, String key) {
        return api.post("/exceptions/" + id + "/resolution", key, "{\"action\":\"" + action + "\",\"reason\":\"" + reason + "\"}").json();
    }

    @Test
    void eachResolutionIsAuditedAndMovesTheLedgerWhereMoneyMoves() {
        List<Sent> c = fiveSentCredits("ACC-RES-1");
        upload(file("CONF-RES-" + java.util.UUID.randomUUID().toString().replaceAll("[0-9-]", ""), List.of(
                "D|" + c.get(0).creditId() + "|ACC-RES-1|" + c.get(0).amount() + "|USD|REJECTED|ACCOUNT_BLOCKED|-",
                posted(c.get(1), "ACC-RES-1", c.get(1).amount() - 20),
                posted(c.get(2), "ACC-RES-1", c.get(2).amount()),
                posted(c.get(2), "ACC-RES-1", c.get(2).amount()),
                posted(c.get(3), "ACC-RES-1", c.get(3).amount() + 50))));

        JsonNode resend = resolve(exceptionFor("RECON_REJECTED", c.get(0).creditId()).get("id").asLong(), "RESEND",
                "account unblocked, cardholder called", KEY_OPS);
        assertThat(resend.get("status").asText()).isEqualTo("RESOLVED");
        assertThat(text("select status from reward where id = " + c.get(0).rewardId())).isEqualTo("SENT");
        assertThat(sql("select count(*) from statement_credit s join statement_filing g on g.issuer_id = s.issuer_id "
                + "where s.reward_id = " + c.get(0).rewardId() + " and s.status = 'TO_FILE' and s.batch > g.filed_through "
                + "and s.credit_id like '%-R1'")).as("a new credit id in the next file").isEqualTo(1);
        assertThat(sql("select count(*) from ledger_entry where reward_id = " + c.get(0).rewardId() + " and txn_kind = 'SEND'"))
                .as("sent, refused, sent again").isEqualTo(4);

        JsonNode accept = resolve(exceptionFor("RECON_AMOUNT_MISMATCH", c.get(1).creditId()).get("id").asLong(),
                "ACCEPT_ISSUER_AMOUNT", "issuer rounding, accepted", KEY_OPS);
        assertThat(accept.get("resolution").get("by").asText()).isEqualTo("ops");
        assertThat(sql("select amount from reward where id = " + c.get(1).rewardId())).isEqualTo(c.get(1).amount() - 20);
        assertThat(sql("select sum(amount) from ledger_entry where reward_id = " + c.get(1).rewardId()
                + " and txn_kind = 'ADJUST' and account_type = 'ISSUER_SETTLEMENT'")).isEqualTo(20);

        JsonNode claw = resolve(exceptionFor("RECON_DUPLICATE", c.get(2).creditId()).get("id").asLong(), "CLAWBACK",
                "posted twice by the issuer", KEY_OPS);
        assertThat(claw.get("status").asText()).isEqualTo("RESOLVED");
        assertThat(sql("select remaining from clawback where reward_id = " + c.get(2).rewardId())).isEqualTo(c.get(2).amount());

        JsonNode wrong = api.post("/exceptions/" + exceptionFor("RECON_AMOUNT_MISMATCH", c.get(3).creditId()).get("id").asLong()
                + "/resolution", KEY_OPS, "{\"action\":\"RESEND\",\"reason\":\"try\"}").json();
        assertThat(wrong.get("code").asText()).isEqualTo("ACTION_NOT_APPLICABLE");
        JsonNode noReason = api.post("/exceptions/" + exceptionFor("RECON_AMOUNT_MISMATCH", c.get(3).creditId()).get("id").asLong()
                + "/resolution", KEY_OPS, "{\"action\":\"CLAWBACK\",\"reason\":\"\"}").json();
        assertThat(noReason.get("code").asText()).isEqualTo("REASON_REQUIRED");
        JsonNode over = resolve(exceptionFor("RECON_AMOUNT_MISMATCH", c.get(3).creditId()).get("id").asLong(), "CLAWBACK",
                "issuer credited 50 too much", KEY_OPS);
        assertThat(over.get("status").asText()).isEqualTo("RESOLVED");
        assertThat(sql("select remaining from clawback where reward_id = " + c.get(3).rewardId())).isEqualTo(50);

        JsonNode detail = api.get("/exceptions/" + resend.get("id").asLong(), KEY_OPS).json();
        assertThat(detail.get("audit").get(0).get("actor").asText()).isEqualTo("ops");
        assertThat(detail.get("audit").get(0).get("reason").asText()).isEqualTo("account unblocked, cardholder called");
        assertThat(resolve(resend.get("id").asLong(), "RESEND", "again", KEY_OPS).get("code").asText()).isEqualTo("NOT_OPEN");
        assertThat(api.get("/exceptions", KEY_ISSUER_A).status()).isEqualTo(403);
    }

    @Test
    void aWriteOffAboveTheLimitWaitsForASecondPersonAndIsThenALedgerTransaction() {
        List<Sent> c = fiveSentCredits("ACC-MC-1");
        upload(file("CONF-MC-" + java.util.UUID.randomUUID().toString().replaceAll("[0-9-]", ""), List.of(
                "D|" + c.get(4).creditId() + "|ACC-MC-1|" + c.get(4).amount() + "|USD|REJECTED|ACCOUNT_CLOSED|-")));
        long id = exceptionFor("RECON_REJECTED", c.get(4).creditId()).get("id").asLong();
        api.post("/exceptions/" + id + "/assignment", KEY_OPS, "{\"assignee\":\"maria\"}");

        JsonNode proposed = api.post("/exceptions/" + id + "/resolution", KEY_OPS,
                "{\"action\":\"WRITE_OFF\",\"reason\":\"account closed for good\"}").json();
        Api.Response self = api.post("/exceptions/" + id + "/approval", KEY_OPS, "{\"approve\":true,\"reason\":\"ok\"}");
        JsonNode approved = api.post("/exceptions/" + id + "/approval", KEY_OPS_2, "{\"approve\":true,\"reason\":\"checked\"}").json();

        assertThat(proposed.get("status").asText()).as("800 is above the 300 limit").isEqualTo("PENDING_APPROVAL");
        assertThat(self.status()).isEqualTo(403);
        assertThat(approved.get("status").asText()).isEqualTo("RESOLVED");
        assertThat(approved.get("assignee").asText()).isEqualTo("maria");
        assertThat(sql("select sum(amount) from ledger_entry where reward_id = " + c.get(4).rewardId()
                + " and txn_kind = 'WRITE_OFF' and account_type = 'FUNDER_RECEIVABLE'")).isEqualTo(-c.get(4).amount());
        assertThat(api.get("/exceptions/" + id, KEY_OPS).json().get("audit").toString())
                .contains("ASSIGN", "PROPOSE_WRITE_OFF", "APPROVE_WRITE_OFF", "ops-2");
    }

    @Test
    void aBadFileIsRejectedWholeChangesNothingAndIsOneException() {
        List<Sent> c = fiveSentCredits("ACC-BAD-1");
        String good = file("CONF-BAD-" + java.util.UUID.randomUUID().toString().replaceAll("[0-9-]", ""), List.of(posted(c.get(0), "ACC-BAD-1", c.get(0).amount())));
        String truncated = good.substring(0, good.indexOf("T|"));
        String wrongTotal = good.replaceFirst("T\\|1\\|\\d+", "T|1|1");

        JsonNode t = upload(truncated);
        JsonNode w = upload(wrongTotal);

        assertThat(t.get("status").asText()).isEqualTo("REJECTED");
        assertThat(t.get("reason").asText()).isEqualTo("NO_TRAILER");
        assertThat(w.get("reason").asText()).isEqualTo("TOTAL_MISMATCH");
        assertThat(text("select coalesce(max(outcome), 'none') from credit_reconciliation where credit_id = '" + c.get(0).creditId() + "'"))
                .as("nothing from a rejected file is applied").isEqualTo("none");
        assertThat(sql("select count(*) from processing_exception where type = 'FILE_REJECTED' and fingerprint in ('"
                + t.get("importId").asText() + "', '" + w.get("importId").asText() + "')")).isEqualTo(2);

        JsonNode first = upload(good);
        JsonNode replay = upload(good);

        assertThat(first.get("status").asText()).isEqualTo("APPLIED");
        assertThat(replay.get("status").asText()).isEqualTo("DUPLICATE");
        assertThat(sql("select count(*) from processing_exception where type = 'RECON_DUPLICATE' and credit_id = '"
                + c.get(0).creditId() + "'")).as("a replayed file changes nothing").isZero();
        assertThat(api.get("/confirmation-files/" + first.get("importId").asText(), KEY_ISSUER_B).status()).isEqualTo(404);
        assertThat(api.postRaw("/issuers/BANK_A/confirmation-files", KEY_ISSUER_B, good.getBytes()).status()).isEqualTo(404);
    }
}
