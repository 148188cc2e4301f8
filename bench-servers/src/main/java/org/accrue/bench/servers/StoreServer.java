/*
 * A database the nodes of a cluster run share, started by the harness: one
 * Debian MariaDB server (DebianMariaDb) or a Galera cluster of three
 * (GaleraCluster). The cluster scenario and the tests speak to it through
 * this: where the nodes connect, and the faults it can suffer.
 */
package org.accrue.bench.servers;

public interface StoreServer extends AutoCloseable {
    /** The JDBC URL the nodes are given as accrue.store.url (for Galera a sequential failover URL over its members). */
    String jdbcUrl();

    String user();

    String password();

    /** How many database servers (processes) it is made of. */
    int members();

    /** kill -9 of member {@code i} (0-based). */
    void kill(int i);

    /** Starts member {@code i} again after a kill, on the same data. */
    void restart(int i);

    @Override
    void close();
}
