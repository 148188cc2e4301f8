package org.accrue.processor.confirmations;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.RewardStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A confirmation file that confirms most of what a small store holds: MariaDB then reads the few rows by scanning
 * rather than by key, and a locking read that scanned would wait for rows the other part of the same import holds
 * until it commits, which it does only after this part is done (a wait no deadlock detector sees). Its own database,
 * so that the tables are small.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false"})
class ConfirmationPartsTest {
    private Node node;
    private RewardStream stream;

    @BeforeEach
    void setUp(Node node) throws Exception {
        this.node = node;
        this.stream = new RewardStream(node);
    }

    @AfterEach
    void tearDown() {
        stream.close();
    }

    private String text(String sql) {
        return node.processor().store().sessionFactory().fromSession(s ->
                String.valueOf(s.createNativeQuery(sql, Object.class).getSingleResult()));
    }

    @Test
    void thePartsOfAFileThatConfirmsMostOfTheStoreFinishWithoutWaitingOnEachOther() throws Exception {
        String pan = RewardStream.newPan();
        stream.enroll(KEY_ISSUER_A, pan, "ACC-PARTS-3", "NGUYEN");
        for (int i = 0; i < 40; i++) {
            stream.purchase(pan, 4000 + i * 100);
        }
        stream.matchAndMakeAvailable();
        node.processor().operations().posting().post();
        node.processor().operations().files().writeAll();
        List<Object[]> sent = node.processor().store().sessionFactory().fromSession(s -> s.createNativeQuery(
                "select credit_id, amount, reward_id from statement_credit order by credit_id", Object[].class).getResultList());
        assertThat(sent).hasSizeGreaterThanOrEqualTo(40);
        List<String> lines = new ArrayList<>();
        long sum = 0;
        for (int i = 0; i < sent.size(); i++) {
            long amount = ((Number) sent.get(i)[1]).longValue();
            sum += amount;
            lines.add("D|" + sent.get(i)[0] + "|ACC-PARTS-3|" + amount + "|USD|"
                    + (i % 4 == 0 ? "REJECTED|ACCOUNT_CLOSED|-" : "POSTED|-|2026-11-23"));
        }
        int parts = node.processor().config().reconciliation().applyParts();
        assertThat(lines.stream().map(l -> ConfirmationParts.partOf(l.split("\\|")[1], parts)).distinct().count())
                .as("the file spans every part").isEqualTo(parts);
        String file = "H|STMTCONF|BANK_A|CONF-SMALL-1|2026-11-23T04:00:00Z|-\n" + String.join("\n", lines) + "\nT|"
                + lines.size() + "|" + sum + "\n";
        ConfirmationImports imports = node.processor().operations().imports();
        long started = System.nanoTime();

        ConfirmationImports.Import imp = imports.process(imports.receive("BANK_A",
                new ByteArrayInputStream(file.getBytes(StandardCharsets.UTF_8)), "TEST", "small.txt", "test"));

        assertThat(imp.status()).as(String.valueOf(imp.detail())).isEqualTo(ConfirmationImports.Status.APPLIED);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("no part waited for the other's locks")
                .isLessThan(Duration.ofSeconds(30));
        for (int i = 0; i < sent.size(); i++) {
            assertThat(text("select status from reward where id = " + sent.get(i)[2]))
                    .isEqualTo(i % 4 == 0 ? "REJECTED" : "POSTED");
        }
    }
}
