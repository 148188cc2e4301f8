/*
 * The Accrue-Signature header (webhooks.md): t=<unix seconds>,v1=<hex
 * HMAC-SHA256(secret, t + "." + body)>, one v1 per secret that signs (two
 * while a rotation's previous secret is still valid). The secret's UTF-8
 * bytes are the HMAC key. verify() is what an issuer runs; the tests use it.
 */
package org.accrue.processor.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

public final class Signatures {
    /** How old a signature's timestamp may be when an issuer verifies it. */
    public static final long TOLERANCE_SECONDS = 300;

    private Signatures() {
    }

    public static String header(long unixSeconds, byte[] body, List<String> secrets) {
        StringBuilder b = new StringBuilder("t=").append(unixSeconds);
        for (String s : secrets) {
            b.append(",v1=").append(HexFormat.of().formatHex(mac(s, unixSeconds, body)));
        }
        return b.toString();
    }

    /** True when {@code header} carries a v1 of {@code secret} over {@code body} and its t is within the tolerance. */
    public static boolean verify(String header, byte[] body, String secret, long nowUnixSeconds) {
        Long t = null;
        List<String> parts = List.of(header.split(","));
        for (String p : parts) {
            if (p.startsWith("t=")) {
                try {
                    t = Long.parseLong(p.substring(2));
                } catch (NumberFormatException e) {
                    return false;
                }
            }
        }
        if (t == null || Math.abs(nowUnixSeconds - t) > TOLERANCE_SECONDS) {
            return false;
        }
        byte[] expected = mac(secret, t, body);
        boolean ok = false;
        for (String p : parts) {
            if (p.startsWith("v1=")) {
                byte[] given;
                try {
                    given = HexFormat.of().parseHex(p.substring(3));
                } catch (IllegalArgumentException e) {
                    continue;
                }
                ok |= MessageDigest.isEqual(expected, given); // constant time
            }
        }
        return ok;
    }

    private static byte[] mac(String secret, long t, byte[] body) {
        HMac h = new HMac(new SHA256Digest());
        h.init(new KeyParameter(secret.getBytes(StandardCharsets.UTF_8)));
        byte[] prefix = (t + ".").getBytes(StandardCharsets.US_ASCII);
        h.update(prefix, 0, prefix.length);
        h.update(body, 0, body.length);
        byte[] out = new byte[h.getMacSize()];
        h.doFinal(out, 0);
        return out;
    }
}
