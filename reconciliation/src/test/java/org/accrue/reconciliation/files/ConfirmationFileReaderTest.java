package org.accrue.reconciliation.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every way a confirmation file is refused whole, with the reason and the line it broke on. */
class ConfirmationFileReaderTest {
    private static final String H = "H|STMTCONF|BANK_A|CONF-1|2026-11-23T04:00:00Z|-";
    private static final String D1 = "D|C1|ACC-1|1250|USD|POSTED|-|2026-11-23";
    private static final String D2 = "D|C2|ACC-2|500|USD|REJECTED|ACCOUNT_BLOCKED|-";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', textBlock = """
            an empty file                    ;                                                         ; EMPTY                ; 0
            a header of another file type    ; H|STMTCR|BANK_A|F|2026-11-23T04:00:00Z|1~T|0|0           ; WRONG_FILE_TYPE      ; 1
            a header of another issuer       ; H|STMTCONF|BANK_B|F|2026-11-23T04:00:00Z|-~T|0|0         ; ISSUER_MISMATCH      ; 1
            a header with a bad time         ; H|STMTCONF|BANK_A|F|yesterday|-~T|0|0                    ; BAD_HEADER           ; 1
            a truncated file (no trailer)    ; HEAD~D1~D2                                               ; NO_TRAILER           ; 3
            a wrong count                    ; HEAD~D1~D2~T|3|1750                                      ; COUNT_MISMATCH       ; 4
            a wrong control total            ; HEAD~D1~D2~T|2|1751                                      ; TOTAL_MISMATCH       ; 4
            a garbled trailer                ; HEAD~D1~T|one|1250                                       ; BAD_TRAILER          ; 3
            a detail with a letter amount    ; HEAD~D|C1|ACC-1|12x0|USD|POSTED|-|2026-11-23~T|1|0        ; BAD_DETAIL           ; 2
            a detail with a bad status       ; HEAD~D|C1|ACC-1|1250|USD|DONE|-|2026-11-23~T|1|1250       ; BAD_DETAIL           ; 2
            a rejection without a reason     ; HEAD~D|C1|ACC-1|1250|USD|REJECTED|-|-~T|1|1250            ; BAD_DETAIL           ; 2
            a detail with too few fields     ; HEAD~D|C1|ACC-1|1250~T|1|1250                             ; BAD_DETAIL           ; 2
            content after the trailer        ; HEAD~D1~T|1|1250~D2                                      ; CONTENT_AFTER_TRAILER; 4
            """)
    void aBrokenFileIsRejectedWholeNamingTheRuleAndLine(String name, String content, FileRejectedException.Reason reason,
                                                        long line) {
        String text = content == null ? "" : content.replace("HEAD", H).replace("D1", D1).replace("D2", D2).replace('~', '\n') + "\n";

        FileRejectedException e = catchThrowableOfType(FileRejectedException.class, () -> ConfirmationFileReader.validate(
                new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "BANK_A"));

        assertThat(e).as(name).isNotNull();
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.line()).isEqualTo(line);
        assertThat(e.getMessage()).doesNotContain("ACC-1|1250");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', textBlock = """
            not UTF-8       ; NOT_UTF8
            a line too long ; LINE_TOO_LONG
            """)
    void badBytesAreRejected(String name, FileRejectedException.Reason reason) {
        byte[] bytes = reason == FileRejectedException.Reason.NOT_UTF8
                ? (H + "\nD|C1|ACC-\u00ff|1|USD|POSTED|-|2026-11-23\nT|1|1\n").getBytes(StandardCharsets.ISO_8859_1)
                : (H + "\nD|" + "x".repeat(2000) + "\n").getBytes(StandardCharsets.UTF_8);

        FileRejectedException e = catchThrowableOfType(FileRejectedException.class, () -> ConfirmationFileReader.validate(
                new ByteArrayInputStream(bytes), "BANK_A"));

        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(reason);
    }
}
