/*
 * The `tiers` job: each enrolled card's tier from its trailing 12 months of
 * cleared spend in the tier currency (offers-and-rewards.md, "Money owed"),
 * stored on the card for statements and ops. The matcher applies the same
 * rule live at match time (spend before the purchase), so a purchase never
 * waits for this job; the job is the program's periodic, visible record.
 */
package org.accrue.processor.points;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;

import javax.sql.DataSource;

import org.accrue.processor.jobs.ScheduledJob;
import org.accrue.processor.store.Sql;

public final class Tiers implements ScheduledJob {
    private final DataSource ds;
    private final InstantSource clock;
    private final String tierCurrency;
    private final Map<String, Long> thresholds;

    public Tiers(DataSource ds, InstantSource clock, String tierCurrency, Map<String, Long> thresholds) {
        this.ds = ds;
        this.clock = clock;
        this.tierCurrency = tierCurrency;
        this.thresholds = thresholds;
    }

    @Override
    public String run(RunContext run) {
        Map<String, Integer> counts = recompute();
        return "tiers recomputed: " + (counts.isEmpty() ? "no cards" : String.join(", ", counts.entrySet().stream()
                .map(t -> t.getValue() + " " + t.getKey()).toList()));
    }

    /** Recomputes every active card's tier; returns how many cards are in each tier ("-" for none). */
    public Map<String, Integer> recompute() {
        Instant now = clock.instant();
        return Sql.inTransaction(ds, c -> {
            Map<Long, Long> spend = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("select card_id, coalesce(sum(case when processing_code like '20%' "
                    + "then -amount_minor else amount_minor end), 0) from card_message where currency = ? and received_at >= ? "
                    + "and (mti like '020%' or mti like '022%') and (processing_code like '00%' or processing_code like '09%' "
                    + "or processing_code like '20%') group by card_id")) {
                ps.setString(1, tierCurrency);
                ps.setTimestamp(2, Sql.ts(now.minus(Duration.ofDays(365))));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        spend.put(rs.getLong(1), rs.getLong(2));
                    }
                }
            }
            Map<String, Integer> counts = new java.util.TreeMap<>();
            try (PreparedStatement cards = c.prepareStatement("select id from card where status = 'ENROLLED'");
                 PreparedStatement up = c.prepareStatement("update card set tier = ?, tier_computed_at = ? where id = ?");
                 ResultSet rs = cards.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    String tier = tierOf(spend.getOrDefault(id, 0L));
                    counts.merge(tier == null ? "-" : tier, 1, Integer::sum);
                    up.setString(1, tier);
                    up.setTimestamp(2, Sql.ts(now));
                    up.setLong(3, id);
                    up.addBatch();
                }
                up.executeBatch();
            }
            return counts;
        });
    }

    /** The highest tier whose threshold the spend reaches, or null. */
    String tierOf(long spend) {
        String tier = null;
        long best = -1;
        for (Map.Entry<String, Long> t : thresholds.entrySet()) {
            if (spend >= t.getValue() && t.getValue() > best) {
                best = t.getValue();
                tier = t.getKey();
            }
        }
        return tier;
    }
}
