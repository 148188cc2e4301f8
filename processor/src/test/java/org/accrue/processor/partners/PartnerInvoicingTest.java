package org.accrue.processor.partners;

import static org.accrue.processor.testing.TestConfig.KEY_ADMIN;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.time.InstantSource;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.invoicing.MerchantInvoicing;
import org.accrue.processor.invoicing.PartnerInvoicing;
import org.accrue.processor.matcher.RewardMatcher;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ConsolePages;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.Requests;
import org.accrue.processor.testing.RewardStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A partner funding offers at two merchants and a category offer: its rewards are funded by PARTNER:<id> in the ledger, and its settlement
 * invoice for the month holds the rewards sent, its fee on them and the clawback of a refund after posting; merchant
 * invoices leave them out.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings("accrue.rewards.matcher.enabled=false")
class PartnerInvoicingTest {
    private static final String MERCHANTS = """
            {"merchants":[
               {"merchantId":"fuel-north","name":"Fuel North","mids":[{"acquirerId":"12345678901","mid":"PTN000000000021"}],"mccs":["5541"]},
               {"merchantId":"fuel-south","name":"Fuel South","mids":[{"acquirerId":"12345678901","mid":"PTN000000000022"}],"mccs":["5541"]}]}""";

    private final Node node;
    private final Api api;
    private IssuerConnection issuer;
    private RewardMatcher matcher;

    PartnerInvoicingTest(Node node) {
        this.node = node;
        this.api = new Api(node.processor().httpPort());
    }

    @BeforeEach
    void setUp() throws Exception {
        if (node.processor().catalog().offer("fuel-north-5").isEmpty()) {
            var f = node.dataDir().resolve("partner-merchants.json");
            Files.writeString(f, MERCHANTS);
            node.processor().catalog().importFile(f);
            assertThat(api.post("/partners", KEY_ADMIN, "{\"partnerId\":\"fuelco\",\"name\":\"FuelCo\",\"kind\":\"FUEL\","
                    + "\"billingCurrency\":\"USD\",\"feeBps\":1000,\"contact\":\"billing@fuelco.example\"}").status()).isEqualTo(201);
            for (String merchant : List.of("fuel-north", "fuel-south")) {
                var r = api.post("/offers", KEY_ADMIN, "{\"id\":\"" + merchant + "-5\",\"merchantId\":\"" + merchant + "\","
                        + "\"reward\":{\"type\":\"PERCENT\",\"rateBps\":500},\"currency\":\"USD\",\"funding\":\"PARTNER\","
                        + "\"partnerId\":\"fuelco\",\"returnPeriodDays\":0,\"startsAt\":\"2026-01-01T00:00:00Z\"}");
                assertThat(r.status()).as(r.body()).isEqualTo(201);
            }
            var category = api.post("/offers", KEY_ADMIN, "{\"id\":\"fuel-anywhere-5\",\"mccs\":[\"5542\"],\"reward\":{\"type\":"
                    + "\"PERCENT\",\"rateBps\":500},\"currency\":\"USD\",\"funding\":\"PARTNER\",\"partnerId\":\"fuelco\","
                    + "\"returnPeriodDays\":0,\"startsAt\":\"2026-01-01T00:00:00Z\"}");
            assertThat(category.status()).as(category.body()).isEqualTo(201);
        }
        issuer = new IssuerConnection("127.0.0.1", node.processor().isoPort());
        matcher = new RewardMatcher(node.processor().store().sessionFactory(), node.processor().catalog(),
                InstantSource.system(), Duration.ofDays(10));
    }

    @AfterEach
    void tearDown() {
        issuer.close();
    }

    @Test
    void partnerFundedRewardsAreInvoicedToThePartnerWithItsFeeAndClawbacks() throws Exception {
        String pan = RewardStream.newPan();
        api.enroll(KEY_ISSUER_A, pan, "ACC-PARTNER");
        buy(pan, "PTN000000000021", 10_000, "PTNRRN000001");
        buy(pan, "PTN000000000022", 6_000, "PTNRRN000002");
        buy(pan, "ANYFUEL00000009", 4_000, "PTNRRN000003", "5542");
        node.processor().operations().posting().post();
        send(Requests.of("0200", pan, 6_000).with(3, "200000").with(37, "PTNRRN000002").with(42, "PTN000000000022"));
        drain();
        YearMonth month = YearMonth.now(ZoneOffset.UTC);

        List<PartnerInvoicing.Invoice> made = node.processor().operations().programs().partnerInvoicing().invoice(month);
        List<PartnerInvoicing.Invoice> rerun = node.processor().operations().programs().partnerInvoicing().invoice(month);
        List<MerchantInvoicing.Invoice> merchants = node.processor().operations().invoicing().invoice(month);

        assertThat(count("select count(*) from ledger_entry where account_owner = 'PARTNER:fuelco'")).as("the partner funds")
                .isPositive();
        assertThat(made).hasSize(1);
        assertThat(rerun).as("one invoice per partner and month").isEmpty();
        assertThat(merchants.stream().map(MerchantInvoicing.Invoice::merchantId)).doesNotContain("fuel-north", "fuel-south");
        PartnerInvoicing.Invoice inv = made.getFirst();
        assertThat(inv.partnerId()).isEqualTo("fuelco");
        assertThat(inv.lines()).hasSize(1);
        MerchantInvoicing.Line cash = inv.lines().getFirst();
        assertThat(cash.unit()).isEqualTo("USD");
        assertThat(cash.rewards()).as("5% of 100.00 and 60.00 at its two merchants, and of 40.00 at any fuel dispenser").isEqualTo(1000);
        assertThat(cash.commission()).as("the partner's 10% fee").isEqualTo(100);
        assertThat(cash.clawbacks()).as("the refunded purchase's reward, taken back after posting").isEqualTo(300);
        assertThat(cash.total()).isEqualTo(800);
        JsonNode listed = api.get("/partners/fuelco/invoices", KEY_OPS).json().get("invoices");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).at("/lines/0/fee").asLong()).isEqualTo(100);
        assertThat(listed.get(0).at("/lines/0/total").asLong()).isEqualTo(800);
        assertThat(api.get("/partner-invoices/" + inv.invoiceId(), KEY_OPS).body())
                .startsWith("H|PARTNER_INVOICE|" + inv.invoiceId() + "|fuelco|" + month.atDay(1) + "|")
                .contains("L|CASH|USD|1000|100|300|800");
        assertThat(Files.exists(node.dataDir().resolve("files/invoices/" + inv.fileName()))).isTrue();
        assertThat(ConsolePages.get(node.processor().httpPort(), KEY_OPS,
                "/console/programs")).contains("id='partner-fuelco'").contains(inv.invoiceId())
                .contains("8.00 USD").contains("10.00%");
    }

    @Test
    void aPartnerIsReadBackAndBadTermsOrUnknownPartnersAreRefused() {
        JsonNode p = api.get("/partners/fuelco", KEY_OPS).json();
        assertThat(p.get("kind").asText()).isEqualTo("FUEL");
        assertThat(p.get("feeBps").asInt()).isEqualTo(1000);
        assertThat(api.get("/partners", KEY_OPS).json().get("partners")).isNotEmpty();
        assertThat(api.get("/partners/nobody", KEY_OPS).status()).isEqualTo(404);

        var kind = api.post("/partners", KEY_ADMIN, "{\"partnerId\":\"x\",\"name\":\"X\",\"kind\":\"SHIP\",\"billingCurrency\":\"USD\"}");
        assertThat(kind.status()).isEqualTo(422);
        assertThat(kind.json().get("detail").asText()).contains("partner.kind");
        var fee = api.post("/partners", KEY_ADMIN, "{\"partnerId\":\"x\",\"name\":\"X\",\"billingCurrency\":\"USD\",\"feeBps\":20000}");
        assertThat(fee.status()).isEqualTo(422);
        assertThat(fee.json().get("detail").asText()).contains("feeBps");
        assertThat(api.post("/partners", KEY_OPS, "{\"partnerId\":\"x\",\"name\":\"X\",\"billingCurrency\":\"USD\"}").status())
                .isEqualTo(403);
        var unknown = api.post("/offers", KEY_ADMIN, "{\"id\":\"ghost\",\"merchantId\":\"fuel-north\",\"reward\":{\"type\":"
                + "\"PERCENT\",\"rateBps\":500},\"currency\":\"USD\",\"funding\":\"PARTNER\",\"partnerId\":\"nobody\","
                + "\"startsAt\":\"2026-01-01T00:00:00Z\"}");
        assertThat(unknown.status()).isEqualTo(422);
        assertThat(unknown.json().get("detail").asText()).contains("partnerId");
        var notPartnerFunded = api.post("/offers", KEY_ADMIN, "{\"id\":\"ghost\",\"merchantId\":\"fuel-north\",\"reward\":"
                + "{\"type\":\"PERCENT\",\"rateBps\":500},\"currency\":\"USD\",\"partnerId\":\"fuelco\","
                + "\"startsAt\":\"2026-01-01T00:00:00Z\"}");
        assertThat(notPartnerFunded.status()).isEqualTo(422);
        assertThat(api.get("/offers/fuel-north-5", KEY_OPS).json().get("partnerId").asText()).isEqualTo("fuelco");
    }

    private void buy(String pan, String mid, long amount, String rrn) {
        buy(pan, mid, amount, rrn, "5541");
    }

    private void buy(String pan, String mid, long amount, String rrn, String mcc) {
        send(Requests.of("0200", pan, amount).with(37, rrn).with(42, mid).with(18, mcc)
                .with(43, "FUEL STATION             OAKLAND      US"));
        drain();
    }

    private void send(WireMessage m) {
        assertThat(issuer.send(m).orTimeout(30, TimeUnit.SECONDS).join().get(39)).isEqualTo("00");
    }

    private void drain() {
        while (matcher.runOnce() > 0) {
            // one batch per call
        }
    }

    private long count(String sql) {
        return node.processor().store().sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(sql, Object.class)
                .getSingleResult()).longValue());
    }
}
