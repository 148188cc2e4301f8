/*
 * What the harness asks a running Galera member over SQL, as its own account
 * (status, the processlist, pc.bootstrap need SUPER; never the nodes'
 * account): its wsrep view, how many of the nodes' connections it holds, and
 * pc.bootstrap=YES to make it a Primary component of its own.
 */
package org.accrue.bench.servers;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;

import org.accrue.bench.servers.GaleraCluster.Status;

final class GaleraProbe {
    private final List<GaleraFiles.Ports> ports;
    private final String password;

    GaleraProbe(List<GaleraFiles.Ports> ports, String password) {
        this.ports = List.copyOf(ports);
        this.password = password;
    }

    private Connection admin(int i, int socketTimeoutMs) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + ports.get(i).sql() + "/?connectTimeout=1000&socketTimeout="
                + socketTimeoutMs, GaleraCluster.ADMIN, password);
    }

    /** Member {@code i}'s wsrep status, or {@link Status#DOWN} when it does not answer within a second or two. */
    Status status(int i) {
        try (Connection c = admin(i, 2000);
             var st = c.createStatement();
             var rs = st.executeQuery("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state_comment',"
                     + " 'wsrep_cluster_status', 'wsrep_cluster_size', 'wsrep_ready', 'wsrep_last_committed')")) {
            String state = "";
            String cluster = "";
            int size = 0;
            boolean ready = false;
            long last = -1;
            while (rs.next()) {
                String v = rs.getString(2);
                switch (rs.getString(1).toLowerCase(java.util.Locale.ROOT)) {
                    case "wsrep_local_state_comment" -> state = v;
                    case "wsrep_cluster_status" -> cluster = v;
                    case "wsrep_cluster_size" -> size = Integer.parseInt(v);
                    case "wsrep_ready" -> ready = "ON".equalsIgnoreCase(v);
                    case "wsrep_last_committed" -> last = Long.parseLong(v);
                    default -> { }
                }
            }
            return new Status(true, state, cluster, size, ready, last);
        } catch (SQLException e) {
            return Status.DOWN;
        }
    }

    /** How many connections of the nodes' account member {@code i} holds besides this one. */
    int clientConnections(int i) {
        try (Connection c = admin(i, 2000);
             var ps = c.prepareStatement("select count(*) from information_schema.processlist where user = ?")) {
            ps.setString(1, GaleraCluster.USER);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            return 0;
        }
    }

    /** pc.bootstrap=YES on member {@code i}. */
    void bootstrapPrimary(int i) throws IOException {
        try (Connection c = admin(i, 5000);
             var st = c.createStatement()) {
            st.execute("SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'");
        } catch (SQLException e) {
            throw new IOException("pc.bootstrap on member " + i + ": " + e.getMessage(), e);
        }
    }
}
