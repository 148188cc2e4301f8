/*
 * Building the airline's requests (airline-partner-api.md). Each body is a
 * record serialized once, in a fixed field order with the name already
 * folded, so every retry (and every node) sends the same bytes under the
 * same Idempotency-Key; the partner's replay (200) then makes a resend safe.
 * The API key goes into the Authorization header and nowhere else.
 */
package org.accrue.processor.miles;

import java.text.Normalizer;
import java.time.Duration;
import java.net.http.HttpRequest;
import java.util.Locale;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

final class PartnerRequests {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Airline name fields are short; the cut is the same on every node, so the body stays the same. */
    private static final int NAME_CHARS_MAX = 64;
    /** Ids go into a URL path and a header: no character there may need escaping or split a header. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** A request body; the field order is part of the bytes, so each record names it. */
    sealed interface Body {
    }

    @JsonPropertyOrder({"memberNumber", "lastName"})
    record ValidateBody(String memberNumber, String lastName) implements Body {
    }

    @JsonPropertyOrder({"accrualId", "memberNumber", "lastName", "miles", "activityDate", "description"})
    record AccrualBody(String accrualId, String memberNumber, String lastName, long miles, String activityDate,
                       String description) implements Body {
    }

    @JsonPropertyOrder({"miles", "reason"})
    record ReversalBody(long miles, String reason) implements Body {
    }

    private final PartnerSettings settings;

    PartnerRequests(PartnerSettings settings) {
        this.settings = settings;
    }

    static ValidateBody validation(String memberNumber, String lastName) {
        return new ValidateBody(memberNumber, foldName(lastName));
    }

    static AccrualBody accrual(AccrualRequest a) {
        return new AccrualBody(a.accrualId(), a.memberNumber(), foldName(a.lastName()), a.miles(),
                a.activityDate().toString(), a.description());
    }

    /**
     * The POST of {@code body} to {@code path} under the base URL, bearing our key and, when there is one, the
     * Idempotency-Key; the body is serialized here, once, and the same request is sent on every attempt.
     */
    HttpRequest post(String path, String idempotencyKey, Body body, String what) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("airline " + settings.program() + " " + what + ": could not write the body", e);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(settings.resolve(path))
                .timeout(Duration.ofMillis(settings.timeoutMs()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("Authorization", "Bearer " + settings.apiKey())
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        return b.build();
    }

    static void checkId(String accrualId) {
        if (accrualId == null || !ID.matcher(accrualId).matches()) {
            throw new IllegalArgumentException("an accrual id is 1-64 of A-Z a-z 0-9 . _ -, was " + accrualId);
        }
    }

    /** See {@link AirlinePartner#foldName(String)}. */
    static String foldName(String lastName) {
        if (lastName == null) {
            return "";
        }
        StringBuilder spelled = new StringBuilder(lastName.length());
        for (int i = 0; i < lastName.length(); i++) {
            char c = lastName.charAt(i);
            spelled.append(switch (c) {
                case 'Ø', 'ø' -> "O";
                case 'Æ', 'æ' -> "AE";
                case 'Œ', 'œ' -> "OE";
                case 'ß', 'ẞ' -> "SS";
                case 'Ł', 'ł' -> "L";
                case 'Đ', 'đ', 'Ð', 'ð' -> "D";
                case 'Þ', 'þ' -> "TH";
                case 'ı' -> "I";
                case '\u2018', '\u2019', '\u02BC' -> "'";
                case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014' -> "-";
                default -> Character.isWhitespace(c) || Character.isSpaceChar(c) ? " " : String.valueOf(c);
            });
        }
        // NFKD rather than NFD: compatibility forms (ligatures, full-width letters) fold to plain letters too.
        String n = Normalizer.normalize(spelled, Normalizer.Form.NFKD).replaceAll("\\p{M}", "")
                .toUpperCase(Locale.ROOT).replaceAll("[^A-Z '\\-]", "").replaceAll(" +", " ").strip();
        return n.length() > NAME_CHARS_MAX ? n.substring(0, NAME_CHARS_MAX).strip() : n;
    }
}
