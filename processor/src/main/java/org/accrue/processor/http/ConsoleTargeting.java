/*
 * The console's view of targeting (issue 17): who and where each offer is for, in a line, and the segments with their
 * sizes, for the catalog page. Kept beside Console so that page grows by a column and a table only.
 */
package org.accrue.processor.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.accrue.processor.catalog.Segments;
import org.accrue.rewards.offers.Targeting;

final class ConsoleTargeting {
    private ConsoleTargeting() {
    }

    /** "issuers BANK_A; BINs 451700-451799; tiers GOLD; early GOLD from ...; segments ...; in DK, COPENHAGEN", or everyone. */
    static String describe(Targeting t) {
        if (t.isNone()) {
            return "<span class=muted>everyone</span>";
        }
        List<String> parts = new ArrayList<>();
        add(parts, "issuers", t.issuers());
        if (!t.binRanges().isEmpty()) {
            parts.add("BINs " + String.join(", ", t.binRanges().stream().map(r -> r.from() + "-" + r.to()).toList()));
        }
        add(parts, "tiers", t.tiers());
        if (t.earlyAccess() != null) {
            parts.add("early " + String.join(", ", new TreeSet<>(t.earlyAccess().tiers())) + " from " + t.earlyAccess().startsAt());
        }
        add(parts, "segments", t.segments());
        Set<String> where = new TreeSet<>(t.countries());
        where.addAll(new TreeSet<>(t.cities()));
        add(parts, "in", where);
        return Console.esc(String.join("; ", parts));
    }

    private static void add(List<String> parts, String label, Set<String> values) {
        if (!values.isEmpty()) {
            parts.add(label + " " + String.join(", ", new TreeSet<>(values)));
        }
    }

    /** The segments table: id, name, owner, size. */
    static String segments(Segments segments) {
        StringBuilder b = new StringBuilder("<h2>Segments</h2><table id=segments><thead><tr><th>id</th><th>name</th>"
                + "<th>owner</th><th class=num>cards</th></tr></thead><tbody>");
        List<Segments.Segment> all = segments.list(null);
        for (Segments.Segment s : all) {
            b.append("<tr id='segment-").append(Console.esc(s.id())).append("'><td>").append(Console.esc(s.id()))
                    .append("</td><td>").append(Console.esc(s.name())).append("</td><td>")
                    .append(Console.esc(s.ownerIssuerId() != null ? "issuer " + s.ownerIssuerId() : "merchant " + s.ownerMerchantId()))
                    .append("</td><td class=num>").append(s.size()).append("</td></tr>");
        }
        if (all.isEmpty()) {
            b.append("<tr><td colspan=4 class=muted>no segments</td></tr>");
        }
        return b.append("</tbody></table>").toString();
    }
}
