/*
 * PAN -> token: HMAC-SHA256 under a versioned secret key (BouncyCastle),
 * hex-encoded. The token is what the database keeps; nothing else of the PAN
 * but its last four digits is stored. Rotation: new cards are tokenized with
 * the current version, and a lookup tries every version, so cards enrolled
 * under an older key are still found.
 */
package org.accrue.rewards.enrollment;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

public final class PanTokenizer {

    /** A token with the key version that made it. */
    public record PanToken(int keyVersion, String token) {
    }

    private final int currentVersion;
    private final Map<Integer, KeyParameter> keys;
    // HMac is stateful; one per thread and version keeps the hot path lock-free.
    private final ThreadLocal<Map<Integer, HMac>> macs;

    public PanTokenizer(int currentVersion, Map<Integer, byte[]> keyBytes) {
        if (!keyBytes.containsKey(currentVersion)) {
            throw new IllegalArgumentException("no key for the current version " + currentVersion);
        }
        this.currentVersion = currentVersion;
        Map<Integer, KeyParameter> k = new TreeMap<>();
        keyBytes.forEach((v, bytes) -> k.put(v, new KeyParameter(bytes.clone())));
        this.keys = Map.copyOf(k);
        this.macs = ThreadLocal.withInitial(() -> {
            Map<Integer, HMac> m = new TreeMap<>();
            keys.forEach((v, key) -> {
                HMac mac = new HMac(new SHA256Digest());
                mac.init(key);
                m.put(v, mac);
            });
            return m;
        });
    }

    public int currentVersion() {
        return currentVersion;
    }

    /** The token new enrollments get. */
    public PanToken current(String pan) {
        return new PanToken(currentVersion, token(currentVersion, pan));
    }

    /** The PAN's token under every configured version, current first: what a lookup tries. */
    public List<PanToken> all(String pan) {
        List<PanToken> out = new ArrayList<>(keys.size());
        out.add(current(pan));
        for (int v : keys.keySet()) {
            if (v != currentVersion) {
                out.add(new PanToken(v, token(v, pan)));
            }
        }
        return out;
    }

    private String token(int version, String pan) {
        HMac mac = macs.get().get(version);
        byte[] in = pan.getBytes(StandardCharsets.US_ASCII);
        mac.update(in, 0, in.length);
        byte[] out = new byte[mac.getMacSize()];
        mac.doFinal(out, 0); // doFinal also resets the MAC for the next PAN
        return HexFormat.of().formatHex(out);
    }

    @Override
    public String toString() {
        return "PanTokenizer[currentVersion=" + currentVersion + ", versions=" + keys.keySet() + "]";
    }
}
