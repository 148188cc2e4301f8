/*
 * The demo's offer catalog, built for the simulator's merchants so that the
 * stream shows each kind of outcome: percent with a cap, minimum spend,
 * airline miles, an online-only offer whose budget runs out, a foreign
 * currency offer, stackable category points, an offer that needs activation,
 * and a merchant registered with a typo and another MID (a MID suggestion).
 */
package org.accrue.processor.cli;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.accrue.processor.Processor;

final class DemoCatalog {
    private DemoCatalog() {
    }

    static final List<String> MERCHANTS = List.of(
            merchant("blue-bottle", "Blue Bottle Coffee", "12345678901", "BBC000000000001", "BLUE BOTTLE*", "5814"),
            merchant("greenleaf", "Greenleaf Grocery", "12345678901", "GLG000000000002", "GREENLEAF*", "5411"),
            merchant("skyways", "Skyways Airlines", "22233344455", "SKY000000000003", "SKYWAYS*", "3001"),
            merchant("pageplus", "PagePlus Books", "22233344455", "PPB000000000004", "PAGEPLUS*", "5942"),
            merchant("trattoria-roma", "Trattoria Roma", "12345678901", "TRR000000000099", "TRATORIA ROMA*", "5812"),
            merchant("cafe-de-flore", "Cafe de Flore", "33344455566", "CDF000000000006", "CAFE DE FLORE*", "5814"));

    private static final String START = "\"startsAt\":\"2026-01-01T00:00:00Z\"";

    static final List<String> OFFERS = List.of(
            "{\"id\":\"blue-bottle-10pct\",\"merchantId\":\"blue-bottle\",\"reward\":{\"type\":\"PERCENT\",\"rateBps\":1000},"
                    + "\"currency\":\"USD\",\"maxRewardPerTransaction\":{\"minor\":75,\"currency\":\"USD\"},\"returnPeriodDays\":7,"
                    + "\"commissionBps\":300," + START + "}",
            "{\"id\":\"greenleaf-5pct-over-80\",\"merchantId\":\"greenleaf\",\"reward\":{\"type\":\"PERCENT\",\"rateBps\":500},"
                    + "\"currency\":\"USD\",\"minSpend\":{\"minor\":8000,\"currency\":\"USD\"}," + START + "}",
            "{\"id\":\"skyways-2-miles\",\"merchantId\":\"skyways\",\"reward\":{\"type\":\"MILES_PER_UNIT\",\"milesPerUnit\":2,"
                    + "\"program\":\"SKY\"},\"currency\":\"USD\",\"funding\":\"PARTNER\",\"partnerId\":\"skyways-air\"," + START + "}",
            "{\"id\":\"pageplus-online-15pct\",\"merchantId\":\"pageplus\",\"reward\":{\"type\":\"PERCENT\",\"rateBps\":1500},"
                    + "\"currency\":\"USD\",\"channel\":\"ONLINE\",\"budget\":{\"minor\":2500,\"currency\":\"USD\"}," + START + "}",
            "{\"id\":\"cafe-de-flore-eur\",\"merchantId\":\"cafe-de-flore\",\"reward\":{\"type\":\"PERCENT\",\"rateBps\":1000},"
                    + "\"currency\":\"EUR\"," + START + "}",
            "{\"id\":\"blue-bottle-activate\",\"merchantId\":\"blue-bottle\",\"reward\":{\"type\":\"FIXED\",\"amount\":{\"minor\":500,"
                    + "\"currency\":\"USD\"}},\"currency\":\"USD\",\"activationRequired\":true,\"activationValidDays\":30,"
                    + "\"stacking\":\"STACKABLE\"," + START + "}",
            "{\"id\":\"dining-points\",\"mccs\":[\"5812\",\"5814\"],\"reward\":{\"type\":\"POINTS_PER_UNIT\",\"pointsPerUnit\":1,"
                    + "\"program\":\"BANKPTS\"},\"currency\":\"USD\",\"channel\":\"IN_STORE\",\"stacking\":\"STACKABLE\","
                    + "\"funding\":\"ISSUER\"," + START + "}");

    private static String merchant(String id, String name, String acquirer, String mid, String descriptor, String mcc) {
        return "{\"merchantId\":\"" + id + "\",\"name\":\"" + name + "\",\"mids\":[{\"acquirerId\":\"" + acquirer
                + "\",\"mid\":\"" + mid + "\"}],\"descriptors\":[\"" + descriptor + "\"],\"mccs\":[\"" + mcc + "\"]}";
    }

    private static final Pattern DECLINED = Pattern.compile("([A-Za-z0-9._-]+): ([A-Z_]+);");

    /** A message's match_outcome: why offers declined it, and how many rewards it earned. */
    static void printRewards(Processor node, Consumer<String> out) {
        out.accept(String.format("  %-24s %8s %14s %10s", "offer", "rewards", "total", "reversed"));
        for (var t : node.rewardBook().totalsByOffer()) {
            String shown = switch (t.unit().kind()) {
                case CASH -> org.accrue.rewards.money.Money.of(t.amount(), t.unit().code()).toString();
                case MILES -> t.amount() + " miles";
                case POINTS -> t.amount() + " points";
            };
            out.accept(String.format("  %-24s %8d %14s %10d", t.offerId(), t.rewards(), shown, t.reversed()));
        }
        var details = node.rewardQueries().allOutcomes();
        Map<String, Integer> reasons = new TreeMap<>();
        long nothing = 0;
        for (var d : details) {
            Matcher m = DECLINED.matcher(d.detail());
            while (m.find()) {
                reasons.merge(m.group(2) + " (" + m.group(1) + ")", 1, Integer::sum);
            }
            if (d.earned() == 0) {
                nothing++;
            }
        }
        out.accept("  " + details.size() + " messages matched; " + nothing + " earned nothing new (clearings, repeats, "
                + "reversals and refunds adjust earlier rewards). Why offers declined:");
        reasons.forEach((k, n) -> out.accept(String.format("    %5d  %s", n, k)));
        for (var sug : node.operations().exceptions().list(null,
                org.accrue.processor.exceptions.Exceptions.Type.MID_SUGGESTION, null, null, 100)) {
            out.accept("  MID suggestion for ops: " + sug.detail());
        }
    }
}
