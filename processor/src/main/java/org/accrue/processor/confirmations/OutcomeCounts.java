/*
 * How many lines of a confirmation file (or of one of its parts) got each
 * outcome. Stored as a JSON object keyed by Outcome name
 * ({"MATCHED":3,"REJECTED":1}) in confirmation_import.outcomes and
 * confirmation_part.outcomes (V16; before it, Java's Map.toString()), and
 * read back into this type: an unknown name or a count that is not a
 * non-negative whole number is a broken row, never skipped.
 */
package org.accrue.processor.confirmations;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

import org.accrue.reconciliation.matching.Outcome;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

public record OutcomeCounts(Map<Outcome, Long> counts) {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final OutcomeCounts NONE = new OutcomeCounts(Map.of());

    /** Keeps only outcomes with lines, in Outcome's order. */
    public OutcomeCounts {
        EnumMap<Outcome, Long> m = new EnumMap<>(Outcome.class);
        counts.forEach((o, n) -> {
            if (o == null || n == null || n < 0) {
                throw new IllegalArgumentException("an outcome count is an outcome and a count >= 0: " + o + "=" + n);
            }
            if (n > 0) {
                m.put(o, n);
            }
        });
        counts = Collections.unmodifiableMap(m);
    }

    /** The lines with {@code outcome} (0 when none). */
    public long of(Outcome outcome) {
        return counts.getOrDefault(outcome, 0L);
    }

    /** All the lines counted. */
    public long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    public OutcomeCounts plus(OutcomeCounts other) {
        EnumMap<Outcome, Long> m = new EnumMap<>(Outcome.class);
        m.putAll(counts);
        other.counts.forEach((o, n) -> m.merge(o, n, Math::addExact));
        return new OutcomeCounts(m);
    }

    /** The stored form: a JSON object keyed by Outcome name, in Outcome's order. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        counts.forEach((k, v) -> o.put(k.name(), v));
        return o.toString();
    }

    /** Reads the stored form; null (an import not applied) is null. */
    public static OutcomeCounts fromJson(String stored) {
        if (stored == null) {
            return null;
        }
        JsonNode n;
        try {
            n = JSON.readTree(stored);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("outcome counts are not JSON: " + stored, e);
        }
        if (n == null || !n.isObject()) {
            throw new IllegalStateException("outcome counts are not a JSON object: " + stored);
        }
        EnumMap<Outcome, Long> m = new EnumMap<>(Outcome.class);
        for (var it = n.fields(); it.hasNext(); ) {
            var f = it.next();
            Outcome o;
            try {
                o = Outcome.valueOf(f.getKey());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("outcome counts name no outcome: " + f.getKey(), e);
            }
            if (!f.getValue().isIntegralNumber() || !f.getValue().canConvertToLong() || f.getValue().asLong() < 0) {
                throw new IllegalStateException("outcome count of " + o + " is not a whole number >= 0: " + f.getValue());
            }
            m.put(o, f.getValue().asLong());
        }
        return new OutcomeCounts(m);
    }

    /**
     * "{DUPLICATE=1, MATCHED=10}": outcomes by name, as the API's {@code outcomes} string, the CLI and the log have
     * always shown them.
     */
    @Override
    public String toString() {
        Map<String, Long> byName = new TreeMap<>();
        counts.forEach((k, v) -> byName.put(k.name(), v));
        return byName.toString();
    }
}
