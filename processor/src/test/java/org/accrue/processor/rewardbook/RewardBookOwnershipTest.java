/*
 * One owner per table (issue 14): no source file of processor or bench
 * outside the rewardbook package holds SQL that writes reward or
 * ledger_entry (ledger_transfer, the table behind it), and none but statements.StatementCredits writes
 * statement_credit or its batches. The sources are read as text, comments removed and string
 * literals joined across "+" (SQL is split over lines that way), then searched
 * for insert into / update / delete from / replace into either table.
 */
package org.accrue.processor.rewardbook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

class RewardBookOwnershipTest {
    private static final Pattern WRITE = Pattern.compile(
            "\\b(insert\\s+(ignore\\s+)?into|update|delete\\s+from|replace\\s+into)\\s+`?(reward|ledger_entry|ledger_transfer)`?\\b",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n\"]*$", Pattern.DOTALL | Pattern.MULTILINE);
    private static final Pattern JOINT = Pattern.compile("\"\\s*\\+\\s*\"");
    private static final String BOOK = "org/accrue/processor/rewardbook/";

    /** The project root, from the processor module's directory that surefire runs in. */
    private static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("processor/src")) ? here : here.getParent();
    }

    private static List<Path> sources(String module) {
        Path dir = root().resolve(module).resolve("src/main/java");
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".java")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean writesRewardTables(String source) {
        String code = JOINT.matcher(COMMENT.matcher(source).replaceAll(" ")).replaceAll("");
        return WRITE.matcher(code).find();
    }

    @Test
    void onlyTheRewardBookWritesRewardAndLedgerEntry() throws IOException {
        List<String> writers = new java.util.ArrayList<>();
        int scanned = 0;
        for (String module : List.of("processor", "bench")) {
            Path base = root().resolve(module).resolve("src/main/java");
            for (Path p : sources(module)) {
                String rel = base.relativize(p).toString().replace('\\', '/');
                scanned++;
                if (rel.startsWith(BOOK)) {
                    continue;
                }
                if (writesRewardTables(Files.readString(p))) {
                    writers.add(module + ": " + rel);
                }
            }
        }
        assertThat(scanned).as("the sources were found").isGreaterThan(50);
        assertThat(writers).as("files outside rewardbook that write reward or ledger_entry").isEmpty();
    }

    private static final Pattern CREDIT_WRITE = Pattern.compile(
            "\\b(insert\\s+(ignore\\s+)?into|update|delete\\s+from|replace\\s+into)\\s+`?"
                    + "(statement_credit|statement_batch|statement_filing)`?\\b", Pattern.CASE_INSENSITIVE);
    private static final String CREDITS_OWNER = "org/accrue/processor/statements/StatementCredits.java";

    @Test
    void onlyStatementCreditsWritesStatementCreditsAndTheirBatches() throws IOException {
        List<String> writers = new java.util.ArrayList<>();
        for (String module : List.of("processor", "bench")) {
            Path base = root().resolve(module).resolve("src/main/java");
            for (Path p : sources(module)) {
                String rel = base.relativize(p).toString().replace('\\', '/');
                String code = JOINT.matcher(COMMENT.matcher(Files.readString(p)).replaceAll(" ")).replaceAll("");
                if (!rel.equals(CREDITS_OWNER) && CREDIT_WRITE.matcher(code).find()) {
                    writers.add(module + ": " + rel);
                }
            }
        }
        assertThat(writers).as("files other than StatementCredits that write statement credits or batches").isEmpty();
    }

    @Test
    void theScanFindsWritesSplitOverLinesInAnyCaseAndIgnoresReadsAndComments() {
        assertThat(writesRewardTables("ps = c.prepareStatement(\"UPDATE \"\n        + \"reward set status = ?\");")).isTrue();
        assertThat(writesRewardTables("\"insert into ledger_entry (id) values (?)\"")).isTrue();
        assertThat(writesRewardTables("\"Delete From reward where id = ?\"")).isTrue();
        assertThat(writesRewardTables("\"replace into reward values (?)\"")).isTrue();
        assertThat(writesRewardTables("\"select id from reward where id = ?\"")).isFalse();
        assertThat(writesRewardTables("\"update reward_stats set n = 1\"")).isFalse();
        assertThat(writesRewardTables("/* we update reward rows through the book */ int x;")).isFalse();
    }
}
