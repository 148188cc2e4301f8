/*
 * Endpoint signing secrets at rest: AES-256-GCM under a key derived from a PAN
 * token key (HMAC-SHA256(key, "accrue/webhook-secrets/v1")), so the database
 * never holds a secret in clear and the operator has no extra key to keep.
 * Stored as [key version: 2 bytes][nonce: 12 bytes][ciphertext and tag]; a
 * secret sealed under an older PAN key version opens while that version is
 * configured.
 */
package org.accrue.processor.webhooks;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

public final class SecretBox {
    private static final byte[] CONTEXT = "accrue/webhook-secrets/v1".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int currentVersion;
    private final Map<Integer, byte[]> keys = new HashMap<>();

    public SecretBox(int currentVersion, Map<Integer, byte[]> panKeys) {
        this.currentVersion = currentVersion;
        panKeys.forEach((v, k) -> keys.put(v, derive(k)));
    }

    public byte[] seal(String secret) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        byte[] ct = run(true, keys.get(currentVersion), nonce, secret.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.allocate(2 + NONCE_BYTES + ct.length).putShort((short) currentVersion).put(nonce).put(ct).array();
    }

    /** The secret, or an IllegalStateException naming only the key version when it cannot be opened. */
    public String open(byte[] sealed) {
        ByteBuffer b = ByteBuffer.wrap(sealed);
        int version = b.getShort();
        byte[] key = keys.get(version);
        if (key == null) {
            throw new IllegalStateException("webhook secret sealed under PAN key version " + version
                    + ", which is no longer configured; rotate the endpoint's secret");
        }
        byte[] nonce = new byte[NONCE_BYTES];
        b.get(nonce);
        byte[] ct = new byte[b.remaining()];
        b.get(ct);
        return new String(run(false, key, nonce, ct), StandardCharsets.UTF_8);
    }

    private static byte[] run(boolean encrypt, byte[] key, byte[] nonce, byte[] in) {
        GCMModeCipher gcm = GCMBlockCipher.newInstance(AESEngine.newInstance());
        gcm.init(encrypt, new AEADParameters(new KeyParameter(key), TAG_BITS, nonce));
        byte[] out = new byte[gcm.getOutputSize(in.length)];
        int n = gcm.processBytes(in, 0, in.length, out, 0);
        try {
            n += gcm.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("a webhook secret failed its integrity check", e);
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    private static byte[] derive(byte[] panKey) {
        HMac h = new HMac(new SHA256Digest());
        h.init(new KeyParameter(panKey));
        h.update(CONTEXT, 0, CONTEXT.length);
        byte[] out = new byte[32];
        h.doFinal(out, 0);
        return out;
    }

    @Override
    public String toString() {
        return "SecretBox[currentVersion=" + currentVersion + ", versions=" + keys.keySet() + "]";
    }
}
