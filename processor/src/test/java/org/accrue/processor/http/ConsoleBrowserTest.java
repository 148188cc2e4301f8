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
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;

/**
 * The ops console end to end in headless Chromium (Debian's chromium and chromedriver): an ops user signs in,
 * finds the issuer's rejection in the queue (charted, filtered by card), assigns it in bulk, resolves it, and sees
 * the ledger change on the exception's page with named owners and formatted amounts; then every page is visited,
 * checked for formatted amounts and against Java map text, and photographed into docs/console-*.png (the
 * screenshots the processor README shows).
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings("accrue.rewards.matcher.enabled=false")
class ConsoleBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    /** A Java map printed into a page ("{AIRLINE_REFUSED=7, ...}"): never shown. */
    private static final String MAP_TEXT = "\\{[A-Z_]+=";

    /** The repository's docs directory: the tests run in the module's directory. */
    private static Path docs() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("the repository root (holding mvnw) above " + Path.of("").toAbsolutePath()).isNotNull();
        return dir.resolve("docs");
    }

    /** Checks the page shows no map text, and saves what the browser shows as docs/console-NAME.png. */
    private static void screenshot(WebDriver b, String name) throws java.io.IOException {
        assertThat(b.findElement(By.tagName("body")).getText()).as(name + " shows no Java map text")
                .doesNotContainPattern(MAP_TEXT);
        // the whole page, not the first screenful: the window is made as tall as the page (Chromium shoots the viewport)
        int height = b.findElement(By.tagName("html")).getSize().getHeight();
        b.manage().window().setSize(new Dimension(1440, Math.min(Math.max(height + 140, 700), 4000)));
        byte[] png = ((TakesScreenshot) b).getScreenshotAs(OutputType.BYTES);
        b.manage().window().setSize(new Dimension(1440, 1000));
        assertThat(png).as("a PNG of " + name).hasSizeGreaterThan(10_000)
                .startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        Path out = docs().resolve("console-" + name + ".png");
        Files.createDirectories(out.getParent());
        Files.write(out, png);
        assertThat(Files.size(out)).isEqualTo(png.length);
    }

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
        d.manage().window().setSize(new Dimension(1440, 1000));
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

    private static WebElement queueRow(WebDriver b, String creditId) {
        return b.findElements(By.cssSelector("#queue tr[data-type='RECON_REJECTED']")).stream()
                .filter(r -> r.getText().contains(creditId)).findFirst()
                .orElseThrow(() -> new AssertionError("no row of " + creditId + " in the queue at " + b.getCurrentUrl()));
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
            String body = b.findElement(By.tagName("body")).getText();
            assertThat(body).as("the open counts are a chart, not a map").doesNotContainPattern(MAP_TEXT);
            WebElement rejectedBar = b.findElement(By.cssSelector("#chart-type g.bar[data-label='RECON_REJECTED']"));
            assertThat(Long.parseLong(rejectedBar.getAttribute("data-count"))).isPositive();
            assertThat(b.findElements(By.cssSelector("#chart-age g.bar")).stream().map(g -> g.getAttribute("data-label")))
                    .containsExactly("<1 d", "1-3 d", "3-7 d", ">7 d");
            WebElement row = queueRow(b, creditId);
            assertThat(row.getText()).contains("BANK_A").contains("**** ").contains("ACCOUNT_BLOCKED").doesNotContain("ACC-BROWSER|")
                    .contains("2.50 USD");

            // filters: by account reference (typed, Enter submits), and a last four no card has finds nothing of it
            WebElement cardFilter = b.findElement(By.cssSelector("#filters input[name=card]"));
            cardFilter.sendKeys("ACC-BROWSER", Keys.ENTER);
            waitFor(b, "the filtered queue", d -> d.getCurrentUrl().contains("card=ACC-BROWSER"));
            assertThat(b.findElements(By.cssSelector("#queue tbody tr"))).hasSize(1);
            assertThat(queueRow(b, creditId).getText()).contains("2.50 USD");
            b.get(base + "?status=OPEN&type=MESSAGE_CONFLICT&age=OVER_7_DAYS&issuer=BANK_A");
            assertThat(b.findElements(By.cssSelector("#queue tbody tr"))).isEmpty();
            b.get(base + "?card=ACC-BROWSER&type=RECON_REJECTED&age=UNDER_1_DAY&issuer=BANK_A&limit=25");
            assertThat(b.findElements(By.cssSelector("#queue tbody tr"))).hasSize(1);

            // bulk assignment: tick the row (Space on the focused checkbox), name the person, submit
            queueRow(b, creditId).findElement(By.cssSelector("input[type=checkbox]")).sendKeys(Keys.SPACE);
            b.findElement(By.id("bulk-assignee")).sendKeys("alice");
            b.findElement(By.id("bulk-assign")).click();
            waitFor(b, "the queue after the assignment", d -> !d.findElements(By.id("flash")).isEmpty());
            assertThat(b.findElement(By.id("flash")).getText()).contains("Assigned 1 to alice");
            assertThat(b.getCurrentUrl()).as("back to the same filters").contains("card=ACC-BROWSER");
            assertThat(queueRow(b, creditId).getText()).contains("alice");

            // keyboard: access keys on the main pages, listed on the page, and a visible focus ring
            assertThat(b.findElement(By.cssSelector("header a[accesskey=j]")).getAttribute("href")).endsWith("/console/jobs");
            assertThat(b.findElement(By.cssSelector("footer.keys")).getText()).contains("Alt").contains("Jobs");
            new Actions(b).sendKeys(Keys.TAB).perform();
            WebElement focused = b.switchTo().activeElement();
            assertThat(focused.getTagName()).isIn("a", "input", "button", "select");
            assertThat(focused.getCssValue("outline-style")).as("the focused control shows it").isEqualTo("solid");
            b.get(base);
            screenshot(b, "exceptions");

            row = queueRow(b, creditId);
            row.findElement(By.xpath(".//select[@name='action']/option[text()='WRITE_OFF']")).click();
            row.findElement(By.name("reason")).sendKeys("account blocked for fraud, closed by the bank");
            row.findElement(By.xpath(".//form[contains(@action,'/resolve')]//button")).click();
            waitFor(b, "the exception's page", d -> !d.findElements(By.id("flash")).isEmpty());

            assertThat(b.findElement(By.id("flash")).getText()).contains("RESOLVED").contains("WRITE_OFF");
            assertThat(b.findElement(By.id("f-status")).getText()).isEqualTo("RESOLVED");
            assertThat(b.findElement(By.id("f-amount")).getText()).isEqualTo("2.50 USD");
            List<String> kinds = b.findElements(By.cssSelector("#ledger tr.entry")).stream()
                    .map(e -> e.getAttribute("data-kind")).toList();
            assertThat(kinds).contains("EARN", "SEND", "REJECT", "WRITE_OFF");
            String ledger = b.findElement(By.id("ledger")).getText();
            assertThat(ledger).as("owners by name, amounts in major units").contains("(ACC-BROWSER)").contains("**** ")
                    .contains("issuer BANK_A").contains("2.50 USD").doesNotContain(" 250 ");
            assertThat(b.findElement(By.id("audit")).getText()).contains("WRITE_OFF").contains("ops")
                    .contains("account blocked for fraud");
            screenshot(b, "exception");

            b.findElement(By.cssSelector("#ledger a[href*='/console/cards/']")).click();
            waitFor(b, "the card's page", d -> !d.findElements(By.id("rewards")).isEmpty());
            assertThat(b.findElement(By.id("rewards")).getText()).as("written off to nothing; the miles as a count")
                    .contains("REJECTED 0.00 USD").contains("50 SKY miles");
            assertThat(b.findElement(By.tagName("body")).getText()).contains("(ACC-BROWSER)");
            screenshot(b, "card");

            b.get(base + "/jobs");
            assertThat(b.findElement(By.id("jobs")).getText()).contains("posting").contains("reconciliation");
            WebElement posting = b.findElement(By.id("job-posting"));
            assertThat(posting.findElement(By.tagName("code")).getText()).as("the cron expression").matches("\\S+( \\S+){5,6}");
            assertThat(posting.findElements(By.tagName("td")).get(2).getText()).as("the next run").matches("\\d{4}-.*Z");
            screenshot(b, "jobs");
            // an endpoint registered after the rewards above: nothing is sent to it, the page lists it
            assertThat(new Api(node.processor().httpPort()).post("/webhooks", KEY_ISSUER_A,
                    "{\"url\":\"https://hooks.bank-a.example/accrue\",\"events\":[\"reward.earned\"]}").status())
                    .isEqualTo(201);
            b.get(base + "/webhooks");
            assertThat(b.findElement(By.tagName("h1")).getText()).isEqualTo("Webhooks");
            assertThat(b.findElement(By.id("endpoints")).getText()).contains("https://hooks.bank-a.example/accrue")
                    .contains("BANK_A").contains("reward.earned");
            screenshot(b, "webhooks");
            b.get(base + "/catalog");
            assertThat(b.findElement(By.id("offer-bb-10")).getText()).contains("Blue Bottle").contains("10% cashback")
                    .doesNotContain("[");
            screenshot(b, "catalog");
            b.get(base + "/health");
            assertThat(b.findElement(By.id("health")).getText()).contains("listener").contains("UP");
            screenshot(b, "health");
        } finally {
            b.quit();
        }
        assertThat(new Api(node.processor().httpPort()).get("/exceptions?status=RESOLVED&type=RECON_REJECTED", KEY_OPS)
                .json().toString()).contains(creditId).contains("account blocked for fraud");
    }
}
