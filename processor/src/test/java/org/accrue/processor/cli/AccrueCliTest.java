package org.accrue.processor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.accrue.processor.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the `accrue` command prints and the exit code it ends with (main passes execute's result to System.exit). */
class AccrueCliTest {

    @Test
    void serveOnAStoreNobodyListensForPrintsOneStoreLineAndExitsThree(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path password = Files.writeString(dir.resolve("db.password"), "cli-test-secret-password\n");
        Map<String, String> values = new TreeMap<>(TestConfig.values(dir.resolve("data")));
        Path panKey = Files.writeString(dir.resolve("pan.key"), values.get("accrue.pan.key.1").substring("base64:".length()));
        values.put("accrue.pan.key.1", "file:" + panKey);
        values.put("accrue.store.mode", "external");
        values.put("accrue.store.url", "jdbc:mariadb://127.0.0.1:" + port + "/accrue");
        values.put("accrue.store.password", "file:" + password);
        StringBuilder props = new StringBuilder();
        values.forEach((k, v) -> props.append(k).append('=').append(v).append('\n'));
        Path config = Files.writeString(dir.resolve("accrue.properties"), props);

        StringWriter err = new StringWriter();
        int exit = AccrueCli.commandLine().setErr(new PrintWriter(err, true)).execute("serve", "--config", config.toString());

        assertThat(exit).isEqualTo(3);
        assertThat(err.toString()).isEqualTo("accrue: store: connection refused by 127.0.0.1:" + port
                + " (is MariaDB running there, on that port?)" + System.lineSeparator());
        assertThat(err.toString()).doesNotContain("cli-test-secret-password");
    }

    @Test
    void aBadConfigurationExitsTwo(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("accrue.properties"), "accrue.store.tls=sometimes\n");
        StringWriter err = new StringWriter();
        int exit = AccrueCli.commandLine().setErr(new PrintWriter(err, true)).execute("serve", "--config", config.toString());
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).startsWith("accrue: configuration: accrue.store.tls must be one of");
    }
}
