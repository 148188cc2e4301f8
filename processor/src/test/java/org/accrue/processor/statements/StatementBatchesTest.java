package org.accrue.processor.statements;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.accrue.processor.store.Sql;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Credits are filed by batch, never updated (StatementCredits): the file job closes the issuer's open batch and
 * files what was closed. A credit being posted while the file is written is never lost nor filed twice; a batch
 * closed by a run that died before its file is filed by the next run.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings("accrue.rewards.matcher.enabled=false")
class StatementBatchesTest {
    private static final String ISSUER = "BANK_B";
    private static long nextReward = 9_000_000;

    private Node node;
    private DataSource ds;

    @BeforeEach
    void setUp(Node node) {
        this.node = node;
        this.ds = node.processor().store().dataSource();
        node.processor().operations().files().writeAll(); // whatever earlier tests left
    }

    @Test
    void theFileJobWaitsForAPostingTransactionInFlightAndFilesItsCreditOnce() throws Exception {
        String early = credit();
        try (Connection posting = ds.getConnection()) {
            posting.setAutoCommit(false);
            String late;
            try (StatementCredits.Writer w = StatementCredits.writer(posting)) {
                late = add(w);
                w.flush();
            }
            CompletableFuture<List<StatementFiles.FileInfo>> files =
                    CompletableFuture.supplyAsync(() -> node.processor().operations().files().writeAll());
            awaitLockWait(files);
            assertThat(files).as("the batch cannot close while a posting transaction holds it").isNotDone();
            posting.commit();

            List<StatementFiles.FileInfo> written = files.get(60, TimeUnit.SECONDS);
            assertThat(written).hasSize(1);
            String body = Files.readString(written.getFirst().path(), StandardCharsets.UTF_8);
            assertThat(body).contains("|" + early + "|").contains("|" + late + "|");
            assertThat(node.processor().operations().files().writeAll()).as("nothing is filed twice").isEmpty();
        }
    }

    @Test
    void aBatchClosedByARunThatDiedBeforeItsFileIsFiledByTheNextRun() throws Exception {
        String first = credit();
        Sql.inTransaction(ds, c -> {
            StatementCredits.closeOpenBatch(c, ISSUER); // the run dies here, before writing its file
            return null;
        });
        String second = credit();

        List<StatementFiles.FileInfo> written = node.processor().operations().files().writeAll();

        assertThat(written).hasSize(1);
        assertThat(written.getFirst().creditCount()).isEqualTo(2);
        List<String> lines = Files.readAllLines(written.getFirst().path(), StandardCharsets.UTF_8);
        assertThat(lines.subList(1, lines.size() - 1)).map(l -> l.split("\\|")[1]).containsExactly(first, second);
    }

    @Test
    void aNettedCreditIsNeverFiledAndLeavesNoEmptyFile() {
        Sql.inTransaction(ds, c -> {
            try (StatementCredits.Writer w = StatementCredits.writer(c)) {
                long reward = ++nextReward;
                w.add(new StatementCredits.NewCredit("C" + reward, reward, StatementCredits.Kind.CREDIT, ISSUER, 1,
                        "ACC-NET", "4242", 300, 300, 0, "USD", "CASHBACK NETTED", "bb-10", LocalDate.now()), Instant.now());
                w.flush();
            }
            return null;
        });

        assertThat(node.processor().operations().files().writeAll()).isEmpty();
    }

    private String credit() {
        return Sql.inTransaction(ds, c -> {
            try (StatementCredits.Writer w = StatementCredits.writer(c)) {
                String id = add(w);
                w.flush();
                return id;
            }
        });
    }

    private static String add(StatementCredits.Writer w) throws java.sql.SQLException {
        long reward = ++nextReward;
        w.add(new StatementCredits.NewCredit("C" + reward, reward, StatementCredits.Kind.CREDIT, ISSUER, 1, "ACC-BATCH",
                "4242", 250, 0, 250, "USD", "CASHBACK BATCH", "bb-10", LocalDate.now()), Instant.now());
        return "C" + reward;
    }

    /** Until the server runs the file job's close of the batch (which cannot end while it is held), at most 30 s. */
    private void awaitLockWait(CompletableFuture<?> job) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from information_schema.processlist "
                     + "where info like 'select open_batch from statement_batch % for update'")) {
            while (System.nanoTime() < deadline) {
                if (job.isDone()) {
                    job.join(); // throws what the job threw
                    throw new AssertionError("the file job finished while a posting transaction held the batch");
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                Thread.onSpinWait();
            }
        }
        StringBuilder where = new StringBuilder();
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("select state, info from information_schema.processlist "
                     + "where info is not null")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    where.append('\n').append(rs.getString(1)).append(": ").append(rs.getString(2));
                }
            }
        }
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().startsWith("ForkJoinPool")) {
                where.append('\n').append(t.getName()).append(java.util.Arrays.toString(stack));
            }
        });
        throw new AssertionError("the file job never waited for the posting transaction" + where);
    }
}
