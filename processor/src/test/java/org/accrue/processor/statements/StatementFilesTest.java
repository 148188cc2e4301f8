package org.accrue.processor.statements;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_B;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;

import org.accrue.processor.invoicing.MerchantInvoicing;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.RewardStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * From posted credits to the issuer's file, the cardholder's statement and the merchant's invoice: the file
 * per issuer-files.md (header, details, trailer with count and sum), listed and downloaded over the API by
 * its issuer only; the month's statement lines and totals; the invoice with commission.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings("accrue.rewards.matcher.enabled=false")
class StatementFilesTest {
    private Node node;
    private RewardStream stream;
    private Api api;

    @BeforeEach
    void setUp(Node node) throws Exception {
        this.node = node;
        this.stream = new RewardStream(node);
        this.api = new Api(node.processor().httpPort());
        node.processor().operations().posting().post();
        node.processor().operations().files().writeAll();
    }

    @AfterEach
    void tearDown() {
        stream.close();
    }

    @Test
    void watchedPostingAndFilingTellHowFarTheyAreAndEndAtTheirTotals() {
        String pan = RewardStream.newPan();
        stream.enroll(KEY_ISSUER_A, pan, "ACC-FILE-PROGRESS", "NGUYEN");
        for (int i = 0; i < 5; i++) {
            stream.purchase(pan, 1000 + i);
        }
        stream.matchAndMakeAvailable();
        List<long[]> posting = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<long[]> filing = new java.util.ArrayList<>();

        var posted = node.processor().operations().posting().post((done, total) -> posting.add(new long[] {done, total}));
        var files = node.processor().operations().files().writeAll((done, total) -> filing.add(new long[] {done, total}));

        assertThat(posted.credits()).isEqualTo(5);
        assertThat(posting).isNotEmpty().allSatisfy(p -> assertThat(p[1]).as("rewards AVAILABLE at the start").isEqualTo(5));
        assertThat(posting.stream().mapToLong(p -> p[0]).max().orElseThrow()).isEqualTo(5);
        assertThat(files).hasSize(1);
        assertThat(filing).hasSize(5).allSatisfy(p -> assertThat(p[1]).as("credits counted to file").isEqualTo(5));
        assertThat(filing.getLast()[0]).isEqualTo(5);
    }

    @Test
    void postedCreditsGoIntoOneFilePerIssuerWithAHeaderDetailsAndAMatchingTrailer() throws Exception {
        String pan = RewardStream.newPan();
        String card = stream.enroll(KEY_ISSUER_A, pan, "ACC-FILE-1", "NGUYEN");
        stream.purchase(pan, 4000);
        stream.purchase(pan, 1999);
        stream.matchAndMakeAvailable();
        node.processor().operations().posting().post();

        List<StatementFiles.FileInfo> files = node.processor().operations().files().writeAll();
        List<StatementFiles.FileInfo> again = node.processor().operations().files().writeAll();

        assertThat(files).hasSize(1);
        assertThat(again).as("nothing READY is left: no second file").isEmpty();
        StatementFiles.FileInfo f = files.getFirst();
        assertThat(f.fileName()).matches("STMTCR_BANK_A_\\d{8}_\\d{3}\\.txt");
        List<String> lines = Files.readAllLines(f.path(), StandardCharsets.UTF_8);
        assertThat(lines.getFirst()).startsWith("H|STMTCR|BANK_A|" + f.fileId() + "|").endsWith("|1");
        assertThat(lines.getLast()).isEqualTo("T|2|599");
        assertThat(lines.subList(1, lines.size() - 1)).allSatisfy(l -> assertThat(l)
                .matches("D\\|C\\d+\\|ACC-FILE-1\\|\\d{4}\\|(400|199)\\|USD\\|CASHBACK BLUE BOTTLE\\|bb-10\\|\\d{4}-\\d{2}-\\d{2}"));
        assertThat(String.join("\n", lines)).doesNotContain(pan);
        assertThat(f.creditCount()).isEqualTo(2);
        assertThat(f.amountSum()).isEqualTo(599);
        assertThat(card).isNotBlank();
    }

    @Test
    void theIssuerListsAndDownloadsItsOwnFilesAndAnotherIssuerCannotSeeThem() throws Exception {
        String pan = RewardStream.newPan();
        stream.enroll(KEY_ISSUER_A, pan, "ACC-FILE-2", "NGUYEN");
        stream.purchase(pan, 1000);
        stream.matchAndMakeAvailable();
        node.processor().operations().posting().post();
        StatementFiles.FileInfo f = node.processor().operations().files().writeAll().getFirst();

        JsonNode list = api.get("/issuers/BANK_A/statement-files", KEY_ISSUER_A).json();
        Api.Response download = api.get("/statement-files/" + f.fileId(), KEY_ISSUER_A);

        assertThat(list.get("files").toString()).contains(f.fileId()).doesNotContain("path");
        assertThat(download.status()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(Files.readString(f.path()));
        assertThat(api.get("/statement-files/" + f.fileId(), KEY_ISSUER_B).status()).isEqualTo(404);
        assertThat(api.get("/issuers/BANK_A/statement-files", KEY_ISSUER_B).status()).isEqualTo(404);
        assertThat(api.get("/statement-files/" + f.fileId(), KEY_OPS).status()).isEqualTo(200);
    }

    @Test
    void theMonthsStatementShowsTheFiledCreditsWithTheirTextAndTheTotals() {
        String pan = RewardStream.newPan();
        String card = stream.enroll(KEY_ISSUER_A, pan, "ACC-STMT-1", "NGUYEN");
        stream.purchase(pan, 4000);
        stream.purchase(pan, 2500);
        stream.matchAndMakeAvailable();
        node.processor().operations().posting().post();
        node.processor().operations().files().writeAll();
        String month = YearMonth.now(ZoneOffset.UTC).toString();

        Api.Response r = api.get("/cards/" + card + "/statement?month=" + month, KEY_ISSUER_A);

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode s = r.json();
        assertThat(s.get("lines")).hasSize(2);
        assertThat(s.get("lines").get(0).get("statementText").asText()).isEqualTo("CASHBACK BLUE BOTTLE");
        assertThat(s.get("totals").get("cash").get(0).get("minor").asLong()).isEqualTo(650);
        assertThat(s.get("totals").get("cash").get(0).get("currency").asText()).isEqualTo("USD");
        assertThat(api.get("/cards/" + card + "/statement?month=" + YearMonth.now(ZoneOffset.UTC).minusMonths(1), KEY_ISSUER_A)
                .json().get("lines")).isEmpty();
        assertThat(api.get("/cards/" + card + "/statement?month=2026-13", KEY_ISSUER_A).status()).isEqualTo(400);
        assertThat(api.get("/cards/" + card + "/statement?month=" + month, KEY_ISSUER_B).status()).isEqualTo(404);
    }

    @Test
    void theMerchantIsInvoicedTheRewardsItFundedPlusCommissionOncePerMonth() throws Exception {
        String pan = RewardStream.newPan();
        stream.enroll(KEY_ISSUER_A, pan, "ACC-INV-1", "NGUYEN");
        stream.purchase(pan, 10_000);
        stream.matchAndMakeAvailable();
        node.processor().operations().posting().post();
        YearMonth month = YearMonth.now(ZoneOffset.UTC);
        long before = sentCashbackThisMonth();

        List<MerchantInvoicing.Invoice> made = node.processor().operations().invoicing().invoice(month);
        List<MerchantInvoicing.Invoice> rerun = node.processor().operations().invoicing().invoice(month);

        assertThat(made).hasSize(1);
        assertThat(rerun).as("one invoice per merchant and month").isEmpty();
        MerchantInvoicing.Line cash = made.getFirst().lines().stream().filter(l -> l.unitKind().equals("CASH")).findFirst()
                .orElseThrow();
        assertThat(cash.rewards()).isEqualTo(before);
        long commission = (before * 2000 + 5000) / 10_000; // 20%, rounded half up
        assertThat(cash.commission()).as("20% commission").isEqualTo(commission);
        assertThat(cash.total()).isEqualTo(before + commission - cash.clawbacks());
        String body = api.get("/invoices/" + made.getFirst().invoiceId(), KEY_OPS).body();
        assertThat(body).startsWith("H|INVOICE|" + made.getFirst().invoiceId() + "|blue-bottle|");
        assertThat(Files.exists(node.dataDir().resolve("files/invoices/" + made.getFirst().fileName()))).isTrue();
        var listed = api.get("/merchants/blue-bottle/invoices", KEY_OPS).json().get("invoices");
        assertThat(listed).hasSize(1);
        var invoice = listed.get(0);
        assertThat(invoice.get("invoiceId").asText()).isEqualTo(made.getFirst().invoiceId());
        assertThat(invoice.get("merchantId").asText()).isEqualTo("blue-bottle");
        assertThat(invoice.get("periodStart").asText()).isEqualTo(month.atDay(1).toString());
        assertThat(invoice.get("periodEnd").asText()).isEqualTo(made.getFirst().periodEnd().toString());
        assertThat(invoice.get("fileName").asText()).isEqualTo(made.getFirst().fileName());
        assertThat(java.time.Instant.parse(invoice.get("createdAt").asText())).isNotNull();
        var listedCash = invoice.get("lines").get(made.getFirst().lines().indexOf(cash));
        assertThat(listedCash.get("unitKind").asText()).isEqualTo("CASH");
        assertThat(listedCash.get("unit").asText()).isEqualTo(cash.unit());
        assertThat(listedCash.get("rewards").asLong()).isEqualTo(cash.rewards());
        assertThat(listedCash.get("commission").asLong()).isEqualTo(cash.commission());
        assertThat(listedCash.get("clawbacks").asLong()).isEqualTo(cash.clawbacks());
        assertThat(listedCash.get("total").asLong()).isEqualTo(cash.total());
    }

    private long sentCashbackThisMonth() {
        return node.processor().store().sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(
                "select coalesce(sum(amount), 0) from ledger_entry where txn_kind = 'SEND' and account_type = "
                        + "'CARDHOLDER_AVAILABLE' and unit_kind = 'CASH' and created_at >= date_format(utc_timestamp(), "
                        + "'%Y-%m-01')", Object.class).getSingleResult()).longValue());
    }
}
