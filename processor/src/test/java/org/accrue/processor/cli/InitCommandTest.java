package org.accrue.processor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.accrue.processor.http.ApiKeys;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.ChildNode;
import org.accrue.processor.testing.TestDataDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** `accrue init` and then `accrue serve` in the same directory: the whole first start of a node. */
class InitCommandTest {
    private static final Pattern PRINTED_KEY = Pattern.compile("^  (\\S+) \\(role (\\w+)[^)]*\\): (acr_[a-z]+)$",
            Pattern.MULTILINE);
    private static final String PAN = "4000056655665556";

    private final Path dir = TestDataDirs.fresh("init");

    @AfterEach
    void removeTheDirectory() throws Exception {
        TestDataDirs.stopAndDelete(dir);
    }

    /** Runs the command line as main would; its standard output and error, and its exit code. */
    private record Run(int exit, String out, String err) {
    }

    private static Run accrue(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = AccrueCli.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** The keys init printed, by role. */
    private static Map<String, String> printedKeys(String out) {
        Map<String, String> keys = new LinkedHashMap<>();
        Matcher m = PRINTED_KEY.matcher(out);
        while (m.find()) {
            keys.put(m.group(2), m.group(3));
        }
        return keys;
    }

    @Test
    void aNodeServedFromWhatInitWroteAnswersThePrintedKeysByRole() throws Exception {
        Run init = accrue("init", dir.toString());

        assertThat(init.exit()).as(init.err()).isZero();
        Map<String, String> keys = printedKeys(init.out());
        assertThat(keys).containsOnlyKeys("issuer", "ops", "admin");
        String config = Files.readString(dir.resolve("accrue.properties"));
        for (String key : keys.values()) {
            assertThat(config).as("only the hash is kept").doesNotContain(key).contains(ApiKeys.sha256Hex(key));
        }
        Path panKey = dir.resolve(InitCommand.PAN_KEY_FILE);
        assertThat(config).contains("accrue.pan.key.1=file:" + panKey);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(panKey))).isEqualTo("rw-------");
        assertThat(config).contains("#accrue.store.tls=verify-full", "accrue.issuer.EXAMPLE_BANK.name=Example Bank",
                "#accrue.jobs.schedule.posting=0 0 2 * * ?", "accrue.webhooks.enabled=true");

        // Only what a test machine needs on top: any free ports, a small buffer pool. The rest is the file as written.
        try (ChildNode node = ChildNode.serveIn(dir, Map.of("accrue.iso.port", "0", "accrue.http.port", "0",
                "accrue.store.embedded.buffer-pool-mb", "128", "accrue.store.embedded.redo-log-mb", "64"))) {
            Api api = node.api();
            assertThat(api.get("/jobs", null).status()).isEqualTo(401);
            assertThat(api.get("/jobs", keys.get("ops")).status()).isEqualTo(200);
            assertThat(api.get("/offers", keys.get("admin")).status()).isEqualTo(200);
            assertThat(api.get("/offers", keys.get("issuer")).status()).as("an issuer key is not admin").isEqualTo(403);
            String cardId = api.enroll(keys.get("issuer"), PAN, "ACC-INIT-1");
            assertThat(api.get("/cards/" + cardId + "/rewards", keys.get("issuer")).status()).isEqualTo(200);
            assertThat(Files.isDirectory(dir.resolve("data").resolve("mariadb")))
                    .as("the embedded store lives under the data directory the file names").isTrue();
        }
    }

    @Test
    void aSecondInitRefusesToOverwriteAndForceKeepsThePanKey() throws Exception {
        assertThat(accrue("init", dir.toString()).exit()).isZero();
        String config = Files.readString(dir.resolve("accrue.properties"));
        String panKey = Files.readString(dir.resolve(InitCommand.PAN_KEY_FILE));

        Run again = accrue("init", dir.toString());

        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("exists; not overwriting it (--force does)");
        assertThat(Files.readString(dir.resolve("accrue.properties"))).isEqualTo(config);

        Run forced = accrue("init", "--force", dir.toString());

        assertThat(forced.exit()).isZero();
        assertThat(forced.out()).contains("kept the PAN token key");
        assertThat(Files.readString(dir.resolve(InitCommand.PAN_KEY_FILE))).as("cards enrolled under it still match")
                .isEqualTo(panKey);
        String rewritten = Files.readString(dir.resolve("accrue.properties"));
        assertThat(rewritten).isNotEqualTo(config);
        for (String key : printedKeys(forced.out()).values()) {
            assertThat(rewritten).contains(ApiKeys.sha256Hex(key));
        }
        assertThat(Files.exists(dir.resolve("accrue.properties.partial"))).isFalse();
    }
}
