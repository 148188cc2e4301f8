/*
 * Signed, expiring links to a card's cardholder page. The issuer asks for one (POST /cards/{id}/page-link) and hands
 * it to its cardholder (embedded or linked); the link alone opens the page, so it is a bearer secret with a lifetime.
 *
 * Method. A link is "v1.<payload>.<mac>": the payload (base64url) is "<key version>:<card public id>:<expiry epoch
 * seconds>", the mac (base64url) HMAC-SHA256 over "v1." + payload under a key derived from the PAN token key of that
 * version (HMAC-SHA256(pan key, "accrue/cardholder-links/v1"), as webhooks.SecretBox derives its key): no key for the
 * operator to keep, and retiring a PAN key version retires its links. Nothing is stored; a link cannot be revoked
 * before it expires except by unenrolling the card (the page then refuses it). No PAN, PAN token or key is in a link:
 * only the card's public id, which issuers already hold. The page's forms carry a CSRF token derived from the link
 * (HMAC of "csrf:" + link): a page that does not know the link cannot post to it.
 */
package org.accrue.processor.cardholder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

public final class PageLinks {
    private static final byte[] CONTEXT = "accrue/cardholder-links/v1".getBytes(StandardCharsets.US_ASCII);
    private static final String VERSION = "v1";
    /** How long a link opens the page unless the issuer asks for less. */
    public static final Duration TTL_DEFAULT = Duration.ofDays(7);
    /** The longest a link may live: a bearer link should not outlive a statement cycle by much. */
    public static final Duration TTL_MAX = Duration.ofDays(31);
    /** A link longer than this is not one of ours (and is not worth a MAC). */
    private static final int LINK_CHARS_MAX = 256;

    /** What a valid link opens: the card (public id) until when. */
    public record Link(String cardId, Instant expiresAt) {
    }

    private final int currentVersion;
    private final Map<Integer, byte[]> keys = new HashMap<>();

    public PageLinks(int currentVersion, Map<Integer, byte[]> panKeys) {
        this.currentVersion = currentVersion;
        panKeys.forEach((v, k) -> keys.put(v, mac(k, CONTEXT)));
        if (!keys.containsKey(currentVersion)) {
            throw new IllegalArgumentException("no PAN key of version " + currentVersion);
        }
    }

    /** A link to the card's page, valid until {@code expiresAt} (whole seconds). */
    public String sign(String cardId, Instant expiresAt) {
        if (cardId.indexOf(':') >= 0) {
            throw new IllegalArgumentException("a card id has no ':'");
        }
        String payload = b64((currentVersion + ":" + cardId + ":" + expiresAt.getEpochSecond()).getBytes(StandardCharsets.UTF_8));
        String signed = VERSION + "." + payload;
        return signed + "." + b64(mac(keys.get(currentVersion), signed.getBytes(StandardCharsets.US_ASCII)));
    }

    /** The card a link opens, if the link is ours, intact, of a configured key version, and not expired at {@code now}. */
    public Optional<Link> verify(String link, Instant now) {
        if (link == null || link.length() > LINK_CHARS_MAX) {
            return Optional.empty();
        }
        String[] parts = link.split("\\.", -1);
        if (parts.length != 3 || !parts[0].equals(VERSION)) {
            return Optional.empty();
        }
        String[] fields;
        byte[] given;
        try {
            fields = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).split(":", -1);
            given = Base64.getUrlDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (fields.length != 3) {
            return Optional.empty();
        }
        try {
            byte[] key = keys.get(Integer.parseInt(fields[0]));
            if (key == null || !MessageDigest.isEqual(given,
                    mac(key, (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII)))) {
                return Optional.empty();
            }
            Instant expires = Instant.ofEpochSecond(Long.parseLong(fields[2]));
            return now.isBefore(expires) ? Optional.of(new Link(fields[1], expires)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The CSRF token of the page a link opens (its forms carry it; a post without it is refused). */
    public String csrf(String link) {
        return b64(mac(keys.get(currentVersion), ("csrf:" + link).getBytes(StandardCharsets.UTF_8)));
    }

    /** Whether {@code token} is the CSRF token of {@code link}, compared in constant time. */
    public boolean csrfMatches(String link, String token) {
        return token != null && MessageDigest.isEqual(csrf(link).getBytes(StandardCharsets.US_ASCII),
                token.getBytes(StandardCharsets.US_ASCII));
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static byte[] mac(byte[] key, byte[] data) {
        HMac h = new HMac(new SHA256Digest());
        h.init(new KeyParameter(key));
        h.update(data, 0, data.length);
        byte[] out = new byte[h.getMacSize()];
        h.doFinal(out, 0);
        return out;
    }
}
