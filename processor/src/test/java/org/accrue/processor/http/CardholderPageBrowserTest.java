package org.accrue.processor.http;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_B;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The cardholder page in headless Chromium (Debian's chromium and chromedriver, as ConsoleBrowserTest): a card's
 * purchases with their why, its offers, and activating one from the keyboard, in the issuer's language (BANK_A
 * English, BANK_B Turkish). Screenshots go to docs/cardholder-page-en.png and -tr.png (processor/README.md).
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.rewards.matcher.enabled=false", "accrue.issuer.BANK_B.language=tr",
        "accrue.points.PAGEPTS.currency=USD", "accrue.points.PAGEPTS.cash-minor-per-1000-points=500",
        "accrue.points.PAGEPTS.validity-months=24"})
class CardholderPageBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String OFFERS = """
            {"offers":[{"id":"double-shot","merchantId":"blue-bottle","reward":{"type":"FIXED","amount":{"minor":300,"currency":"USD"}},
                        "currency":"USD","minSpend":{"minor":1000,"currency":"USD"},"activationRequired":true,
                        "activationValidDays":30,"stacking":"STACKABLE","channel":"IN_STORE",
                        "startsAt":"2026-01-01T00:00:00Z","endsAt":"2030-01-01T00:00:00Z"},
                       {"id":"tenth-coffee","merchantId":"blue-bottle","reward":{"type":"PUNCH_CARD","every":10,
                        "amount":{"minor":450,"currency":"USD"}},"currency":"USD","stacking":"STACKABLE",
                        "startsAt":"2026-01-01T00:00:00Z"},
                       {"id":"cafe-points","mccs":["5814"],"reward":{"type":"POINTS_PER_UNIT","pointsPerUnit":10,
                        "program":"PAGEPTS"},"currency":"USD","stacking":"STACKABLE","funding":"ISSUER",
                        "startsAt":"2026-01-01T00:00:00Z","returnPeriodDays":0}]}""";

    private Node node;

    @BeforeEach
    void setUp(Node node) throws Exception {
        this.node = node;
        new RewardStream(node).close(); // its catalog (the merchant blue-bottle) first
        if (node.processor().catalog().offer("double-shot").isEmpty()) {
            Path f = node.dataDir().resolve("page-offers.json");
            Files.writeString(f, OFFERS);
            node.processor().catalog().importFile(f);
        }
    }

    private static WebDriver browser(Path profile) {
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1000,3000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver d = new ChromeDriver(service, o);
        d.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return d;
    }

    /** Waits for the page the browser is navigating to (a submit returns before the next page is in). */
    private static void waitFor(WebDriver b, String what, java.util.function.Predicate<WebDriver> ready) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!ready.test(b)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the browser never showed " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // polls the browser's state
        }
    }

    /** A card of the issuer of {@code key} with purchases that earned, one below the offer's minimum, and its page link. */
    private String cardPage(String key, String accountRef) throws Exception {
        try (RewardStream stream = new RewardStream(node)) {
            String pan = RewardStream.newPan();
            String card = stream.enroll(key, pan, accountRef, "YILMAZ");
            Api api = new Api(node.processor().httpPort());
            assertThat(api.post("/cards/" + card + "/offers/double-shot/activation", key, "").status()).isEqualTo(201);
            stream.purchase(pan, 4250);
            stream.purchase(pan, 650);
            stream.match(); // matched while activated: the first earns, the second is below the minimum
            assertThat(api.delete("/cards/" + card + "/offers/double-shot/activation", key).status()).isEqualTo(204);
            stream.purchase(pan, 1875);
            stream.matchAndMakeAvailable();
            Api.Response link = api.post("/cards/" + card + "/page-link", key, "");
            assertThat(link.status()).as(link.body()).isEqualTo(201);
            assertThat(link.body()).doesNotContain(pan);
            return link.json().get("url").asText();
        }
    }

    private static Path docs() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        return (dir.getFileName().toString().equals("processor") ? dir.getParent() : dir).resolve("docs");
    }

    private void showsAndActivates(String url, String lang, String title, String activate, String activatedFlash,
                                   String belowMinimum, String screenshot) throws Exception {
        WebDriver b = browser(Files.createTempDirectory(node.dataDir(), "chromium"));
        try {
            b.get(url);
            assertThat(b.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo(lang);
            assertThat(b.findElement(By.tagName("h1")).getText()).isEqualTo(title);
            assertThat(b.findElements(By.tagName("h2"))).hasSizeGreaterThanOrEqualTo(5);
            List<String> why = b.findElements(By.cssSelector("#purchases ul.why li")).stream()
                    .map(e -> e.getAttribute("data-why") + " " + e.getText()).toList();
            assertThat(why).anyMatch(w -> w.startsWith("DECLINED:BELOW_MIN_SPEND") && w.contains(belowMinimum));
            assertThat(why).anyMatch(w -> w.startsWith("DECLINED:ACTIVATION_REQUIRED"));
            assertThat(why).anyMatch(w -> w.startsWith("EARNED"));
            assertThat(b.findElement(By.id("summary")).getText()).contains("PAGEPTS");

            WebElement offer = b.findElement(By.cssSelector("article[data-offer='double-shot']"));
            assertThat(offer.findElement(By.cssSelector(".activation")).getAttribute("data-state")).isEqualTo("NOT_ACTIVATED");
            WebElement button = offer.findElement(By.tagName("button"));
            assertThat(button.getText()).isEqualTo(activate);
            assertThat(button.getAttribute("aria-label")).contains("Blue Bottle");
            button.sendKeys(Keys.ENTER); // the form works from the keyboard
            waitFor(b, "the activation's flash", d -> !d.findElements(By.id("flash")).isEmpty());
            assertThat(b.findElement(By.id("flash")).getText()).isEqualTo(activatedFlash);
            assertThat(b.findElement(By.cssSelector("article[data-offer='double-shot'] .activation")).getAttribute("data-state"))
                    .isEqualTo("ACTIVE");
            assertThat(b.getCurrentUrl()).doesNotContain("csrf");
            assertThat(b.getPageSource()).doesNotContain("<script");

            ((org.openqa.selenium.JavascriptExecutor) b).executeScript("window.scrollTo(0, 0)"); // from the top, not #offers
            Files.createDirectories(docs());
            Files.write(docs().resolve(screenshot), ((TakesScreenshot) b).getScreenshotAs(OutputType.BYTES));
        } finally {
            b.quit();
        }
    }

    @Test
    void anEnglishCardholderSeesWhyAndActivatesAnOfferFromTheKeyboard() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Debian's chromium and chromium-driver are not installed (./accrue test installs them when it may)");
        showsAndActivates(cardPage(KEY_ISSUER_A, "ACC-PAGE-EN"), "en", "Your rewards", "Activate",
                "The offer is activated.", "below the minimum purchase", "cardholder-page-en.png");
    }

    @Test
    void aTurkishIssuersCardholderSeesThePageInTurkish() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Debian's chromium and chromium-driver are not installed (./accrue test installs them when it may)");
        showsAndActivates(cardPage(KEY_ISSUER_B, "ACC-PAGE-TR"), "tr", "Ödülleriniz", "Etkinleştir",
                "Kampanya etkinleştirildi.", "en az alışveriş tutarının altında", "cardholder-page-tr.png");
    }
}
