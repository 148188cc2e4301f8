/*
 * Configuration for tests: two issuers, API keys of every role with known
 * plaintext, and a random PAN token key per call (passed as base64:, the
 * programmatic form; files and environments must use env: or file:).
 */
package org.accrue.processor.testing;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.accrue.config.AccrueConfig;
import org.accrue.config.Settings;
import org.accrue.processor.http.ApiKeys;

public final class TestConfig {
    public static final String ISSUER_A = "BANK_A";
    public static final String ISSUER_B = "BANK_B";
    public static final String KEY_ISSUER_A = "issuer-a-test-key";
    public static final String KEY_ISSUER_B = "issuer-b-test-key";
    public static final String KEY_OPS = "ops-test-key";
    public static final String KEY_OPS_2 = "second-ops-test-key";
    public static final String KEY_ADMIN = "admin-test-key";

    private TestConfig() {
    }

    public static String randomKeyBase64() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    /** Settings for a node with its data under {@code dataDir}, ephemeral ports, and a fresh PAN key. */
    public static Map<String, String> values(Path dataDir) {
        Map<String, String> m = new HashMap<>();
        m.put("accrue.data-dir", dataDir.toString());
        m.put("accrue.iso.port", "0");
        m.put("accrue.http.port", "0");
        m.put("accrue.http.bind-address", "127.0.0.1");
        m.put("accrue.pan.key.1", "base64:" + randomKeyBase64());
        m.put("accrue.store.embedded.buffer-pool-mb", "128"); // nodes with their own embedded server: keep it small
        m.put("accrue.store.embedded.redo-log-mb", "64");
        m.put("accrue.jobs.enabled", "false"); // the scheduler tests turn it on; the rest run jobs by hand
        m.put("accrue.issuer." + ISSUER_A + ".name", "Bank A");
        m.put("accrue.issuer." + ISSUER_B + ".name", "Bank B");
        key(m, "issuer-a", KEY_ISSUER_A, "issuer", ISSUER_A);
        key(m, "issuer-b", KEY_ISSUER_B, "issuer", ISSUER_B);
        key(m, "ops", KEY_OPS, "ops", null);
        key(m, "ops-2", KEY_OPS_2, "ops", null);
        key(m, "admin", KEY_ADMIN, "admin", null);
        return m;
    }

    public static AccrueConfig config(Map<String, String> values) {
        return AccrueConfig.from(Settings.of(values));
    }

    private static void key(Map<String, String> m, String name, String plain, String role, String issuer) {
        m.put("accrue.api-key." + name + ".sha256", ApiKeys.sha256Hex(plain));
        m.put("accrue.api-key." + name + ".role", role);
        if (issuer != null) {
            m.put("accrue.api-key." + name + ".issuer", issuer);
        }
    }
}
