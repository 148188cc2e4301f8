package org.accrue.processor.http;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.RewardStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The ops console end to end in headless Chromium (Debian's chromium and chromedriver): an ops user signs in,
 * finds the issuer's rejection in the queue, resolves it, and sees the ledger change on the exception's page.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings("accrue.rewards.matcher.enabled=false")
class ConsoleBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private static WebDriver browser(Path profile) {
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver d = new ChromeDriver(service, o);
        d.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return d;
    }

    /** Waits for the page the browser is navigating to (a click on a submit returns before the next page is in). */
    private static void waitFor(WebDriver b, String what, java.util.function.Predicate<WebDriver> ready) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!ready.test(b)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the browser never showed " + what + "; it is at " + b.getCurrentUrl());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // polls the browser's state
        }
    }

    /** A credit of a new card, sent in a file and rejected by the issuer in its confirmation file. */
    private static String rejectedCredit(Node node) throws Exception {
        try (RewardStream stream = new RewardStream(node)) {
            String pan = RewardStream.newPan();
            long card = stream.row(stream.enroll(KEY_ISSUER_A, pan, "ACC-BROWSER", "NGUYEN"));
            stream.purchase(pan, 2500);
            stream.matchAndMakeAvailable();
            node.processor().operations().posting().post();
            node.processor().operations().files().writeAll();
            String creditId = node.processor().store().sessionFactory().fromSession(s -> (String) s.createNativeQuery(
                    "select credit_id from statement_credit where card_id = " + card, Object.class).getSingleResult());
            String file = "H|STMTCONF|BANK_A|CONF-BROWSER-" + java.util.UUID.randomUUID().toString().replaceAll("[0-9-]", "") + "|2026-11-23T04:00:00Z|-\n"
                    + "D|" + creditId + "|ACC-BROWSER|250|USD|REJECTED|ACCOUNT_BLOCKED|-\nT|1|250\n";
            var imports = node.processor().operations().imports();
            var imp = imports.process(imports.receive("BANK_A", new java.io.ByteArrayInputStream(
                    file.getBytes(StandardCharsets.UTF_8)), "TEST", "conf.txt", "test"));
            assertThat(imp.status().name()).isEqualTo("APPLIED");
            return creditId;
        }
    }

    @Test
    void opsSignsInResolvesARejectedCreditAndSeesTheLedgerChange(Node node) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Debian's chromium and chromium-driver are not installed (./accrue test installs them when it may)");
        String creditId = rejectedCredit(node);
        String base = "http://127.0.0.1:" + node.processor().httpPort() + "/console";
        WebDriver b = browser(Files.createTempDirectory(node.dataDir(), "chromium"));
        try {
            b.get(base + "/exceptions/1");
            assertThat(b.getCurrentUrl()).as("not signed in: sent to sign in").endsWith("/console/login");
            b.findElement(By.id("key")).sendKeys("not-a-key");
            b.findElement(By.id("signin")).click();
            waitFor(b, "the refusal", d -> d.getCurrentUrl().contains("error=1"));
            assertThat(b.getPageSource()).contains("not an ops or admin key");
            b.get(base + "/login");
            b.findElement(By.id("key")).sendKeys(KEY_ISSUER_A);
            b.findElement(By.id("signin")).click();
            waitFor(b, "the refusal", d -> d.getCurrentUrl().contains("error=1"));
            assertThat(b.getPageSource()).as("issuer keys do not open the console").contains("not an ops or admin key");

            b.findElement(By.id("key")).sendKeys(KEY_OPS);
            b.findElement(By.id("signin")).click();
            waitFor(b, "the queue", d -> !d.findElements(By.id("queue")).isEmpty());
            assertThat(b.findElement(By.tagName("h1")).getText()).isEqualTo("Exceptions");
            WebElement row = b.findElements(By.cssSelector("#queue tr[data-type='RECON_REJECTED']")).stream()
                    .filter(r -> r.getText().contains(creditId)).findFirst().orElseThrow();
            assertThat(row.getText()).contains("BANK_A").contains("**** ").contains("ACCOUNT_BLOCKED").doesNotContain("ACC-BROWSER|");
            row.findElement(By.xpath(".//select[@name='action']/option[text()='WRITE_OFF']")).click();
            row.findElement(By.name("reason")).sendKeys("account blocked for fraud, closed by the bank");
            row.findElement(By.tagName("button")).click();
            waitFor(b, "the exception's page", d -> !d.findElements(By.id("flash")).isEmpty());

            assertThat(b.findElement(By.id("flash")).getText()).contains("RESOLVED").contains("WRITE_OFF");
            assertThat(b.findElement(By.id("f-status")).getText()).isEqualTo("RESOLVED");
            List<String> kinds = b.findElements(By.cssSelector("#ledger tr.entry")).stream()
                    .map(e -> e.getAttribute("data-kind")).toList();
            assertThat(kinds).contains("EARN", "SEND", "REJECT", "WRITE_OFF");
            assertThat(b.findElement(By.id("audit")).getText()).contains("WRITE_OFF").contains("ops")
                    .contains("account blocked for fraud");
            b.get(base + "/jobs");
            assertThat(b.findElement(By.id("jobs")).getText()).contains("posting").contains("reconciliation");
            b.get(base + "/health");
            assertThat(b.findElement(By.id("health")).getText()).contains("listener").contains("UP");
        } finally {
            b.quit();
        }
        assertThat(new Api(node.processor().httpPort()).get("/exceptions?status=RESOLVED&type=RECON_REJECTED", KEY_OPS)
                .json().toString()).contains(creditId).contains("account blocked for fraud");
    }
}
