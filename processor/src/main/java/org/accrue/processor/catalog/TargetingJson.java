/*
 * The JSON form of an offer's "targeting" (issue 17), read and written beside CatalogJson:
 *   {"issuers": ["nordbank"], "binRanges": [{"from": "451700", "to": "451799"}], "tiers": ["GOLD"],
 *    "earlyAccess": {"tiers": ["PLATINUM"], "startsAt": "2026-11-25T00:00:00Z"}, "segments": ["seg_..."],
 *    "countries": ["DK"], "cities": ["COPENHAGEN"]}
 * Every field is optional; an empty or absent targeting is no targeting. Reading names the first bad field.
 */
package org.accrue.processor.catalog;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.accrue.rewards.offers.Offer;
import org.accrue.rewards.offers.Targeting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

final class TargetingJson {
    static final String FIELD = "targeting";
    private static final Set<String> FIELDS = Set.of("issuers", "binRanges", "tiers", "earlyAccess", "segments",
            "countries", "cities");
    private static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

    private TargetingJson() {
    }

    /** The offer's targeting from its document's "targeting" (NONE when absent). */
    static Targeting read(JsonNode offer, String offerAt) {
        JsonNode t = offer.get(FIELD);
        String at = offerAt + "." + FIELD;
        if (t == null || t.isNull()) {
            return Targeting.NONE;
        }
        if (!t.isObject()) {
            throw CatalogException.invalid(at, "must be a JSON object");
        }
        for (Iterator<String> it = t.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new CatalogException("UNKNOWN_FIELD", 422, at + "." + f + " is not a known field; targeting takes "
                        + FIELDS.stream().sorted().toList());
            }
        }
        List<Targeting.BinRange> bins = new ArrayList<>();
        int i = 0;
        for (JsonNode r : list(t, "binRanges", at)) {
            String rat = at + ".binRanges[" + i++ + "]";
            if (!r.isObject() || !r.path("from").isTextual() || !r.path("to").isTextual()) {
                throw CatalogException.invalid(rat, "must be {\"from\": \"451700\", \"to\": \"451799\"} (6 to 8 digits, as strings)");
            }
            try {
                bins.add(new Targeting.BinRange(r.get("from").asText(), r.get("to").asText()));
            } catch (IllegalArgumentException e) {
                throw CatalogException.invalid(rat, e.getMessage());
            }
        }
        Targeting.EarlyAccess early = null;
        JsonNode e = t.get("earlyAccess");
        if (e != null && !e.isNull()) {
            String eat = at + ".earlyAccess";
            if (!e.isObject()) {
                throw CatalogException.invalid(eat, "must be {\"tiers\": [\"GOLD\"], \"startsAt\": \"2026-11-25T00:00:00Z\"}");
            }
            Set<String> tiers = names(e, "tiers", eat);
            if (tiers.isEmpty()) {
                throw CatalogException.invalid(eat + ".tiers", "must name at least one tier");
            }
            Instant startsAt;
            try {
                startsAt = Instant.parse(e.path("startsAt").asText());
            } catch (DateTimeParseException x) {
                throw CatalogException.invalid(eat + ".startsAt", "must be an ISO 8601 UTC time such as 2026-11-22T00:00:00Z");
            }
            early = new Targeting.EarlyAccess(tiers, startsAt);
        }
        Set<String> countries = new LinkedHashSet<>();
        for (JsonNode c : list(t, "countries", at)) {
            if (!c.isTextual() || !c.asText().matches("[A-Za-z]{2}")) {
                throw CatalogException.invalid(at + ".countries", "entries are the two-letter codes DE43 carries, such as \"DK\"");
            }
            countries.add(c.asText());
        }
        Set<String> cities = new LinkedHashSet<>();
        for (JsonNode c : list(t, "cities", at)) {
            if (!c.isTextual() || c.asText().isBlank() || Targeting.city(c.asText()).length() > Targeting.CITY_LENGTH_MAX) {
                throw CatalogException.invalid(at + ".cities", "entries are city names of 1-" + Targeting.CITY_LENGTH_MAX
                        + " characters, as DE43 carries them");
            }
            cities.add(c.asText());
        }
        try {
            return new Targeting(names(t, "issuers", at), bins, names(t, "tiers", at), early, names(t, "segments", at),
                    countries, cities);
        } catch (IllegalArgumentException x) {
            throw CatalogException.invalid(at, x.getMessage());
        }
    }

    /** Writes the offer's targeting into its document, unless it has none. */
    static void write(ObjectNode offer, Targeting t) {
        if (t.isNone()) {
            return;
        }
        ObjectNode n = offer.putObject(FIELD);
        strings(n, "issuers", t.issuers());
        if (!t.binRanges().isEmpty()) {
            ArrayNode a = n.putArray("binRanges");
            t.binRanges().forEach(r -> a.addObject().put("from", r.from()).put("to", r.to()));
        }
        strings(n, "tiers", t.tiers());
        if (t.earlyAccess() != null) {
            ObjectNode e = n.putObject("earlyAccess");
            t.earlyAccess().tiers().stream().sorted().forEach(e.putArray("tiers")::add);
            e.put("startsAt", t.earlyAccess().startsAt().toString());
        }
        strings(n, "segments", t.segments());
        strings(n, "countries", t.countries());
        strings(n, "cities", t.cities());
    }

    /** An offer naming a segment that does not exist is refused (an unknown segment would silently match nobody). */
    static void checkSegments(Segments segments, Offer o) {
        Set<String> unknown = segments.unknownIds(o.targeting().segments());
        if (!unknown.isEmpty()) {
            throw CatalogException.invalid("offer.targeting.segments", "names no segment: " + unknown.stream().sorted().toList());
        }
    }

    private static void strings(ObjectNode n, String field, Set<String> values) {
        if (!values.isEmpty()) {
            ArrayNode a = n.putArray(field);
            values.stream().sorted().forEach(a::add);
        }
    }

    private static List<JsonNode> list(JsonNode n, String field, String at) {
        List<JsonNode> out = CatalogJson.array(n, field, at);
        if (out.size() > Targeting.ENTRIES_MAX) {
            throw CatalogException.invalid(at + "." + field, "has at most " + Targeting.ENTRIES_MAX + " entries");
        }
        return out;
    }

    private static Set<String> names(JsonNode n, String field, String at) {
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode v : list(n, field, at)) {
            if (!v.isTextual() || !v.asText().matches(NAME_PATTERN)) {
                throw CatalogException.invalid(at + "." + field, "entries are ids of 1-64 letters, digits, '.', '_' or '-'");
            }
            out.add(v.asText());
        }
        return out;
    }
}
