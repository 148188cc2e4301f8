package org.accrue.reconciliation.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every way a confirmation file is refused whole, with the reason and the line it broke on; and what is read. */
class ConfirmationFileReaderTest {
    private static final String H = "H|STMTCONF|BANK_A|CONF-1|2026-11-23T04:00:00Z|-";
    private static final String D1 = "D|C1|ACC-1|1250|USD|POSTED|-|2026-11-23";
    private static final String D2 = "D|C2|ACC-2|500|USD|REJECTED|ACCOUNT_BLOCKED|-";

    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    private static FileRejectedException rejection(byte[] file) {
        return catchThrowableOfType(FileRejectedException.class,
                () -> ConfirmationFileReader.validate(new ByteArrayInputStream(file), "BANK_A"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', textBlock = """
            an empty file                          ;                                                     ; EMPTY                 ; 0
            a first line that is not a header      ; D1~T|1|1250                                         ; BAD_HEADER            ; 1
            a header with a byte order mark        ; \uFEFFHEAD~T|0|0                                    ; BAD_HEADER            ; 1
            a header of another file type          ; H|STMTCR|BANK_A|F|2026-11-23T04:00:00Z|1~T|0|0      ; WRONG_FILE_TYPE       ; 1
            a header of another issuer             ; H|STMTCONF|BANK_B|F|2026-11-23T04:00:00Z|-~T|0|0    ; ISSUER_MISMATCH       ; 1
            a header with too few fields           ; H|STMTCONF|BANK_A|F|2026-11-23T04:00:00Z~T|0|0      ; BAD_HEADER            ; 1
            a header with too many fields          ; H|STMTCONF|BANK_A|F|2026-11-23T04:00:00Z|-|x~T|0|0  ; BAD_HEADER            ; 1
            a header without a file id             ; H|STMTCONF|BANK_A||2026-11-23T04:00:00Z|-~T|0|0     ; BAD_HEADER            ; 1
            a header with a bad time               ; H|STMTCONF|BANK_A|F|yesterday|-~T|0|0               ; BAD_HEADER            ; 1
            a header with a local time             ; H|STMTCONF|BANK_A|F|2026-11-23T04:00:00|-~T|0|0     ; BAD_HEADER            ; 1
            a header with a time offset            ; H|STMTCONF|BANK_A|F|2026-11-23T04:00:00+01:00|-~T|0|0; BAD_HEADER           ; 1
            a header without an answered file id   ; H|STMTCONF|BANK_A|F|2026-11-23T04:00:00Z|~T|0|0     ; BAD_HEADER            ; 1
            a truncated file (no trailer)          ; HEAD~D1~D2                                          ; NO_TRAILER            ; 3
            a header alone                         ; HEAD                                                ; NO_TRAILER            ; 1
            a wrong count                          ; HEAD~D1~D2~T|3|1750                                 ; COUNT_MISMATCH        ; 4
            a wrong control total                  ; HEAD~D1~D2~T|2|1751                                 ; TOTAL_MISMATCH        ; 4
            a garbled trailer                      ; HEAD~D1~T|one|1250                                  ; BAD_TRAILER           ; 3
            a trailer with a negative count        ; HEAD~D1~T|-1|1250                                   ; BAD_TRAILER           ; 3
            a trailer with too few fields          ; HEAD~D1~T|1                                         ; BAD_TRAILER           ; 3
            a trailer that is only a T             ; HEAD~D1~T                                           ; BAD_TRAILER           ; 3
            content after the trailer              ; HEAD~D1~T|1|1250~D2                                 ; CONTENT_AFTER_TRAILER ; 4
            an empty line after the trailer        ; HEAD~D1~T|1|1250~                                   ; CONTENT_AFTER_TRAILER ; 4
            an empty line between details          ; HEAD~D1~~D2~T|2|1750                                ; BAD_DETAIL            ; 3
            a second header                        ; HEAD~HEAD~T|0|0                                     ; BAD_DETAIL            ; 2
            an unknown record type                 ; HEAD~X|C1~T|0|0                                     ; BAD_DETAIL            ; 2
            a detail with too few fields           ; HEAD~D|C1|ACC-1|1250~T|1|1250                       ; BAD_DETAIL            ; 2
            a detail with too many fields          ; HEAD~D1|x~T|1|1250                                  ; BAD_DETAIL            ; 2
            a detail without a credit id           ; HEAD~D||ACC-1|1250|USD|POSTED|-|2026-11-23~T|1|1250 ; BAD_DETAIL            ; 2
            a detail without an account ref        ; HEAD~D|C1||1250|USD|POSTED|-|2026-11-23~T|1|1250    ; BAD_DETAIL            ; 2
            a detail with a letter in the amount   ; HEAD~D|C1|ACC-1|12x0|USD|POSTED|-|2026-11-23~T|1|0  ; BAD_DETAIL            ; 2
            a detail with a decimal amount         ; HEAD~D|C1|ACC-1|12.50|USD|POSTED|-|2026-11-23~T|1|0 ; BAD_DETAIL            ; 2
            a detail with a plus sign              ; HEAD~D|C1|ACC-1|+1250|USD|POSTED|-|2026-11-23~T|1|0 ; BAD_DETAIL            ; 2
            a detail with an empty amount          ; HEAD~D|C1|ACC-1||USD|POSTED|-|2026-11-23~T|1|0      ; BAD_DETAIL            ; 2
            a detail with a lower-case currency    ; HEAD~D|C1|ACC-1|1250|usd|POSTED|-|2026-11-23~T|1|1250; BAD_DETAIL           ; 2
            a detail with an unknown currency      ; HEAD~D|C1|ACC-1|1250|XYZ|POSTED|-|2026-11-23~T|1|1250; BAD_DETAIL           ; 2
            a detail with a bad status             ; HEAD~D|C1|ACC-1|1250|USD|DONE|-|2026-11-23~T|1|1250 ; BAD_DETAIL            ; 2
            a rejection without a reason           ; HEAD~D|C1|ACC-1|1250|USD|REJECTED|-|-~T|1|1250      ; BAD_DETAIL            ; 2
            a rejection with an unknown reason     ; HEAD~D|C1|ACC-1|1250|USD|REJECTED|FRAUD|-~T|1|1250  ; BAD_DETAIL            ; 2
            a rejection with a posted date         ; HEAD~D|C1|ACC-1|1250|USD|REJECTED|OTHER|2026-11-23~T|1|1250; BAD_DETAIL     ; 2
            a posting with a reason                ; HEAD~D|C1|ACC-1|1250|USD|POSTED|OTHER|2026-11-23~T|1|1250; BAD_DETAIL       ; 2
            a posting without a posted date        ; HEAD~D|C1|ACC-1|1250|USD|POSTED|-|-~T|1|1250        ; BAD_DETAIL            ; 2
            a posting on a day that does not exist ; HEAD~D|C1|ACC-1|1250|USD|POSTED|-|2026-02-30~T|1|1250; BAD_DETAIL           ; 2
            a posted date in another format        ; HEAD~D|C1|ACC-1|1250|USD|POSTED|-|23/11/2026~T|1|1250; BAD_DETAIL           ; 2
            a bad detail after good ones           ; HEAD~D1~D2~D|C3|ACC-3|1|USD|POSTED|-|x~T|3|1751     ; BAD_DETAIL            ; 4
            """)
    void aBrokenFileIsRejectedWholeNamingTheRuleAndLine(String name, String content, FileRejectedException.Reason reason,
                                                        long line) {
        String text = content == null ? "" : content.replace("HEAD", H).replace("D1", D1).replace("D2", D2).replace('~', '\n') + "\n";

        FileRejectedException e = rejection(text.getBytes(StandardCharsets.UTF_8));

        assertThat(e).as(name).isNotNull();
        assertThat(e.reason()).as(name).isEqualTo(reason);
        assertThat(e.line()).as(name).isEqualTo(line);
        assertThat(e.getMessage()).as(name).startsWith(line > 0 ? "line " + line + ": " : "the file");
        assertThat(e.getMessage()).as("a message never repeats a line").doesNotContain("ACC-1|", "|USD|", "|POSTED|");
    }

    @Test
    void aBadDetailNamesTheFieldThatBroke() {
        FileRejectedException e = rejection((H + "\nD|C1|ACC-1|12x0|USD|POSTED|-|2026-11-23\nT|1|0\n")
                .getBytes(StandardCharsets.UTF_8));

        assertThat(e.getMessage()).isEqualTo("line 2: field 4 (amount): must be a whole number of minor units "
                + "(optional -, 1-18 digits)");
    }

    @Test
    void aFileThatIsNotUtf8IsRejectedAtTheLineOfTheBadByte() {
        byte[] file = (H + "\n" + D1 + "\nD|C2|ACC-\u00ff|1|USD|POSTED|-|2026-11-23\nT|2|1251\n")
                .getBytes(StandardCharsets.ISO_8859_1);

        FileRejectedException e = rejection(file);

        assertThat(e.reason()).isEqualTo(FileRejectedException.Reason.NOT_UTF8);
        assertThat(e.line()).isEqualTo(3);
    }

    @Test
    void aLineLongerThanTheLimitIsRejectedWithoutReadingItWhole() {
        byte[] file = (H + "\nD|" + "x".repeat(ConfirmationFileReader.LINE_BYTES_MAX * 100) + "\n")
                .getBytes(StandardCharsets.UTF_8);

        FileRejectedException e = rejection(file);

        assertThat(e.reason()).isEqualTo(FileRejectedException.Reason.LINE_TOO_LONG);
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.getMessage()).doesNotContain("xxx");
    }

    @Test
    void aLineOfExactlyTheLimitIsJudgedOnItsFieldsAndOneByteMoreIsTooLong() {
        String atLimit = "D|" + "x".repeat(ConfirmationFileReader.LINE_BYTES_MAX - 2);

        assertThat(rejection((H + "\n" + atLimit + "\r\nT|0|0\n").getBytes(StandardCharsets.UTF_8)).reason())
                .isEqualTo(FileRejectedException.Reason.BAD_DETAIL);
        assertThat(rejection((H + "\n" + atLimit + "x\nT|0|0\n").getBytes(StandardCharsets.UTF_8)).reason())
                .isEqualTo(FileRejectedException.Reason.LINE_TOO_LONG);
    }

    @Test
    void amountsWhoseSumOverflowsAreABadDetailAtTheLineWhereItOverflows() {
        // Built at run time: no long digit runs in test sources.
        String big = "9".repeat(18);
        StringBuilder f = new StringBuilder(H).append('\n');
        for (int i = 1; i <= 10; i++) {
            f.append("D|C").append(i).append("|ACC-1|").append(big).append("|USD|POSTED|-|2026-11-23\n");
        }
        f.append("T|10|0\n");

        FileRejectedException e = rejection(f.toString().getBytes(StandardCharsets.UTF_8));

        assertThat(e.reason()).isEqualTo(FileRejectedException.Reason.BAD_DETAIL);
        assertThat(e.line()).isEqualTo(11);
        assertThat(e.getMessage()).contains("amount").doesNotContain(big);
    }

    @Test
    void postedAndRejectedLinesAreReadWithTheirReasonAndDate() throws Exception {
        List<Confirmation> lines = new ArrayList<>();

        ConfirmationFileReader.Summary s = ConfirmationFileReader.read(bytes(H + "\n" + D1 + "\n" + D2 + "\nT|2|1750\n"),
                "BANK_A", lines::add);

        assertThat(lines).containsExactly(
                new Confirmation(2, "C1", "ACC-1", 1250, "USD", Confirmation.Status.POSTED, null, LocalDate.parse("2026-11-23")),
                new Confirmation(3, "C2", "ACC-2", 500, "USD", Confirmation.Status.REJECTED,
                        Confirmation.ReasonCode.ACCOUNT_BLOCKED, null));
        assertThat(s).isEqualTo(new ConfirmationFileReader.Summary("BANK_A", "CONF-1", Instant.parse("2026-11-23T04:00:00Z"),
                null, 2, 1750, s.sha256()));
        assertThat(s.sha256()).hasSize(64);
    }

    @Test
    void everyReasonCodeOfTheSpecIsRead() throws Exception {
        StringBuilder f = new StringBuilder(H).append('\n');
        for (Confirmation.ReasonCode r : Confirmation.ReasonCode.values()) {
            f.append("D|C-").append(r).append("|ACC-1|1|JPY|REJECTED|").append(r).append("|-\n");
        }
        f.append("T|").append(Confirmation.ReasonCode.values().length).append('|').append(Confirmation.ReasonCode.values().length)
                .append('\n');
        List<Confirmation.ReasonCode> seen = new ArrayList<>();

        ConfirmationFileReader.read(bytes(f.toString()), "BANK_A", c -> seen.add(c.reasonCode()));

        assertThat(seen).containsExactly(Confirmation.ReasonCode.values());
    }

    @Test
    void negativeAmountsAreDebitsAndCountInTheTotal() throws Exception {
        String f = H + "\n" + D1 + "\nD|C9|ACC-1|-250|USD|POSTED|-|2026-11-23\nT|2|1000\n";

        assertThat(ConfirmationFileReader.validate(bytes(f), "BANK_A").sum()).isEqualTo(1000);
    }

    @Test
    void crlfLineEndsAreTolerated() throws Exception {
        String f = H + "\r\n" + D1 + "\r\n" + D2 + "\r\nT|2|1750\r\n";

        assertThat(ConfirmationFileReader.validate(bytes(f), "BANK_A").count()).isEqualTo(2);
    }

    @Test
    void aTrailerWithoutItsFinalLineEndIsAccepted() throws Exception {
        String f = H + "\n" + D1 + "\nT|1|1250";

        assertThat(ConfirmationFileReader.validate(bytes(f), "BANK_A").count()).isEqualTo(1);
    }

    @Test
    void aCarriageReturnInsideAFieldIsABadDetail() {
        FileRejectedException e = rejection((H + "\nD|C1|ACC\r-1|1250|USD|POSTED|-|2026-11-23\nT|1|1250\n")
                .getBytes(StandardCharsets.UTF_8));

        assertThat(e.reason()).isEqualTo(FileRejectedException.Reason.BAD_DETAIL);
        assertThat(e.getMessage()).contains("account ref");
    }

    @Test
    void theAnsweredFileIdIsReadWhenPresent() throws Exception {
        String f = "H|STMTCONF|BANK_A|CONF-2|2026-11-23T04:00:00Z|STMTCR_BANK_A_20261122_001\nT|0|0\n";

        assertThat(ConfirmationFileReader.validate(bytes(f), "BANK_A").answersFileId()).isEqualTo("STMTCR_BANK_A_20261122_001");
    }

    @Test
    void theVisitorSeesLinesBeforeTheTrailerIsCheckedSoTheCallerMustUndoThem() {
        List<String> applied = new ArrayList<>();

        assertThatThrownBy(() -> ConfirmationFileReader.read(bytes(H + "\n" + D1 + "\n" + D2 + "\nT|2|9999\n"), "BANK_A",
                c -> applied.add(c.creditId())))
                .isInstanceOf(FileRejectedException.class)
                .extracting(e -> ((FileRejectedException) e).reason()).isEqualTo(FileRejectedException.Reason.TOTAL_MISMATCH);
        assertThat(applied).containsExactly("C1", "C2");
    }

    @Test
    void theVisitorsOwnExceptionIsPassedOnAsItIs() {
        SQLException boom = new SQLException("deadlock");

        assertThatThrownBy(() -> ConfirmationFileReader.read(bytes(H + "\n" + D1 + "\nT|1|1250\n"), "BANK_A", c -> {
            throw boom;
        })).isSameAs(boom);
    }

    @Test
    void theSameContentHasTheSameHashAndAnyChangeAnother() throws Exception {
        String f = H + "\n" + D1 + "\nT|1|1250\n";

        String a = ConfirmationFileReader.validate(bytes(f), "BANK_A").sha256();
        String b = ConfirmationFileReader.validate(bytes(f), "BANK_A").sha256();
        String c = ConfirmationFileReader.validate(bytes(f.replace("CONF-1", "CONF-2")), "BANK_A").sha256();

        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void aHundredThousandLineFileIsReadStreamingWithoutBeingHeldInMemory() throws Exception {
        int n = 100_000;
        long[] seen = {0, 1, 0};

        ConfirmationFileReader.Summary s = ConfirmationFileReader.read(new GeneratedFile(n), "BANK_A", c -> {
            if (c.lineNumber() != seen[1] + 1) {
                throw new AssertionError("line " + c.lineNumber() + " after " + seen[1]);
            }
            seen[1] = c.lineNumber();
            seen[0]++;
            seen[2] += c.amount();
        });

        assertThat(seen[0]).isEqualTo(n);
        assertThat(s.count()).isEqualTo(n);
        assertThat(s.sum()).isEqualTo(seen[2]).isEqualTo(GeneratedFile.sum(n));
        assertThat(s.answersFileId()).isEqualTo("STMTCR_BANK_A_20261122_001");
    }

    @Test
    void randomDamageToAValidFileIsEitherReadOrRejectedNeverAnythingElse() {
        byte[] valid = (H + "\n" + D1 + "\n" + D2 + "\nD|C3|ACC-3|-75|JPY|POSTED|-|2026-11-24\nT|3|1675\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] alphabet = "|\n\r-0123456789DHTX\u00e9".getBytes(StandardCharsets.UTF_8);
        Random r = new Random(2026);
        int rejected = 0;
        for (int i = 0; i < 5_000; i++) {
            byte[] f = valid.clone();
            for (int k = 1 + r.nextInt(3); k > 0 && f.length > 0; k--) {
                int at = r.nextInt(f.length);
                f = switch (r.nextInt(4)) {
                    case 0 -> { f[at] = alphabet[r.nextInt(alphabet.length)]; yield f; }
                    case 1 -> { f[at] = (byte) r.nextInt(256); yield f; }
                    case 2 -> Arrays.copyOf(f, at);
                    default -> { byte[] g = new byte[f.length - 1]; System.arraycopy(f, 0, g, 0, at);
                        System.arraycopy(f, at + 1, g, at, f.length - at - 1); yield g; }
                };
            }
            byte[] damaged = f;
            Throwable t = catchThrowable(() -> ConfirmationFileReader.validate(new ByteArrayInputStream(damaged), "BANK_A"));
            if (t != null) {
                assertThat(t).isInstanceOf(FileRejectedException.class);
                assertThat(((FileRejectedException) t).reason()).isNotNull();
                rejected++;
            }
        }
        assertThat(rejected).isGreaterThan(4_000);
    }

    /** A valid confirmation file of {@code n} detail lines, produced as it is read: it is never in memory whole. */
    static final class GeneratedFile extends InputStream {
        private final int n;
        private int next = -1;
        private byte[] current = "H|STMTCONF|BANK_A|CONF-1|2026-11-23T04:00:00Z|STMTCR_BANK_A_20261122_001\n"
                .getBytes(StandardCharsets.US_ASCII);
        private int pos;

        GeneratedFile(int n) {
            this.n = n;
        }

        static long amount(int i) {
            return (i % 11 == 0 ? -1 : 1) * (long) (i % 5000);
        }

        static long sum(int n) {
            long s = 0;
            for (int i = 0; i < n; i++) {
                s += amount(i);
            }
            return s;
        }

        private boolean advance() {
            next++;
            if (next < n) {
                current = ("D|C" + next + "|ACC-" + (next % 97) + "|" + amount(next) + "|USD|POSTED|-|2026-11-23\n")
                        .getBytes(StandardCharsets.US_ASCII);
            } else if (next == n) {
                current = ("T|" + n + "|" + sum(n) + "\n").getBytes(StandardCharsets.US_ASCII);
            } else {
                return false;
            }
            pos = 0;
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            int done = 0;
            while (done < len) {
                if (pos == current.length && !advance()) {
                    break;
                }
                int k = Math.min(len - done, current.length - pos);
                System.arraycopy(current, pos, b, off + done, k);
                pos += k;
                done += k;
            }
            return done == 0 ? -1 : done;
        }
    }
}
