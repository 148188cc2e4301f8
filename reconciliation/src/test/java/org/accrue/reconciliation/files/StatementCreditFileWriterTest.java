package org.accrue.reconciliation.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatementCreditFileWriterTest {
    private static final Instant AT = Instant.parse("2026-11-22T03:00:00.123Z");
    private static final LocalDate DAY = LocalDate.parse("2026-11-22");

    @TempDir
    Path dir;

    private static StatementCredit credit(String id, long amount) {
        return new StatementCredit(id, "ACC-1", "4242", amount, "USD", "CASHBACK BLUE BOTTLE", "bb-10", DAY.minusDays(3));
    }

    private List<String> visibleFiles() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    private List<String> allFiles() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
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
        assertThat(s.path()).isEqualTo(dir.resolve(s.fileName()));
        assertThat(Files.readString(s.path())).isEqualTo("""
                H|STMTCR|BANK_A|STMTCR_BANK_A_20261122_001|2026-11-22T03:00:00Z|1
                D|C1|ACC-1|4242|1250|USD|CASHBACK BLUE BOTTLE|bb-10|2026-11-19
                D|D7|ACC-1|4242|-300|USD|CASHBACK BLUE BOTTLE|bb-10|2026-11-19
                T|2|950
                """);
        assertThat(s.count()).isEqualTo(2);
        assertThat(s.sum()).isEqualTo(950);
        assertThat(s.encrypted()).isFalse();
        assertThat(allFiles()).containsExactly(s.fileName());
    }

    @Test
    void theSummaryHashIsTheSha256OfTheBytesOnDisk() throws Exception {
        FileSummary s;
        try (var w = StatementCreditFileWriter.open(dir, "BANK_A", "F1", AT, DAY, 1, Optional.empty())) {
            w.add(credit("C1", 1));
            s = w.finish();
        }

        byte[] onDisk = Files.readAllBytes(s.path());
        assertThat(s.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(onDisk)));
    }

    @Test
    void aFileWithoutCreditsIsAHeaderAndAZeroTrailer() throws Exception {
        FileSummary s;
        try (var w = StatementCreditFileWriter.open(dir, "BANK_A", "F0", AT, DAY, 3, Optional.empty())) {
            s = w.finish();
        }

        assertThat(Files.readAllLines(s.path())).containsExactly("H|STMTCR|BANK_A|F0|2026-11-22T03:00:00Z|1", "T|0|0");
    }

    @Test
    void theSequenceIsZeroPaddedToThreeDigitsAndGrowsBeyond() {
        assertThat(StatementCreditFileWriter.fileName("BANK_A", DAY, 1, false)).isEqualTo("STMTCR_BANK_A_20261122_001.txt");
        assertThat(StatementCreditFileWriter.fileName("BANK_A", DAY, 999, false)).isEqualTo("STMTCR_BANK_A_20261122_999.txt");
        assertThat(StatementCreditFileWriter.fileName("BANK_A", DAY, 1000, true)).isEqualTo("STMTCR_BANK_A_20261122_1000.txt.pgp");
    }

    @Test
    void nothingIsVisibleBeforeFinishOnlyAHiddenTemporaryFile() throws Exception {
        try (var w = StatementCreditFileWriter.open(dir, "BANK_A", "F2", AT, DAY, 2, Optional.empty())) {
            w.add(credit("C1", 1));

            assertThat(visibleFiles()).isEmpty();
            assertThat(allFiles()).singleElement().asString().startsWith(".STMTCR_BANK_A_20261122_002.txt.").endsWith(".part");

            w.finish();
            assertThat(allFiles()).containsExactly("STMTCR_BANK_A_20261122_002.txt");
        }
    }

    @Test
    void anAbandonedWriterLeavesNothing() throws Exception {
        try (var w = StatementCreditFileWriter.open(dir, "BANK_A", "F2", AT, DAY, 2, Optional.empty())) {
            for (int i = 0; i < 10_000; i++) {
                w.add(credit("C" + i, i));
            }
        }

        assertThat(allFiles()).isEmpty();
    }

    @Test
    void aCreditRefusedMidFileLeavesNothingOnceTheWriterIsClosed() throws Exception {
        assertThatThrownBy(() -> {
            try (var w = StatementCreditFileWriter.open(dir, "BANK_A", "F3", AT, DAY, 3, Optional.empty())) {
                w.add(credit("C1", 1));
                w.add(new StatementCredit("C2", "ACC-1", "42", 1, "USD", "X", "o", DAY));
                w.finish();
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("last4");

        assertThat(allFiles()).isEmpty();
    }

    @Test
    void aSumThatWouldOverflowIsRefusedAndTheFileStaysConsistent() throws Exception {
        try (var w = StatementCreditFileWriter.open(dir, "BANK_A", "F4", AT, DAY, 4, Optional.empty())) {
            w.add(credit("C1", Long.MAX_VALUE));

            assertThatThrownBy(() -> w.add(credit("C2", 1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("C2").hasMessageContaining("overflow");

            FileSummary s = w.finish();
            assertThat(s.count()).isEqualTo(1);
            assertThat(s.sum()).isEqualTo(Long.MAX_VALUE);
        }
    }

    @Test
    void aFinishedWriterTakesNoMoreCredits() throws Exception {
        try (var w = StatementCreditFileWriter.open(dir, "BANK_A", "F5", AT, DAY, 5, Optional.empty())) {
            w.finish();

            assertThatThrownBy(() -> w.add(credit("C1", 1))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(w::finish).isInstanceOf(IllegalStateException.class);
        }
        assertThat(allFiles()).containsExactly("STMTCR_BANK_A_20261122_005.txt");
    }

    @Test
    void headerValuesThatCannotGoIntoAFileAreRefusedBeforeAnythingIsWritten() {
        assertThatThrownBy(() -> StatementCreditFileWriter.open(dir, "bank a", "F", AT, DAY, 1, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("issuerId");
        assertThatThrownBy(() -> StatementCreditFileWriter.open(dir, "BANK_A", "F|1", AT, DAY, 1, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fileId");
        assertThatThrownBy(() -> StatementCreditFileWriter.open(dir, "BANK_A", "F", AT, DAY, 0, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seq");
        assertThat(dir.toFile().list()).isEmpty();
    }

    @Test
    void theIssuersConfirmationOfAWrittenFileReadsBackWithTheSameCountAndSum() throws Exception {
        int n = 100_000;
        FileSummary written;
        try (var w = StatementCreditFileWriter.open(dir, "BANK_A", "STMTCR_BANK_A_20261122_007", AT, DAY, 7, Optional.empty())) {
            for (int i = 0; i < n; i++) {
                w.add(credit("C" + i, (i % 7 == 0 ? -1 : 1) * (i % 5000)));
            }
            written = w.finish();
        }

        // The issuer's side: one POSTED line per D line of our file, under our file id.
        StringBuilder conf = new StringBuilder("H|STMTCONF|BANK_A|CONF-7|2026-11-23T04:00:00Z|STMTCR_BANK_A_20261122_007\n");
        String trailer = null;
        try (BufferedReader r = Files.newBufferedReader(written.path())) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.split("\\|", -1);
                if (f[0].equals("D")) {
                    conf.append("D|").append(f[1]).append('|').append(f[2]).append('|').append(f[4]).append('|')
                            .append(f[5]).append("|POSTED|-|2026-11-23\n");
                } else if (f[0].equals("T")) {
                    trailer = line;
                }
            }
        }
        conf.append(trailer).append('\n');
        Set<String> confirmed = new HashSet<>();

        ConfirmationFileReader.Summary read = ConfirmationFileReader.read(
                new ByteArrayInputStream(conf.toString().getBytes(StandardCharsets.UTF_8)), "BANK_A",
                c -> confirmed.add(c.creditId()));

        assertThat(read.count()).isEqualTo(written.count()).isEqualTo(n);
        assertThat(read.sum()).isEqualTo(written.sum());
        assertThat(read.answersFileId()).isEqualTo("STMTCR_BANK_A_20261122_007");
        assertThat(confirmed).hasSize(n).contains("C0", "C" + (n - 1));
    }
}
