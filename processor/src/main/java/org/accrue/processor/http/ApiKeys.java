package org.accrue.processor.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.accrue.config.AccrueConfig;

/**
 * API keys as configured: only the SHA-256 of each key is known here. A
 * presented key is hashed and looked up; the comparison is on hashes, so the
 * time it takes says nothing about how much of a key matched.
 */
public final class ApiKeys {
    private final Map<String, Principal> byHash = new HashMap<>();

    public ApiKeys(List<AccrueConfig.ApiKey> keys) {
        for (AccrueConfig.ApiKey k : keys) {
            byHash.put(k.sha256Hex(), new Principal(k.name(), k.role(), k.issuerId()));
        }
    }

    public Optional<Principal> authenticate(String presentedKey) {
        if (presentedKey == null || presentedKey.isBlank()) {
            return Optional.empty();
        }
        return Optional.ofNullable(byHash.get(sha256Hex(presentedKey.trim())));
    }

    public static String sha256Hex(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
