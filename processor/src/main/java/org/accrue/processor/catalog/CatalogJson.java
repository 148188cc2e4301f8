/*
 * The JSON (and YAML) form of merchants and offers, as the admin API and
 * `accrue offers import` take them: field names of offers-and-rewards.md,
 * amounts as {"minor", "currency"}, rates in basis points, times ISO 8601.
 * Reading validates every field and names the first bad one; writing gives
 * back the same document, so what is stored is what was accepted.
 */
package org.accrue.processor.catalog;

import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.rewards.money.Money;
import org.accrue.rewards.offers.Merchant;
import org.accrue.rewards.offers.Offer;
import org.accrue.rewards.offers.RewardRule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

public final class CatalogJson {
    private static final Set<String> OFFER_FIELDS = Set.of("id", "merchantId", "mccs", "reward", "currency", "minSpend",
            "maxRewardPerTransaction", "maxRewardPerCard", "maxRedemptionsPerCard", "period", "budget", "startsAt",
            "endsAt", "daysOfWeek", "timeWindows", "excludedDates", "channel", "activationRequired",
            "activationValidDays", "audience", "lookBackDays", "returnPeriodDays", "funding", "partnerId", "commissionBps",
            "stacking", "tierMultipliers", "rounding", "status", TargetingJson.FIELD);
    private static final Set<String> MERCHANT_FIELDS = Set.of("merchantId", "name", "mids", "descriptors", "mccs");
    private static final String ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

    private final ObjectMapper json;

    public CatalogJson(ObjectMapper json) {
        this.json = json;
    }

    public Merchant merchant(JsonNode n, String at) {
        object(n, at);
        unknown(n, MERCHANT_FIELDS, at);
        String id = id(n, "merchantId", at);
        String name = text(n, "name", at, true, 200);
        List<Merchant.Mid> mids = new ArrayList<>();
        for (JsonNode m : array(n, "mids", at)) {
            String acquirer = text(m, "acquirerId", at + ".mids[]", true, 11);
            String mid = text(m, "mid", at + ".mids[]", true, 15);
            if (!acquirer.matches("[0-9]{1,11}")) {
                throw CatalogException.invalid(at + ".mids[].acquirerId", "must be 1-11 digits (DE32)");
            }
            mids.add(new Merchant.Mid(acquirer, mid));
        }
        List<String> descriptors = new ArrayList<>();
        for (JsonNode d : array(n, "descriptors", at)) {
            if (!d.isTextual() || d.asText().isBlank() || d.asText().length() > 25) {
                throw CatalogException.invalid(at + ".descriptors[]", "must be 1-25 characters (DE43 name)");
            }
            descriptors.add(d.asText());
        }
        Set<String> mccs = mccs(n, at);
        if (mids.isEmpty() && descriptors.isEmpty()) {
            throw CatalogException.invalid(at, "needs at least one MID or descriptor");
        }
        return new Merchant(id, name, mids, descriptors, mccs);
    }

    public JsonNode toJson(Merchant m) {
        ObjectNode o = json.createObjectNode();
        o.put("merchantId", m.merchantId());
        o.put("name", m.name());
        ArrayNode mids = o.putArray("mids");
        m.mids().forEach(x -> mids.addObject().put("acquirerId", x.acquirerId()).put("mid", x.mid()));
        ArrayNode d = o.putArray("descriptors");
        m.descriptors().forEach(d::add);
        ArrayNode c = o.putArray("mccs");
        m.mccs().stream().sorted().forEach(c::add);
        return o;
    }

    public Offer offer(JsonNode n, String at) {
        object(n, at);
        unknown(n, OFFER_FIELDS, at);
        String id = id(n, "id", at);
        String merchantId = n.hasNonNull("merchantId") ? id(n, "merchantId", at) : null;
        Set<String> mccs = mccs(n, at);
        String currency = text(n, "currency", at, true, 3);
        try {
            Money.exponent(currency);
        } catch (IllegalArgumentException e) {
            throw CatalogException.invalid(at + ".currency", "must be an ISO 4217 code with a minor unit");
        }
        RewardRule reward = reward(n.get("reward"), at + ".reward", currency);
        Long maxPerCard = amount(n, "maxRewardPerCard", at, currency);
        Integer maxRedemptions = n.hasNonNull("maxRedemptionsPerCard") ? integer(n, "maxRedemptionsPerCard", at, 1, 1_000_000) : null;
        Offer.CardLimit limit = maxPerCard == null && maxRedemptions == null ? null
                : new Offer.CardLimit(maxPerCard, maxRedemptions, choice(n, "period", at, Offer.Period.OFFER));
        try {
            return new Offer(id, merchantId, mccs, reward, currency,
                    orZero(amount(n, "minSpend", at, currency)), amount(n, "maxRewardPerTransaction", at, currency),
                    limit, amount(n, "budget", at, currency), instant(n, "startsAt", at, true),
                    instant(n, "endsAt", at, false), days(n, at), windows(n, at), dates(n, at),
                    choice(n, "channel", at, Offer.Channel.ANY), bool(n, "activationRequired", at),
                    n.hasNonNull("activationValidDays") ? integer(n, "activationValidDays", at, 1, 3650) : 0,
                    choice(n, "audience", at, Offer.Audience.ALL),
                    n.hasNonNull("lookBackDays") ? integer(n, "lookBackDays", at, 1, 3650) : 0,
                    n.hasNonNull("returnPeriodDays") ? integer(n, "returnPeriodDays", at, 0, 365) : 30,
                    choice(n, "funding", at, Offer.Funding.MERCHANT),
                    n.hasNonNull("partnerId") ? id(n, "partnerId", at) : null,
                    n.hasNonNull("commissionBps") ? integer(n, "commissionBps", at, 0, 10_000) : 0,
                    choice(n, "stacking", at, Offer.Stacking.EXCLUSIVE), tiers(n, at),
                    choice(n, "rounding", at, RoundingMode.DOWN), choice(n, "status", at, Offer.Status.ACTIVE),
                    TargetingJson.read(n, at));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw CatalogException.invalid(at, e.getMessage());
        }
    }

    public JsonNode toJson(Offer o) {
        ObjectNode n = json.createObjectNode();
        n.put("id", o.id());
        if (o.merchantId() != null) {
            n.put("merchantId", o.merchantId());
        }
        if (!o.mccs().isEmpty()) {
            ArrayNode a = n.putArray("mccs");
            o.mccs().stream().sorted().forEach(a::add);
        }
        ObjectNode r = n.putObject("reward");
        switch (o.reward()) {
            case RewardRule.Percent p -> r.put("type", "PERCENT").put("rateBps", p.basisPoints());
            case RewardRule.Fixed f -> { r.put("type", "FIXED"); money(r, "amount", f.amountMinor(), o.currency()); }
            case RewardRule.MilesPerUnit m -> r.put("type", "MILES_PER_UNIT").put("milesPerUnit", m.milesPerUnit()).put("program", m.program());
            case RewardRule.PointsPerUnit p -> r.put("type", "POINTS_PER_UNIT").put("pointsPerUnit", p.pointsPerUnit()).put("program", p.program());
            case RewardRule.PunchCard p -> {
                r.put("type", "PUNCH_CARD").put("every", p.every());
                money(r, "amount", p.amountMinor(), o.currency());
                if (p.maxCompletions() > 0) {
                    r.put("maxCompletions", p.maxCompletions());
                }
            }
            case RewardRule.Welcome wl -> {
                r.put("type", "WELCOME");
                money(r, "amount", wl.amountMinor(), o.currency());
                if (wl.withinDays() > 0) {
                    r.put("withinDays", wl.withinDays());
                }
            }
            case RewardRule.SpendThreshold t -> {
                r.put("type", "SPEND_THRESHOLD");
                money(r, "threshold", t.thresholdMinor(), o.currency());
                money(r, "amount", t.amountMinor(), o.currency());
                r.put("period", t.period().name());
            }
        }
        n.put("currency", o.currency());
        if (o.minSpendMinor() > 0) {
            money(n, "minSpend", o.minSpendMinor(), o.currency());
        }
        if (o.maxRewardPerTransactionMinor() != null) {
            money(n, "maxRewardPerTransaction", o.maxRewardPerTransactionMinor(), o.currency());
        }
        if (o.cardLimit() != null) {
            if (o.cardLimit().maxRewardMinor() != null) {
                money(n, "maxRewardPerCard", o.cardLimit().maxRewardMinor(), o.currency());
            }
            if (o.cardLimit().maxRedemptions() != null) {
                n.put("maxRedemptionsPerCard", o.cardLimit().maxRedemptions());
            }
            n.put("period", o.cardLimit().period().name());
        }
        if (o.budgetMinor() != null) {
            money(n, "budget", o.budgetMinor(), o.currency());
        }
        n.put("startsAt", o.startsAt().toString());
        if (o.endsAt() != null) {
            n.put("endsAt", o.endsAt().toString());
        }
        if (!o.daysOfWeek().isEmpty()) {
            ArrayNode a = n.putArray("daysOfWeek");
            o.daysOfWeek().stream().sorted().forEach(d -> a.add(d.name()));
        }
        if (!o.timeWindows().isEmpty()) {
            ArrayNode a = n.putArray("timeWindows");
            o.timeWindows().forEach(w -> a.addObject().put("from", w.from().toString()).put("to", w.to().toString()));
        }
        if (!o.excludedDates().isEmpty()) {
            ArrayNode a = n.putArray("excludedDates");
            o.excludedDates().stream().sorted().forEach(d -> a.add(d.toString()));
        }
        n.put("channel", o.channel().name());
        n.put("activationRequired", o.activationRequired());
        if (o.activationRequired()) {
            n.put("activationValidDays", o.activationValidDays());
        }
        n.put("audience", o.audience().name());
        if (o.lookBackDays() > 0) {
            n.put("lookBackDays", o.lookBackDays());
        }
        n.put("returnPeriodDays", o.returnPeriodDays());
        n.put("funding", o.funding().name());
        if (o.partnerId() != null) {
            n.put("partnerId", o.partnerId());
        }
        n.put("commissionBps", o.commissionBasisPoints());
        n.put("stacking", o.stacking().name());
        if (!o.tierMultipliersBasisPoints().isEmpty()) {
            ObjectNode t = n.putObject("tierMultipliers");
            o.tierMultipliersBasisPoints().forEach(t::put);
        }
        n.put("rounding", o.rounding().name());
        n.put("status", o.status().name());
        TargetingJson.write(n, o.targeting());
        return n;
    }

    // ---- field readers: each names the field it refuses -------------------------------------------------------

    private RewardRule reward(JsonNode r, String at, String currency) {
        object(r, at);
        String type = text(r, "type", at, true, 20);
        try {
            return switch (type) {
                case "PERCENT" -> new RewardRule.Percent(integer(r, "rateBps", at, 1, 10_000));
                case "FIXED" -> new RewardRule.Fixed(required(amount(r, "amount", at, currency), at + ".amount"));
                case "MILES_PER_UNIT" -> new RewardRule.MilesPerUnit(integer(r, "milesPerUnit", at, 1, 1000), text(r, "program", at, true, 16));
                case "POINTS_PER_UNIT" -> new RewardRule.PointsPerUnit(integer(r, "pointsPerUnit", at, 1, 1000), text(r, "program", at, true, 16));
                case "PUNCH_CARD" -> new RewardRule.PunchCard(integer(r, "every", at, 2, 1000), required(amount(r, "amount", at, currency), at + ".amount"),
                        r.has("maxCompletions") ? integer(r, "maxCompletions", at, 1, 1000) : 0);
                case "WELCOME" -> new RewardRule.Welcome(required(amount(r, "amount", at, currency), at + ".amount"),
                        r.has("withinDays") ? integer(r, "withinDays", at, 1, 3650) : 0);
                case "SPEND_THRESHOLD" -> new RewardRule.SpendThreshold(required(amount(r, "threshold", at, currency), at + ".threshold"),
                        required(amount(r, "amount", at, currency), at + ".amount"), requiredChoice(r, "period", at, Offer.Period.MONTH));
                default -> throw CatalogException.invalid(at + ".type",
                        "must be PERCENT, FIXED, MILES_PER_UNIT, POINTS_PER_UNIT, PUNCH_CARD, WELCOME or SPEND_THRESHOLD");
            };
        } catch (IllegalArgumentException e) {
            throw CatalogException.invalid(at, e.getMessage());
        }
    }

    private static long required(Long v, String at) {
        if (v == null) {
            throw CatalogException.invalid(at, "is required");
        }
        return v;
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }

    private void money(ObjectNode n, String field, long minor, String currency) {
        n.putObject(field).put("minor", minor).put("currency", currency);
    }

    /** {"minor": 1250, "currency": "USD"} in the offer's currency, or null when absent. */
    private static Long amount(JsonNode n, String field, String at, String currency) {
        JsonNode a = n.get(field);
        if (a == null || a.isNull()) {
            return null;
        }
        if (!a.isObject() || !a.path("minor").canConvertToLong() || !a.path("minor").isIntegralNumber()) {
            throw CatalogException.invalid(at + "." + field, "must be {\"minor\": <integer>, \"currency\": \"" + currency + "\"}");
        }
        if (!currency.equals(a.path("currency").asText())) {
            throw CatalogException.invalid(at + "." + field + ".currency", "must be the offer's currency " + currency);
        }
        long v = a.get("minor").asLong();
        if (v <= 0) {
            throw CatalogException.invalid(at + "." + field + ".minor", "must be positive");
        }
        return v;
    }

    private static void object(JsonNode n, String at) {
        if (n == null || !n.isObject()) {
            throw CatalogException.invalid(at, "must be a JSON object");
        }
    }

    private static void unknown(JsonNode n, Set<String> known, String at) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new CatalogException("UNKNOWN_FIELD", 422, at + "." + f + " is not a known field");
            }
        }
    }

    private static String id(JsonNode n, String field, String at) {
        String v = text(n, field, at, true, 64);
        if (!v.matches(ID_PATTERN)) {
            throw CatalogException.invalid(at + "." + field, "must be 1-64 of letters, digits, '.', '_' or '-'");
        }
        return v;
    }

    private static String text(JsonNode n, String field, String at, boolean required, int max) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw CatalogException.invalid(at + "." + field, "is required");
            }
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > max) {
            throw CatalogException.invalid(at + "." + field, "must be a string of 1-" + max + " characters");
        }
        return v.asText();
    }

    private static int integer(JsonNode n, String field, String at, int min, int max) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
            throw CatalogException.invalid(at + "." + field, "must be a whole number " + min + ".." + max);
        }
        return v.asInt();
    }

    private static boolean bool(JsonNode n, String field, String at) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw CatalogException.invalid(at + "." + field, "must be true or false");
        }
        return v.asBoolean();
    }

    /** As choice(), but the field must be there ({@code any} only names the enum). */
    private static <E extends Enum<E>> E requiredChoice(JsonNode n, String field, String at, E any) {
        if (n.get(field) == null || n.get(field).isNull()) {
            throw CatalogException.invalid(at + "." + field, "is required: one of "
                    + java.util.Arrays.toString(any.getDeclaringClass().getEnumConstants()));
        }
        return choice(n, field, at, any);
    }

    private static <E extends Enum<E>> E choice(JsonNode n, String field, String at, E def) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return def;
        }
        try {
            return Enum.valueOf(def.getDeclaringClass(), v.asText());
        } catch (IllegalArgumentException e) {
            throw CatalogException.invalid(at + "." + field, "must be one of " + java.util.Arrays.toString(def.getDeclaringClass().getEnumConstants()));
        }
    }

    private static Instant instant(JsonNode n, String field, String at, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw CatalogException.invalid(at + "." + field, "is required");
            }
            return null;
        }
        try {
            return Instant.parse(v.asText());
        } catch (DateTimeParseException e) {
            throw CatalogException.invalid(at + "." + field, "must be an ISO 8601 UTC time such as 2026-11-22T00:00:00Z");
        }
    }

    static List<JsonNode> array(JsonNode n, String field, String at) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw CatalogException.invalid(at + "." + field, "must be an array");
        }
        List<JsonNode> out = new ArrayList<>();
        v.forEach(out::add);
        return out;
    }

    private static Set<String> mccs(JsonNode n, String at) {
        Set<String> out = new HashSet<>();
        for (JsonNode m : array(n, "mccs", at)) {
            String v = m.asText();
            if (v.matches("[0-9]{4}")) {
                out.add(v);
            } else if (v.matches("[0-9]{4}-[0-9]{4}")) { // a range, e.g. 3000-3350 for airlines
                int from = Integer.parseInt(v.substring(0, 4));
                int to = Integer.parseInt(v.substring(5));
                if (to < from || to - from > 2000) {
                    throw CatalogException.invalid(at + ".mccs", "range " + v + " is empty or too wide");
                }
                for (int i = from; i <= to; i++) {
                    out.add(String.format("%04d", i));
                }
            } else {
                throw CatalogException.invalid(at + ".mccs", "entries are 4-digit MCCs or ranges like 3000-3350");
            }
        }
        return out;
    }

    private static Set<DayOfWeek> days(JsonNode n, String at) {
        Set<DayOfWeek> out = new HashSet<>();
        for (JsonNode d : array(n, "daysOfWeek", at)) {
            try {
                out.add(DayOfWeek.valueOf(d.asText()));
            } catch (IllegalArgumentException e) {
                throw CatalogException.invalid(at + ".daysOfWeek", "entries are MONDAY..SUNDAY");
            }
        }
        return out;
    }

    private static List<Offer.TimeWindow> windows(JsonNode n, String at) {
        List<Offer.TimeWindow> out = new ArrayList<>();
        for (JsonNode w : array(n, "timeWindows", at)) {
            try {
                out.add(new Offer.TimeWindow(LocalTime.parse(w.path("from").asText()), LocalTime.parse(w.path("to").asText())));
            } catch (DateTimeParseException e) {
                throw CatalogException.invalid(at + ".timeWindows", "entries are {\"from\": \"07:00\", \"to\": \"10:00\"}");
            }
        }
        return out;
    }

    private static Set<LocalDate> dates(JsonNode n, String at) {
        Set<LocalDate> out = new HashSet<>();
        for (JsonNode d : array(n, "excludedDates", at)) {
            try {
                out.add(LocalDate.parse(d.asText()));
            } catch (DateTimeParseException e) {
                throw CatalogException.invalid(at + ".excludedDates", "entries are dates such as 2026-12-25");
            }
        }
        return out;
    }

    private static Map<String, Integer> tiers(JsonNode n, String at) {
        Map<String, Integer> out = new HashMap<>();
        JsonNode t = n.get("tierMultipliers");
        if (t == null || t.isNull()) {
            return out;
        }
        object(t, at + ".tierMultipliers");
        for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isIntegralNumber() || e.getValue().asInt() < 1 || e.getValue().asInt() > 100_000) {
                throw CatalogException.invalid(at + ".tierMultipliers." + e.getKey(), "must be basis points 1..100000");
            }
            out.put(e.getKey(), e.getValue().asInt());
        }
        return out;
    }
}
