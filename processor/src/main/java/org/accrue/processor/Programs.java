/*
 * The loyalty programs of issue 17 that this node runs beside the back
 * office: partners and their settlement invoices, win-back campaigns and
 * their job, and offer performance. Built once by Operations; the API and
 * the console read them through here.
 */
package org.accrue.processor;

import java.time.InstantSource;

import javax.sql.DataSource;

import org.accrue.processor.catalog.Catalog;
import org.accrue.processor.invoicing.PartnerInvoicing;
import org.accrue.processor.partners.Partners;
import org.accrue.processor.performance.OfferPerformance;
import org.accrue.processor.winback.WinBackCampaigns;
import org.accrue.processor.winback.WinBackJob;

public record Programs(Catalog catalog, Partners partners, PartnerInvoicing partnerInvoicing, WinBackCampaigns winBack,
                       WinBackJob winBackJob, OfferPerformance performance) {

    static Programs build(DataSource ds, InstantSource clock, Catalog catalog, java.nio.file.Path dataDir) {
        WinBackCampaigns campaigns = new WinBackCampaigns(ds, clock);
        return new Programs(catalog, new Partners(ds, clock), new PartnerInvoicing(ds, clock, dataDir), campaigns,
                new WinBackJob(ds, clock, catalog, campaigns), new OfferPerformance(ds, clock));
    }
}
