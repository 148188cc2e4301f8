/*
 * Segments (issue 17): lists of cards offers can be limited to. An issuer creates and fills its own segments with its
 * own cards; an admin creates a merchant's segment (or an issuer's) and fills it with any issuer's cards; ops read.
 * Members come in bulk (POST adds, PUT replaces the whole list) as a JSON array or NDJSON (one entry a line), each entry a card id string, {"cardId": ...}
 * or {"accountRef": ..., "issuerId"?: ...}; entries that find no card are reported back, not fatal.
 */
package org.accrue.processor.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.config.AccrueConfig.Role;
import org.accrue.processor.catalog.Segments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.javalin.Javalin;
import io.javalin.http.Context;

final class SegmentRoutes {
    static final String BASE = ApiServer.BASE + "/segments";
    /** A member upload's body, bytes: about 100,000 entries of card ids. */
    static final int UPLOAD_BYTES_MAX = 8 * 1024 * 1024;
    private static final int TEXT_LENGTH_MAX = 64;

    private SegmentRoutes() {
    }

    static void register(ApiServer api, Javalin app, Segments segments, ObjectMapper json) {
        app.post(BASE, ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.ADMIN);
            JsonNode b = api.body(ctx);
            for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!Set.of("name", "issuerId", "merchantId").contains(f)) {
                    throw Problem.badRequest("UNKNOWN_FIELD", f + " is not a field of a segment (name, issuerId, merchantId)");
                }
            }
            String issuer = ApiServer.text(b, "issuerId");
            String merchant = ApiServer.text(b, "merchantId");
            if (p.role() == Role.ISSUER) {
                if (merchant != null || issuer != null && !issuer.equals(p.issuerId())) {
                    throw Problem.badRequest("FIELD_INVALID", "an issuer's segment is its own: leave out issuerId and merchantId");
                }
                issuer = p.issuerId();
            } else if ((issuer == null) == (merchant == null)) {
                throw Problem.badRequest("FIELD_INVALID", "an admin names exactly one owner: issuerId or merchantId");
            }
            Segments.Segment s = segments.create(p.keyName(), ApiServer.text(b, "name"), issuer, merchant);
            ctx.status(201).header("Location", BASE + "/" + s.id()).json(s);
        });
        app.get(BASE, ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            ApiServer.onlyParams(ctx);
            ctx.json(Map.of("segments", segments.list(p.issuerScope())));
        });
        app.get(BASE + "/{segmentId}", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.OPS, Role.ADMIN);
            ctx.json(segments.find(p.issuerScope(), ctx.pathParam("segmentId")).orElseThrow(() -> Problem.notFound("segment")));
        });
        app.post(BASE + "/{segmentId}/members", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.ADMIN);
            List<Segments.Ref> refs = refs(ctx, json);
            ctx.json(segments.add(p.keyName(), p.issuerScope(), ctx.pathParam("segmentId"), refs)
                    .orElseThrow(() -> Problem.notFound("segment")));
        });
        app.put(BASE + "/{segmentId}/members", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.ADMIN);
            List<Segments.Ref> refs = refs(ctx, json);
            ctx.json(segments.replace(p.keyName(), p.issuerScope(), ctx.pathParam("segmentId"), refs)
                    .orElseThrow(() -> Problem.notFound("segment")));
        });
        app.delete(BASE + "/{segmentId}/members/{cardId}", ctx -> {
            Principal p = ApiServer.require(ctx, Role.ISSUER, Role.ADMIN);
            if (!segments.remove(p.keyName(), p.issuerScope(), ctx.pathParam("segmentId"), ctx.pathParam("cardId"))) {
                throw Problem.notFound("segment member");
            }
            ctx.status(204);
        });
    }

    /** The upload's entries, from a JSON array or NDJSON (by Content-Type), each checked; the first bad one is named. */
    private static List<Segments.Ref> refs(Context ctx, ObjectMapper json) throws IOException {
        String body = new String(bounded(ctx.req().getInputStream()), StandardCharsets.UTF_8);
        List<JsonNode> entries = new ArrayList<>();
        String type = ctx.contentType() == null ? "" : ctx.contentType();
        try {
            if (type.startsWith("application/x-ndjson")) {
                for (String line : body.split("\n")) {
                    if (!line.isBlank()) {
                        entries.add(json.readTree(line));
                    }
                }
            } else {
                JsonNode n = json.readTree(body);
                if (n == null || !n.isArray()) {
                    throw Problem.badRequest("MALFORMED_JSON", "the body must be a JSON array of members, or NDJSON "
                            + "(Content-Type: application/x-ndjson)");
                }
                n.forEach(entries::add);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw Problem.badRequest("MALFORMED_JSON", "the body is not valid JSON" + (type.startsWith("application/x-ndjson")
                    ? " on one of its lines" : ""));
        }
        if (entries.size() > Segments.UPLOAD_ENTRIES_MAX) {
            throw new Problem(413, "UPLOAD_TOO_LARGE", "an upload names at most " + Segments.UPLOAD_ENTRIES_MAX + " cards");
        }
        List<Segments.Ref> refs = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            refs.add(ref(entries.get(i), i));
        }
        return refs;
    }

    private static Segments.Ref ref(JsonNode e, int i) {
        String at = "members[" + i + "]";
        if (e.isTextual()) {
            return new Segments.Ref(Segments.RefKind.CARD_ID, checked(e.asText(), at), null);
        }
        if (e.isObject() && e.size() == 1 && e.has("cardId")) {
            return new Segments.Ref(Segments.RefKind.CARD_ID, checked(e.get("cardId").asText(), at + ".cardId"), null);
        }
        if (e.isObject() && e.has("accountRef") && (e.size() == 1 || e.size() == 2 && e.has("issuerId"))) {
            String issuer = e.has("issuerId") ? checked(e.get("issuerId").asText(), at + ".issuerId") : null;
            return new Segments.Ref(Segments.RefKind.ACCOUNT_REF, checked(e.get("accountRef").asText(), at + ".accountRef"),
                    issuer);
        }
        throw Problem.badRequest("FIELD_INVALID", at + " must be a card id, {\"cardId\": ...} or {\"accountRef\": ..., "
                + "\"issuerId\"?: ...}");
    }

    private static String checked(String v, String at) {
        if (v == null || v.isBlank() || v.length() > TEXT_LENGTH_MAX) {
            throw Problem.badRequest("FIELD_INVALID", at + " must be 1-" + TEXT_LENGTH_MAX + " characters");
        }
        return v;
    }

    private static byte[] bounded(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
            if (out.size() + n > UPLOAD_BYTES_MAX) {
                throw new Problem(413, "BODY_TOO_LARGE", "a member upload is at most " + UPLOAD_BYTES_MAX + " bytes");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
