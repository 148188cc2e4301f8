package org.accrue.processor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** What the CLI shows while a long command works, at a terminal and in a log; on a clock the test moves. */
class ProgressLineTest {
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String shown() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aTerminalGetsOneLineRedrawnInPlaceWithBarRateAndTimeLeft() {
        try (ProgressLine p = new ProgressLine("posting", ProgressLine.count("rewards"), out, true, now::get)) {
            now.addAndGet(SECOND / 10);
            p.at(10, 1_000);
            assertThat(shown()).as("not redrawn more often than every 200 ms").isEmpty();
            now.addAndGet(9 * SECOND / 10);
            p.at(250, 1_000);
            assertThat(shown()).isEqualTo("\rposting  [######..................]  25%  250 rewards/1,000 rewards  "
                    + "250 rewards/s  0:03 left");
        }
        assertThat(shown()).endsWith("\rposting  [######..................]  25%  250 rewards/1,000 rewards  "
                + "250 rewards/s  0:03 left" + System.lineSeparator());
    }

    @Test
    void aLogGetsAPlainLineEveryTenthOrFiveSecondsAndNothingForQuickWork() {
        try (ProgressLine quick = new ProgressLine("import a.txt", ProgressLine.BYTES, out, false, now::get)) {
            quick.at(512, 1_024);
            quick.at(1_024, 1_024);
        }
        assertThat(shown()).as("done within a second: nothing").isEmpty();

        try (ProgressLine p = new ProgressLine("import b.txt", ProgressLine.BYTES, out, false, now::get)) {
            now.addAndGet(2 * SECOND);
            p.at(200 * 1024 * 1024, 1024L * 1024 * 1024);
            now.addAndGet(SECOND / 2);
            p.at(300 * 1024 * 1024, 1024L * 1024 * 1024);
            now.addAndGet(6 * SECOND);
            p.at(310 * 1024 * 1024, 1024L * 1024 * 1024);
        }
        String[] lines = shown().split(System.lineSeparator());
        assertThat(lines).as("the last state was shown already: not again at the end").hasSize(2);
        assertThat(lines[0]).isEqualTo("import b.txt: 19%, 200.0 MB of 1.0 GB, 100.0 MB/s, 0:08 left");
        assertThat(lines[1]).as("a further tenth within a second of the last line waits; five seconds later it shows")
                .startsWith("import b.txt: 30%, 310.0 MB of 1.0 GB");
    }

    @Test
    void aLogDoesNotRepeatTheLastLineAtTheEnd() {
        try (ProgressLine p = new ProgressLine("enroll c.txt", ProgressLine.BYTES, out, false, now::get)) {
            now.addAndGet(2 * SECOND);
            p.at(1_024, 1_024);
        }
        assertThat(shown()).isEqualTo("enroll c.txt: 100%, 1.0 KB of 1.0 KB, 512 B/s, 0:00 left" + System.lineSeparator());
    }

    @Test
    void withoutATotalItShowsHowManyAndHowFast() {
        try (ProgressLine p = new ProgressLine("statement-file", ProgressLine.count("credits"), out, false, now::get)) {
            now.addAndGet(5 * SECOND);
            p.at(5_000, -1);
        }
        assertThat(shown()).startsWith("statement-file: 5,000 credits, 1,000 credits/s, 0:05 so far");
    }

    @Test
    void clockReadsMinutesAndHours() {
        assertThat(ProgressLine.clock(65)).isEqualTo("1:05");
        assertThat(ProgressLine.clock(3_725)).isEqualTo("1:02:05");
    }
}
