/*
 * Gives a test class a running processor node on a fresh database of the
 * shared MariaDB: real ISO listener socket, real HTTP port. One node per
 * test class, closed after it. On a MovableClock when the class asks for
 * one (@MovableClock.Used), else on the system clock.
 */
package org.accrue.processor.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.Processor;
import org.accrue.processor.store.EmbeddedMariaDb;
import org.accrue.processor.store.Store;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

public final class ProcessorExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ProcessorExtension.class);

    /** A running node, the settings it was started with, and its database on the shared server. */
    public record Node(Processor processor, Map<String, String> settings, Path dataDir, String databaseUrl,
                       EmbeddedMariaDb.Credentials databaseCredentials)
            implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            processor.close();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        node(context);
    }

    private static Node node(ExtensionContext context) {
        ExtensionContext classContext = context.getParent().filter(p -> p.getTestClass().isPresent()
                && context.getTestMethod().isPresent()).orElse(context);
        // The clock first: the node is started on it, and the store computes one value at a time.
        InstantSource clock = context.getTestClass().filter(c -> c.isAnnotationPresent(MovableClock.Used.class))
                .<InstantSource>map(c -> clock(context)).orElse(InstantSource.system());
        return classContext.getStore(NS).getOrComputeIfAbsent(Node.class, k -> {
            try {
                // A name without long digit runs: paths show up in logs, and the PAN scans read the logs.
                Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"),
                        "accrue-node-" + java.util.UUID.randomUUID().toString().replaceAll("[0-9-]", "")));
                Map<String, String> values = TestConfig.values(dir);
                context.getTestClass().map(c -> c.getAnnotation(NodeSettings.class)).ifPresent(a -> {
                    for (String kv : a.value()) {
                        values.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
                    }
                });
                AccrueConfig config = TestConfig.config(values);
                SharedMariaDb shared = SharedMariaDb.get(context);
                String url = shared.freshDatabase();
                EmbeddedMariaDb.Credentials credentials = shared.credentials();
                Store store = Store.connect(null, url, credentials.user(), credentials.password(), config.store(),
                        Processor.ENTITIES);
                return new Node(Processor.builder(config).store(store).clock(clock).start(), values, dir, url, credentials);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }, Node.class);
    }

    /** The test class's movable clock (one per class, as its node). */
    private static MovableClock clock(ExtensionContext context) {
        ExtensionContext classContext = context.getParent().filter(p -> p.getTestClass().isPresent()
                && context.getTestMethod().isPresent()).orElse(context);
        return classContext.getStore(NS).getOrComputeIfAbsent(MovableClock.class, k -> new MovableClock(),
                MovableClock.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == Node.class || p.getParameter().getType() == MovableClock.class
                && e.getTestClass().filter(c -> c.isAnnotationPresent(MovableClock.Used.class)).isPresent();
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        if (p.getParameter().getType() == MovableClock.class) {
            node(e); // the node runs on the clock it is given
            return clock(e);
        }
        return node(e);
    }
}
