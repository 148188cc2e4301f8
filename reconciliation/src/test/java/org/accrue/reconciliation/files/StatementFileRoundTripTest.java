package org.accrue.reconciliation.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatementFileRoundTripTest {
    private static final Instant AT = Instant.parse("2026-11-22T03:00:00.123Z");
    private static final LocalDate DAY = LocalDate.parse("2026-11-22");

    @TempDir
    Path dir;

    private static StatementCredit credit(String id, long amount) {
        return new StatementCredit(id, "ACC-1", "4242", amount, "USD", "CASHBACK BLUE BOTTLE", "bb-10", DAY.minusDays(3));
    }

    @Test
    void aFileHasTheHeaderOneLinePerCreditAndATrailerWithCountAndSum() throws Exception {
        FileSummary s;
        try (var w = StatementCreditFileWriter.open(dir, "BANK_A", "STMTCR_BANK_A_20261122_001", AT, DAY, 1, Optional.empty())) {
            w.add(credit("C1", 1250));
            w.add(credit("D7", -300));
            s = w.finish();
        }

        assertThat(s.fileName()).isEqualTo("STMTCR_BANK_A_20261122_001.txt");
        assertThat(Files.readAllLines(s.path())).containsExactly(
                "H|STMTCR|BANK_A|STMTCR_BANK_A_20261122_001|2026-11-22T03:00:00Z|1",
                "D|C1|ACC-1|4242|1250|USD|CASHBACK BLUE BOTTLE|bb-10|2026-11-19",
                "D|D7|ACC-1|4242|-300|USD|CASHBACK BLUE BOTTLE|bb-10|2026-11-19",
                "T|2|950");
        assertThat(s.count()).isEqualTo(2);
        assertThat(s.sum()).isEqualTo(950);
        assertThat(s.sha256()).hasSize(64);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly(s.fileName());
        }
    }

    @Test
    void nothingIsVisibleBeforeFinishAndAnAbandonedFileLeavesNothing() throws Exception {
        try (var w = StatementCreditFileWriter.open(dir, "BANK_A", "F2", AT, DAY, 2, Optional.empty())) {
            w.add(credit("C1", 1));
            assertThat(Files.exists(dir.resolve("STMTCR_BANK_A_20261122_002.txt"))).isFalse();
        }
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void statementTextIsCleanedToTwentyTwoUpperCaseCharactersWithoutSeparators() {
        assertThat(StatementText.clean("cashback Café|Crème\nBrûlée and more")).isEqualTo("CASHBACK CAFE CREME BR");
        assertThat(StatementText.clean("  blue   bottle ")).isEqualTo("BLUE BOTTLE");
        assertThatThrownBy(() -> new StatementCredit("C1", "ACC|1", "4242", 1, "USD", "X", "o", DAY))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aConfirmationFileOfManyLinesIsReadInOrderWithItsTotals() throws Exception {
        StringBuilder b = new StringBuilder("H|STMTCONF|BANK_A|CONF-1|2026-11-23T04:00:00Z|STMTCR_BANK_A_20261122_001\n");
        long sum = 0;
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            b.append("D|C").append(i).append("|ACC-").append(i % 97).append('|').append(i % 5000).append("|USD|POSTED|-|2026-11-23\n");
            sum += i % 5000;
        }
        b.append("T|").append(n).append('|').append(sum).append('\n');
        long[] seen = {0, -1};

        ConfirmationFileReader.Summary s = ConfirmationFileReader.read(
                new ByteArrayInputStream(b.toString().getBytes(StandardCharsets.UTF_8)), "BANK_A", c -> {
                    assertThat(c.lineNumber()).isGreaterThan(seen[1]);
                    seen[1] = c.lineNumber();
                    seen[0]++;
                });

        assertThat(seen[0]).isEqualTo(n);
        assertThat(s.count()).isEqualTo(n);
        assertThat(s.sum()).isEqualTo(sum);
        assertThat(s.answersFileId()).isEqualTo("STMTCR_BANK_A_20261122_001");
        assertThat(s.sha256()).hasSize(64);
    }

    @Test
    void aRejectionAndItsReasonCodeAreRead() throws Exception {
        String f = "H|STMTCONF|BANK_A|CONF-2|2026-11-23T04:00:00Z|-\nD|C1|ACC-1|1250|USD|REJECTED|ACCOUNT_CLOSED|-\nT|1|1250\n";
        List<Confirmation> lines = new java.util.ArrayList<>();

        ConfirmationFileReader.read(new ByteArrayInputStream(f.getBytes(StandardCharsets.UTF_8)), "BANK_A", lines::add);

        assertThat(lines).containsExactly(new Confirmation(2, "C1", "ACC-1", 1250, "USD", Confirmation.Status.REJECTED,
                Confirmation.ReasonCode.ACCOUNT_CLOSED, null));
    }
}
