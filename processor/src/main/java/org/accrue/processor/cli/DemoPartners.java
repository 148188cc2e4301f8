/*
 * The demo's partner: Skyways funds its miles offer as a partner (an airline,
 * 2 % fee, billed in USD). Created before the catalog (the offer names it);
 * after the back office has sent the miles, its settlement invoice for the
 * month is made and printed.
 */
package org.accrue.processor.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.function.Consumer;

import org.accrue.processor.Processor;
import org.accrue.processor.invoicing.PartnerInvoicing;

final class DemoPartners {
    static final String PARTNER = "{\"partnerId\":\"skyways-air\",\"name\":\"Skyways Airlines\",\"kind\":\"AIRLINE\","
            + "\"billingCurrency\":\"USD\",\"feeBps\":200,\"contact\":\"partners@skyways.example\"}";

    private DemoPartners() {
    }

    static void create(HttpClient http, int port, String adminKey) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/partners"))
                .header("Authorization", "Bearer " + adminKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(PARTNER)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("demo partner answered " + r.statusCode() + ": " + r.body());
        }
    }

    static void invoice(Processor node, Consumer<String> out) throws Exception {
        YearMonth month = YearMonth.now(ZoneOffset.UTC);
        var made = node.operations().programs().partnerInvoicing().invoice(month);
        out.accept("Partner settlement (partner-invoicing for " + month + "; the scheduled run invoices the month before):");
        for (PartnerInvoicing.Invoice inv : made) {
            for (var l : inv.lines()) {
                out.accept(String.format("  %s owes %d %s %s sent + fee %d (%d bps) - clawbacks %d = %d (%s)", inv.partnerId(),
                        l.rewards(), l.unit(), l.unitKind().toLowerCase(), l.commission(), inv.feeBps(), l.clawbacks(),
                        l.total(), inv.invoiceId()));
            }
        }
        if (made.isEmpty()) {
            out.accept("  no partner-funded rewards were sent this month");
        }
    }
}
