/*
 * The configuration's checks that concern the store as a whole: TLS settings that fit together, and connections the
 * pool must hold for what runs at once (posting's workers beside the rest of the node).
 */
package org.accrue.config;

import java.nio.file.Path;

final class StoreChecks {
    private StoreChecks() {
    }

    /**
     * Posting workers: 4 by default (measured: posting stops getting faster past 4 on a 2-core machine, bench/RESULTS.md
     * issue 14), fewer when the pool leaves less than 2 connections to the rest of the node; a setting that leaves less
     * is refused.
     */
    static int postingWorkers(Settings s, AccrueConfig.Store store) {
        int room = store.poolSizeMax() - 2;
        int workers = s.integer("accrue.jobs.posting.workers", Math.max(1, Math.min(4, room)), 1, 16);
        if (workers > Math.max(1, room)) {
            throw new ConfigException("accrue.jobs.posting.workers=" + workers + " needs " + (workers + 2)
                    + " connections while posting runs, more than accrue.store.pool-size-max=" + store.poolSizeMax());
        }
        return workers;
    }

    static Path tlsCaFile(Settings s) {
        String v = s.string("accrue.store.tls-ca-file", null);
        return v == null ? null : Path.of(v).toAbsolutePath();
    }

    /** TLS is for an external store, and a verify mode needs a CA file the node can read; a CA alone is a mistake. */
    static void tls(AccrueConfig.Store store) {
        if (store.tls() != AccrueConfig.StoreTls.DISABLE && store.mode() != AccrueConfig.StoreMode.EXTERNAL) {
            throw new ConfigException("accrue.store.tls=" + store.tls().value()
                    + " needs accrue.store.mode=external (the embedded store is loopback and socket only)");
        }
        if (store.tls() == AccrueConfig.StoreTls.DISABLE) {
            if (store.tlsCaFile() != null) {
                throw new ConfigException("accrue.store.tls-ca-file is set but accrue.store.tls=disable: "
                        + "set accrue.store.tls=verify-ca or verify-full, or remove the CA file");
            }
            return;
        }
        if (store.tlsCaFile() == null) {
            throw new ConfigException("accrue.store.tls=" + store.tls().value()
                    + " needs accrue.store.tls-ca-file: the CA certificate (PEM) that signed the server's certificate");
        }
        if (!java.nio.file.Files.isRegularFile(store.tlsCaFile()) || !java.nio.file.Files.isReadable(store.tlsCaFile())) {
            throw new ConfigException("accrue.store.tls-ca-file " + store.tlsCaFile() + " is not a readable file");
        }
    }
}
