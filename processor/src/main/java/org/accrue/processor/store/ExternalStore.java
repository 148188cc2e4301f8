/*
 * An external MariaDB (accrue.store.mode=external), checked before the pool and Flyway touch it: one plain JDBC
 * connection with the node's own URL, account and TLS settings. A failure becomes one StoreStartException line
 * naming the server (host:port from the URL, never the URL itself, which may carry options) and the account,
 * never the password: refused, timed out, unknown host, access denied, unknown database, TLS refused or not
 * trusted. Then the pool is measured against the server: pool-size-max must fit in max_connections less the
 * connections already open, and the info line says how many nodes of this size the server holds.
 *
 * MariaDB 10.11 with require_secure_transport answers a connection without TLS "access denied", like a wrong
 * password. So when access is denied to a node without TLS, the check asks once more over TLS without
 * verifying the server (restricted to the challenge-response logins, so no password is sent in clear to a server
 * it did not verify): if that gets in, the line says the server requires TLS.
 */
package org.accrue.processor.store;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.stream.Collectors;

import javax.net.ssl.SSLException;

import org.accrue.config.AccrueConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class ExternalStore {
    private static final Logger log = LoggerFactory.getLogger(ExternalStore.class);
    private static final int ER_ACCESS_DENIED = 1045;
    private static final int ER_DBACCESS_DENIED = 1044;
    private static final int ER_BAD_DB = 1049;
    /** Logins that never send the password itself: safe to try against a server whose certificate is not checked. */
    private static final String CHALLENGE_LOGINS = "mysql_native_password,client_ed25519";

    private ExternalStore() {
    }

    /** The node's URL with its TLS settings as Connector/J options (sslMode, serverSslCert). */
    static String url(AccrueConfig.Store s) {
        if (s.tls() == AccrueConfig.StoreTls.DISABLE) {
            return s.url();
        }
        return s.url() + (s.url().contains("?") ? "&" : "?") + "sslMode=" + s.tls().value()
                + "&serverSslCert=" + s.tlsCaFile();
    }

    /**
     * Connects once as the node will and checks the pool fits; throws a StoreStartException line otherwise.
     * {@code url} is {@link #url}'s.
     */
    static void check(AccrueConfig.Store s, String url) {
        String where = where(s.url());
        try (Connection c = connect(url, s, null)) {
            checkPool(c, s.poolSizeMax(), where);
        } catch (SQLException e) {
            throw new StoreStartException(explain(e, s, url, where));
        }
    }

    private static Connection connect(String url, AccrueConfig.Store s, String sslMode) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", s.user());
        p.setProperty("password", s.password());
        p.setProperty("connectTimeout", String.valueOf(s.connectTimeoutMs()));
        p.setProperty("socketTimeout", String.valueOf(s.connectTimeoutMs()));
        if (sslMode != null) {
            p.setProperty("sslMode", sslMode);
            p.setProperty("restrictedAuth", CHALLENGE_LOGINS);
        }
        return DriverManager.getConnection(url, p);
    }

    private static void checkPool(Connection c, int poolSizeMax, String where) throws SQLException {
        long maxConnections;
        long connected;
        try (Statement st = c.createStatement()) {
            try (ResultSet r = st.executeQuery("select @@max_connections")) {
                r.next();
                maxConnections = r.getLong(1);
            }
            try (ResultSet r = st.executeQuery("show global status like 'Threads_connected'")) {
                r.next();
                connected = r.getLong(2) - 1; // not this check's own connection
            }
        }
        long free = maxConnections - connected;
        if (poolSizeMax > free) {
            throw new StoreStartException("accrue.store.pool-size-max=" + poolSizeMax + " does not fit on " + where
                    + ": max_connections is " + maxConnections + " and " + connected + " are open, so " + free
                    + " are free; lower the pool or raise max_connections (nodes x pool-size-max + headroom <= max_connections)");
        }
        log.info("store: pool of {} connections per node; max_connections {} fits {} nodes ({} connections open now)",
                poolSizeMax, maxConnections, maxConnections / poolSizeMax, connected);
    }

    /** One line for a failed connection; the password never appears (the driver's text is masked too). */
    private static String explain(SQLException e, AccrueConfig.Store s, String url, String where) {
        String account = "user '" + s.user() + "'";
        Throwable cause = rootOf(e, ConnectException.class, SocketTimeoutException.class, UnknownHostException.class,
                SSLException.class, java.security.cert.CertificateException.class);
        if (cause instanceof ConnectException && String.valueOf(cause.getMessage()).toLowerCase().contains("refused")) {
            return "connection refused by " + where + " (is MariaDB running there, on that port?)";
        }
        if (cause instanceof SocketTimeoutException
                || cause instanceof ConnectException && String.valueOf(cause.getMessage()).toLowerCase().contains("timed out")) {
            return "connecting to " + where + " timed out after " + s.connectTimeoutMs()
                    + " ms (accrue.store.connect-timeout-ms): no answer from the server (down, hung, or a firewall)";
        }
        if (cause instanceof ConnectException) {
            return "cannot reach " + where + ": " + firstLine(masked(cause, s.password()));
        }
        if (cause instanceof UnknownHostException) {
            return "unknown host in accrue.store.url: " + where;
        }
        String text = masked(e, s.password());
        if (cause instanceof SSLException || cause instanceof java.security.cert.CertificateException
                || text.contains("PKIX") || text.contains("certificate")) {
            return "TLS to " + where + " failed: the server's certificate is not trusted by accrue.store.tls-ca-file "
                    + s.tlsCaFile() + " (accrue.store.tls=" + s.tls().value() + "): " + firstLine(text);
        }
        if (text.contains("ssl not enabled in the server") || text.contains("SSL not enabled")) {
            return where + " does not offer TLS, which accrue.store.tls=" + s.tls().value() + " requires";
        }
        int code = e.getErrorCode();
        if (code == ER_ACCESS_DENIED) {
            if (s.tls() == AccrueConfig.StoreTls.DISABLE && getsInOverTls(url, s)) {
                return where + " requires TLS (require_secure_transport) and accrue.store.tls=disable: set "
                        + "accrue.store.tls=verify-ca or verify-full and accrue.store.tls-ca-file";
            }
            return "access denied for " + account + " on " + where + " (wrong user or password: accrue.store.user, "
                    + "accrue.store.password)";
        }
        if (code == ER_BAD_DB || code == ER_DBACCESS_DENIED) {
            return "database '" + database(s.url()) + "' on " + where + " does not exist or " + account
                    + " has no grant on it (" + firstLine(text) + ")";
        }
        return "cannot connect to " + where + " as " + account + ": " + firstLine(text);
    }

    private static boolean getsInOverTls(String url, AccrueConfig.Store s) {
        try (Connection ignored = connect(url, s, "trust")) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    @SafeVarargs
    private static Throwable rootOf(Throwable e, Class<? extends Throwable>... kinds) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            for (Class<? extends Throwable> k : kinds) {
                if (k.isInstance(t)) {
                    return t;
                }
            }
        }
        return null;
    }

    private static String masked(Throwable e, String password) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t.getMessage()).append(' ');
        }
        String text = b.toString();
        return password == null || password.isEmpty() ? text : text.replace(password, "***");
    }

    private static String firstLine(String text) {
        String line = text.strip();
        int nl = line.indexOf('\n');
        return nl < 0 ? line : line.substring(0, nl).strip();
    }

    /** host:port of each address in the URL, as Connector/J reads it (never the URL, never its options). */
    static String where(String url) {
        try {
            return org.mariadb.jdbc.Configuration.parse(url).addresses().stream()
                    .map(a -> a.host + ":" + a.port).collect(Collectors.joining(","));
        } catch (SQLException | RuntimeException e) {
            return "the server of accrue.store.url";
        }
    }

    private static String database(String url) {
        try {
            return org.mariadb.jdbc.Configuration.parse(url).database();
        } catch (SQLException | RuntimeException e) {
            return "?";
        }
    }
}
