/*
 * Drives every path a PAN can take (enrollment by API and file, good and bad
 * requests, the issuer simulator with bad messages, conflicts, cards not
 * enrolled) and then looks for the PANs everywhere they must never be: every
 * column of every table, every log line and logged exception (application
 * and jPOS Q2 logs), and every error body the API answered.
 */
package org.accrue.processor.security;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.accrue.iso8583.Pans;
import org.accrue.iso8583.simulator.IssuerSimulator;
import org.accrue.processor.cards.BulkEnrollment;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;

@ExtendWith(ProcessorExtension.class)
class PanLeakTest {

    private static List<String> pans(String bin, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Pans.withCheckDigit(bin + String.format("%09d", 7_000 + i * 37)));
        }
        return out;
    }

    @Test
    void noPanUsedAnywhereAppearsInTheDatabaseLogsOrErrors(Node node) throws Exception {
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        captured.start();
        root.addAppender(captured);
        List<String> enrolled = pans("400000", 14);
        List<String> notEnrolled = pans("520082", 6);
        List<String> all = Stream.concat(enrolled.stream(), notEnrolled.stream()).toList();
        List<String> errorBodies = new ArrayList<>();
        try {
            Api api = new Api(node.processor().httpPort());
            for (String pan : enrolled.subList(0, 8)) {
                api.enroll(KEY_ISSUER_A, pan, "ACC-" + pan.substring(12));
            }
            // Bad requests that carry a PAN: each must be refused without echoing it.
            String p = notEnrolled.getFirst();
            errorBodies.add(api.post("/cards", KEY_ISSUER_A, "{\"pan\":\"" + p + "\",").body());
            errorBodies.add(api.post("/cards", KEY_ISSUER_A, "{\"pan\":\"" + p + "\",\"accountRef\":\"" + p + "\",\"lastName\":\"X\"}").body());
            errorBodies.add(api.post("/cards", KEY_ISSUER_A, "{\"pan\":\"" + p + "\",\"bogus\":1}").body());
            errorBodies.add(api.post("/cards", KEY_ISSUER_A, "{\"pan\":\"" + p.substring(0, 15) + "9\",\"accountRef\":\"A\",\"lastName\":\"X\"}").body());
            errorBodies.add(api.post("/cards", null, "{\"pan\":\"" + p + "\"}").body());
            errorBodies.add(api.post("/cards", "nope", "{\"pan\":\"" + p + "\"}").body());

            Path file = node.dataDir().resolve("enroll.txt");
            List<String> lines = new ArrayList<>();
            for (String pan : enrolled.subList(8, 12)) {
                lines.add(pan + "|ACC|DOE");
            }
            lines.add(notEnrolled.get(1) + "|only-two-fields");
            lines.add(notEnrolled.get(2).substring(0, 15) + "0|ACC|DOE");
            Files.write(file, lines);
            BulkEnrollment.Report report = BulkEnrollment.run(file, "BANK_A", node.processor().enrollment());
            Files.delete(file);
            errorBodies.add(report.describe());
            // The same through the issuers' upload: its answer names lines by number only.
            String upload = enrolled.get(12) + "|ACC|DOE\n" + enrolled.get(13) + "|ACC|DOE\n"
                    + notEnrolled.get(3) + "|only-two-fields\n" + notEnrolled.get(4).substring(0, 15) + "0|ACC|DOE\n";
            Api.Response uploaded = api.postRaw("/issuers/BANK_A/enrollment-files", KEY_ISSUER_A,
                    upload.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(200);
            assertThat(uploaded.json().get("rejected").asLong()).isEqualTo(2);
            errorBodies.add(uploaded.body());

            var sim = IssuerSimulator.run(IssuerSimulator.Options.of("127.0.0.1", node.processor().isoPort(), enrolled)
                    .withOtherPans(notEnrolled).withPurchases(150).withConnections(2).withBadMessages(true));
            errorBodies.add(sim.describe());
            assertThat(sim.allAsExpected()).as(sim.describe()).isTrue();
        } finally {
            root.detachAppender(captured);
        }

        List<String> logText = new ArrayList<>();
        for (ILoggingEvent e : captured.list) {
            logText.add(e.getFormattedMessage());
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                logText.add(t.getClassName() + ": " + t.getMessage());
            }
        }
        assertThat(captured.list).as("the scenario logs something, so the scan is not vacuous").isNotEmpty();
        try (Stream<Path> files = Files.walk(node.dataDir())) {
            for (Path f : files.filter(x -> x.toString().endsWith(".log")).toList()) {
                logText.add(Files.readString(f));
            }
        }
        Path testLog = Path.of("target/test-logs/processor-tests.log");
        if (Files.exists(testLog)) {
            logText.add(Files.readString(testLog));
        }

        List<String> dbValues = everyValueInTheDatabase(node);
        assertThat(dbValues).as("the scan reads the stored rows").isNotEmpty();
        assertThat(dbValues).anySatisfy(v -> assertThat(v).contains(enrolled.getFirst().substring(12)));

        for (String pan : all) {
            assertThat(PanScan.find(pan, logText)).as("a PAN in the logs").isEmpty();
            assertThat(PanScan.find(pan, dbValues)).as("a PAN in the database").isEmpty();
            assertThat(PanScan.find(pan, errorBodies)).as("a PAN in an error").isEmpty();
        }
    }

    @Test
    void theScanFindsAPanWhereOneIs() {
        String pan = pans("400000", 1).getFirst();
        assertThat(PanScan.find(pan, List.of("nothing here", "card " + pan + " seen"))).hasSize(1);
    }

    private static List<String> everyValueInTheDatabase(Node node) {
        return node.processor().store().sessionFactory().fromSession(s -> {
            List<String> values = new ArrayList<>();
            @SuppressWarnings("unchecked")
            List<Object[]> columns = s.createNativeQuery("select table_name, column_name from information_schema.columns "
                    + "where table_schema = database() order by table_name, ordinal_position", Object[].class).getResultList();
            for (Object[] c : columns) {
                List<?> rows = s.createNativeQuery("select cast(`" + c[1] + "` as char) from `" + c[0] + "`", Object.class).getResultList();
                rows.stream().filter(java.util.Objects::nonNull).forEach(v -> values.add(v.toString()));
            }
            return values;
        });
    }
}
