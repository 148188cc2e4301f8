/*
 * How the pool opens a connection to MariaDB: the driver, tried again every RETRY_EVERY_MS while the server refuses
 * or cannot be reached, until it answers or the pool closes.
 *
 * Why. HikariCP 6's connection adder (one thread per pool) sleeps after each failed attempt, doubling from 10 ms to
 * 5 s (HikariPool.PoolEntryCreator; no setting changes it). A store down for more than about 5 s left the pool with
 * no connections and an adder that tried once every 5 s: once the server was back, the node answered 96 for up to
 * 5 s more (3.7 s and 3.8 s measured; 26-101 ms with this class, over outages of 5 to 11 s: StoreOutageRecoveryTest,
 * bench/RESULTS.md "store outage recovery"). Retrying inside the one
 * attempt, every RETRY_EVERY_MS, means the adder never reaches that sleep while the store is unreachable, so the
 * pool has a connection within RETRY_EVERY_MS plus one connect of the server accepting again.
 *
 * Nobody waits on this loop but the adder: a caller of the pool still waits at most accrue.store.connect-timeout-ms
 * for a connection (and the journal answers 96), as before. Only failures to reach the server (SQLState class 08,
 * or a connect that timed out) are retried; a refused login or an unknown database fails the attempt at once, as
 * the driver reports it. Each connect is bounded by the driver's connectTimeout (set in the URL by Store).
 */
package org.accrue.processor.store;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTimeoutException;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

import javax.sql.DataSource;

final class StoreConnections implements DataSource {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StoreConnections.class);
    /** How often an unreachable server is tried again by the pool's adder. */
    static final long RETRY_EVERY_MS = 100;

    private final org.mariadb.jdbc.Driver driver = new org.mariadb.jdbc.Driver();
    private final String url;
    private final Properties credentials = new Properties();
    private final BooleanSupplier poolClosed;
    private volatile int loginTimeoutS;

    /** {@code poolClosed}: true once the pool is closing; an attempt under way then gives up. */
    StoreConnections(String url, String user, String password, BooleanSupplier poolClosed) {
        this.url = url;
        this.credentials.setProperty("user", user);
        this.credentials.setProperty("password", password == null ? "" : password);
        this.poolClosed = poolClosed;
    }

    @Override
    public Connection getConnection() throws SQLException {
        long startedNanos = System.nanoTime();
        int attempts = 0;
        while (true) {
            try {
                Connection c = driver.connect(url, credentials);
                if (c == null) {
                    throw new SQLException("not a MariaDB JDBC URL: " + url);
                }
                if (attempts > 0) {
                    log.info("store reachable again after {} connection attempts over {} ms", attempts + 1,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
                }
                return c;
            } catch (SQLException e) {
                if (!unreachable(e) || poolClosed.getAsBoolean()) {
                    throw e;
                }
                if (attempts++ == 0) {
                    log.debug("store unreachable ({}); trying again every {} ms", e.getSQLState(), RETRY_EVERY_MS);
                }
                try {
                    Thread.sleep(RETRY_EVERY_MS); // a retry pace, not a synchronization
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt(); // the pool is shutting its adder down
                    throw e;
                }
            }
        }
    }

    /** The server cannot be reached (refused, reset, no route, timed out), as opposed to refusing this login. */
    static boolean unreachable(SQLException e) {
        String state = e.getSQLState();
        return e instanceof SQLTimeoutException || (state != null && state.startsWith("08"));
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the store's account is configured once");
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // no driver log writer: the driver logs through slf4j
    }

    @Override
    public void setLoginTimeout(int seconds) {
        loginTimeoutS = seconds; // the URL's connectTimeout bounds each connect
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeoutS;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        throw new SQLException("not a wrapper of " + type.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
        return type.isInstance(this);
    }

    @Override
    public String toString() {
        return "StoreConnections[" + url + "]"; // the URL carries no password: credentials are properties
    }
}
