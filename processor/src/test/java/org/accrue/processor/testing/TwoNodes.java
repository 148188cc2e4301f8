/*
 * Two nodes of one cluster in one JVM on one fresh database of the shared MariaDB: each its own data directory,
 * ports and Q2, one PAN token key (one cluster), the store external to both. Tests start each node with the parts
 * they need (TwoNodesOneStoreTest shows the same wiring by hand).
 */
package org.accrue.processor.testing;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.accrue.processor.Processor;
import org.accrue.processor.store.EmbeddedMariaDb;

public final class TwoNodes {
    private final String url;
    private final EmbeddedMariaDb.Credentials credentials;
    private final String panKey = "base64:" + TestConfig.randomKeyBase64();

    public TwoNodes(SharedMariaDb server) {
        this.url = server.freshDatabase();
        this.credentials = server.credentials();
    }

    /** Settings of a node with its data under {@code dir} on the shared database, with {@code extra} on top. */
    public Map<String, String> settings(Path dir, Map<String, String> extra) {
        Map<String, String> v = TestConfig.values(dir);
        v.put("accrue.store.mode", "external");
        v.put("accrue.store.url", url);
        v.put("accrue.store.user", credentials.user());
        v.put("accrue.store.password", credentials.password());
        v.put("accrue.pan.key.1", panKey); // one cluster: one token key, or a node finds no card another enrolled
        v.putAll(extra);
        return new HashMap<>(v);
    }

    /** Starts a node on {@code dir}; {@code parts} turns parts off (no HTTP API unless it turns it on). */
    public Processor start(Path dir, Map<String, String> extra, UnaryOperator<Processor.Builder> parts) {
        return parts.apply(Processor.builder(TestConfig.config(settings(dir, extra))).http(false)).start();
    }
}
