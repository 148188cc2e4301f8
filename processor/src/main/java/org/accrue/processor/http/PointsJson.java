/*
 * The JSON of points programs and coalitions (README "Points programs", openapi.json): parsed field by field into
 * PointsProgram and Coalition, each bad field a 422 FIELD_INVALID naming it, an unknown field 400 UNKNOWN_FIELD;
 * and the answers' bodies. Money as {"minor", "currency"} like everywhere in the API.
 */
package org.accrue.processor.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.processor.coalition.Coalition;
import org.accrue.processor.points.ExpiryRule;
import org.accrue.processor.points.PointsProgram;
import org.accrue.rewards.money.Money;

import com.fasterxml.jackson.databind.JsonNode;

final class PointsJson {
    private PointsJson() {
    }

    private static final Set<String> PROGRAM_FIELDS = Set.of("program", "issuerId", "name", "currency", "pointsPerUnit",
            "bonusCategories", "cashPer1000Points", "expiry", "minRedemption", "warningDays", "airlines", "vouchers");

    static PointsProgram program(JsonNode n) {
        known(n, PROGRAM_FIELDS, "");
        String program = text(n, "program", "[A-Z0-9_]{2,16}", "2-16 of A-Z 0-9 _");
        String currency = text(n, "currency", "[A-Z]{3}", "an ISO 4217 alpha code");
        currency(currency, "currency");
        List<PointsProgram.Bonus> bonuses = new ArrayList<>();
        for (JsonNode b : array(n, "bonusCategories", PointsProgram.BONUSES_MAX)) {
            known(b, Set.of("mccs", "pointsPerUnit"), "bonusCategories[].");
            int rate = (int) number(b, "pointsPerUnit", 0, PointsProgram.POINTS_PER_UNIT_MAX, null);
            for (JsonNode mcc : array(b, "mccs", PointsProgram.BONUSES_MAX)) {
                if (!mcc.isTextual() || !mcc.asText().matches("[0-9]{4}")) {
                    throw invalid("bonusCategories[].mccs", "4-digit MCCs");
                }
                bonuses.add(new PointsProgram.Bonus(mcc.asText(), rate));
            }
        }
        JsonNode cash = n.get("cashPer1000Points");
        long cashMinor = 0;
        if (cash != null && !cash.isNull()) {
            cashMinor = number(cash, "minor", 0, 1_000_000, null);
            if (!currency.equals(cash.path("currency").asText())) {
                throw invalid("cashPer1000Points.currency", "the program's currency " + currency);
            }
        }
        JsonNode e = n.get("expiry");
        if (e == null || !e.isObject()) {
            throw invalid("expiry", "an object {rule: ROLLING_MONTHS|END_OF_YEAR|END_OF_QUARTER, count}");
        }
        ExpiryRule rule;
        try {
            rule = new ExpiryRule(ExpiryRule.Kind.valueOf(e.path("rule").asText()),
                    (int) number(e, "count", 0, ExpiryRule.COUNT_MAX, null));
        } catch (IllegalArgumentException x) {
            throw invalid("expiry", "rule ROLLING_MONTHS (count: months, 1.." + ExpiryRule.COUNT_MAX + "), END_OF_YEAR "
                    + "or END_OF_QUARTER (count: whole years / quarters after the one of earning, 0..)");
        }
        Map<String, Long> airlines = new LinkedHashMap<>();
        JsonNode a = n.get("airlines");
        if (a != null && !a.isNull()) {
            if (!a.isObject()) {
                throw invalid("airlines", "an object of airline program to miles per 1,000 points");
            }
            for (var it = a.fields(); it.hasNext(); ) {
                var f = it.next();
                if (!f.getValue().canConvertToLong() || f.getValue().asLong() <= 0 || f.getValue().asLong() > 1_000_000) {
                    throw invalid("airlines." + f.getKey(), "miles per 1,000 points, 1..1000000");
                }
                airlines.put(f.getKey(), f.getValue().asLong());
            }
        }
        List<PointsProgram.Voucher> vouchers = new ArrayList<>();
        for (JsonNode v : array(n, "vouchers", PointsProgram.VOUCHERS_MAX)) {
            known(v, Set.of("voucherId", "partner", "face", "points"), "vouchers[].");
            JsonNode face = v.get("face");
            if (face == null || !face.isObject()) {
                throw invalid("vouchers[].face", "{minor, currency}");
            }
            String fc = face.path("currency").asText();
            currency(fc, "vouchers[].face.currency");
            vouchers.add(new PointsProgram.Voucher(text(v, "voucherId", "[A-Za-z0-9_-]{1,32}", "1-32 of A-Z a-z 0-9 _ -"),
                    text(v, "partner", ".{1,64}", "1-64 characters"), number(face, "minor", 1, 100_000_000, null), fc,
                    number(v, "points", 1, 1_000_000_000, null)));
        }
        if (vouchers.stream().map(PointsProgram.Voucher::voucherId).distinct().count() < vouchers.size()) {
            throw invalid("vouchers[].voucherId", "distinct ids");
        }
        return new PointsProgram(program, text(n, "issuerId", "[A-Za-z0-9_-]{1,16}", "an issuer id"),
                n.hasNonNull("name") ? text(n, "name", ".{1,80}", "1-80 characters") : program, currency,
                (int) number(n, "pointsPerUnit", 0, PointsProgram.POINTS_PER_UNIT_MAX, 0L), bonuses, cashMinor, rule,
                number(n, "minRedemption", 0, 1_000_000_000, 0L),
                (int) number(n, "warningDays", 0, PointsProgram.WARNING_DAYS_MAX, 30L), airlines, vouchers,
                PointsProgram.Source.API);
    }

    static Map<String, Object> program(PointsProgram p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("program", p.program());
        m.put("issuerId", p.issuerId());
        m.put("name", p.name());
        m.put("source", p.source().name());
        m.put("currency", p.currency());
        m.put("pointsPerUnit", p.pointsPerUnit());
        Map<Integer, List<String>> byRate = new LinkedHashMap<>();
        p.bonuses().forEach(b -> byRate.computeIfAbsent(b.pointsPerUnit(), k -> new ArrayList<>()).add(b.mcc()));
        m.put("bonusCategories", byRate.entrySet().stream().map(e -> Map.of("mccs", e.getValue(), "pointsPerUnit",
                e.getKey())).toList());
        m.put("cashPer1000Points", OperationsRoutes.money(p.cashMinorPer1000Points(), p.currency()));
        m.put("expiry", Map.of("rule", p.expiry().kind().name(), "count", p.expiry().count()));
        m.put("minRedemption", p.minRedemption());
        m.put("warningDays", p.warningDays());
        m.put("airlines", p.milesPer1000Points());
        m.put("vouchers", p.vouchers().stream().map(v -> Map.of("voucherId", v.voucherId(), "partner", v.partner(),
                "face", OperationsRoutes.money(v.faceMinor(), v.currency()), "points", v.pointsPrice())).toList());
        return m;
    }

    static Coalition coalition(JsonNode n) {
        known(n, Set.of("coalitionId", "name", "currency", "members"), "");
        String currency = text(n, "currency", "[A-Z]{3}", "an ISO 4217 alpha code");
        currency(currency, "currency");
        List<Coalition.Member> members = new ArrayList<>();
        for (JsonNode m : array(n, "members", Coalition.MEMBERS_MAX)) {
            known(m, Set.of("memberId", "name", "program", "cashPer1000Points"), "members[].");
            JsonNode cash = m.get("cashPer1000Points");
            long minor = 0;
            if (cash != null && !cash.isNull()) {
                minor = number(cash, "minor", 0, 1_000_000, null);
                if (!currency.equals(cash.path("currency").asText())) {
                    throw invalid("members[].cashPer1000Points.currency", "the coalition's currency " + currency);
                }
            }
            String id = text(m, "memberId", "[A-Za-z0-9_-]{1,24}", "1-24 of A-Z a-z 0-9 _ -");
            members.add(new Coalition.Member(id, m.hasNonNull("name") ? text(m, "name", ".{1,80}", "1-80 characters") : id,
                    m.hasNonNull("program") ? text(m, "program", "[A-Z0-9_]{2,16}", "a points program") : null, minor));
        }
        String id = text(n, "coalitionId", "[A-Za-z0-9_-]{1,16}", "1-16 of A-Z a-z 0-9 _ -");
        return new Coalition(id, n.hasNonNull("name") ? text(n, "name", ".{1,80}", "1-80 characters") : id, currency,
                members);
    }

    static Map<String, Object> coalition(Coalition k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("coalitionId", k.coalitionId());
        m.put("name", k.name());
        m.put("currency", k.currency());
        m.put("members", k.members().stream().map(x -> {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("memberId", x.memberId());
            b.put("name", x.name());
            b.put("program", x.program());
            b.put("cashPer1000Points", OperationsRoutes.money(x.cashMinorPer1000Points(), k.currency()));
            return b;
        }).toList());
        return m;
    }

    static Map<String, Object> redemption(Coalition.Redemption r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("redemptionId", r.redemptionId());
        m.put("coalitionId", r.coalitionId());
        m.put("earningMember", r.earningMember());
        m.put("redeemingMember", r.redeemingMember());
        m.put("program", r.program());
        m.put("points", r.points());
        m.put("amount", OperationsRoutes.money(r.amountMinor(), r.currency()));
        m.put("rewardId", r.rewardId());
        m.put("createdAt", r.createdAt().toString());
        return m;
    }

    static Map<String, Object> settlement(Coalition.Settlement s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("settlementId", s.settlementId());
        m.put("coalitionId", s.coalitionId());
        m.put("debtorMember", s.debtorMember());
        m.put("creditorMember", s.creditorMember());
        m.put("periodStart", s.periodStart().toString());
        m.put("periodEnd", s.periodEnd().toString());
        m.put("redemptions", s.redemptions());
        m.put("points", s.points());
        m.put("amount", OperationsRoutes.money(s.amountMinor(), s.currency()));
        m.put("createdAt", s.createdAt().toString());
        return m;
    }

    private static void known(JsonNode n, Set<String> fields, String at) {
        if (n == null || !n.isObject()) {
            throw invalid(at.isEmpty() ? "body" : at.substring(0, at.length() - 3), "an object");
        }
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!fields.contains(f)) {
                throw Problem.badRequest("UNKNOWN_FIELD", "unknown field '" + at + f + "'");
            }
        }
    }

    private static void currency(String code, String field) {
        try {
            Money.exponent(code);
        } catch (RuntimeException e) {
            throw invalid(field, "an ISO 4217 alpha code");
        }
    }

    private static String text(JsonNode n, String field, String pattern, String what) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || !v.asText().matches(pattern)) {
            throw invalid(field, what);
        }
        return v.asText();
    }

    private static long number(JsonNode n, String field, long min, long max, Long dflt) {
        JsonNode v = n.get(field);
        if ((v == null || v.isNull()) && dflt != null) {
            return dflt;
        }
        if (v == null || !v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
            throw invalid(field, "a whole number " + min + ".." + max);
        }
        return v.asLong();
    }

    private static List<JsonNode> array(JsonNode n, String field, int max) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray() || v.size() > max) {
            throw invalid(field, "an array of at most " + max);
        }
        List<JsonNode> out = new ArrayList<>();
        v.forEach(out::add);
        return out;
    }

    private static Problem invalid(String field, String what) {
        return new Problem(422, "FIELD_INVALID", field + " must be " + what);
    }
}
