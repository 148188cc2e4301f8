/*
 * The `tiers` job: every enrolled card's tier recomputed from the store (the source of truth) under its issuer's
 * tier program, or the configuration's default program (accrue.rewards.tiers, trailing 12 months of cleared spend in
 * accrue.rewards.tier-currency) for an issuer without one; grace periods and downgrades applied; one tier.changed
 * event per change through the outbox, in the transaction that stores it. The matcher upgrades cards as purchases
 * clear (tiers.MatcherTiers); this job is what lets purchases age out and cards fall back. See tiers.TierPrograms.
 */
package org.accrue.processor.points;

import java.time.InstantSource;
import java.util.Map;

import javax.sql.DataSource;

import org.accrue.processor.jobs.ScheduledJob;
import org.accrue.processor.tiers.TierPrograms;

public final class Tiers implements ScheduledJob {
    private final TierPrograms programs;

    public Tiers(DataSource ds, InstantSource clock, String tierCurrency, Map<String, Long> thresholds) {
        this.programs = new TierPrograms(ds, clock, TierPrograms.fromConfig(tierCurrency, thresholds));
    }

    @Override
    public String run(RunContext run) {
        Map<String, Integer> counts = recompute();
        return "tiers recomputed: " + (counts.isEmpty() ? "no cards" : String.join(", ", counts.entrySet().stream()
                .map(t -> t.getValue() + " " + t.getKey()).toList()));
    }

    /** Recomputes every active card's tier; returns how many cards are in each tier ("-" for none). */
    public Map<String, Integer> recompute() {
        return programs.recomputeAll();
    }

    /** The tier programs: issuers' own, the default, and cards' tier states. */
    public TierPrograms programs() {
        return programs;
    }
}
