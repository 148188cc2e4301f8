/*
 * Reading the airline's answers (airline-partner-api.md). Only what the
 * documented shapes allow is passed on: a confirmation that fits its column,
 * a refusal code in the partner's upper-case form (else HTTP_<status>), the
 * status ACTIVE of a validation. Anything else reads as no answer, which the
 * client treats as an unknown outcome. Bodies are bounded (BoundedBody) so a
 * partner cannot fill the heap, and problems are made printable and short
 * because they are logged and stored.
 */
package org.accrue.processor.miles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

final class PartnerReplies {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The partner's answers are a field or two; a bigger body is not an answer and must not fill the heap. */
    static final int RESPONSE_BYTES_MAX = 64 * 1024;
    /** A confirmation is kept in miles_accrual.confirmation, VARCHAR(100); a longer one could not be stored. */
    private static final int CONFIRMATION_CHARS_MAX = 100;
    /** Problems end up in logs and in miles_accrual.problem, VARCHAR(200). */
    private static final int PROBLEM_CHARS_MAX = 120;
    /** Refusal codes are stored and shown to ops: only the partner's documented shape is passed on. */
    private static final Pattern CODE = Pattern.compile("[A-Z][A-Z_]{0,39}");
    private static final Pattern CONFIRMATION = Pattern.compile("[\\x20-\\x7e]{1," + CONFIRMATION_CHARS_MAX + "}");

    private PartnerReplies() {
    }

    /** The body as a JSON object, or null when it is empty, not JSON or not an object. */
    static JsonNode json(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null; // not JSON: no answer
        }
    }

    /** An accrual's or reversal's confirmation, or null when there is none we could keep. */
    static String confirmation(JsonNode n) {
        JsonNode c = n == null ? null : n.get("confirmation");
        return c != null && c.isTextual() && CONFIRMATION.matcher(c.textValue()).matches() ? c.textValue() : null;
    }

    /** Validation's "confirmation": the status, when it is ACTIVE. */
    static String active(JsonNode n) {
        JsonNode s = n == null ? null : n.get("status");
        return s != null && "ACTIVE".equals(s.textValue()) ? "ACTIVE" : null;
    }

    /** A refusal's code, or HTTP_<status> when the body has none of the documented shape. */
    static String code(byte[] body, int status) {
        JsonNode n = json(body);
        JsonNode c = n == null ? null : n.get("code");
        return c != null && c.isTextual() && CODE.matcher(c.textValue()).matches() ? c.textValue() : "HTTP_" + status;
    }

    static String describe(IOException e) {
        return clean(e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    /** Printable and short: problems are logged and stored. */
    static String clean(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > PROBLEM_CHARS_MAX ? p.substring(0, PROBLEM_CHARS_MAX) : p;
    }

    /** Collects a response body up to {@code bytesMax}; a longer one fails the attempt like a broken connection. */
    static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int bytesMax;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private Flow.Subscription subscription;

        BoundedBody(int bytesMax) {
            this.bytesMax = bytesMax;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                if (out.size() + item.remaining() > bytesMax) {
                    subscription.cancel();
                    body.completeExceptionally(new IOException("response body over " + bytesMax + " bytes"));
                    return;
                }
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                out.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable t) {
            body.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            body.complete(out.toByteArray());
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }
    }
}
