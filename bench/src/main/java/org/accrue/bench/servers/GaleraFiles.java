/*
 * A Galera member's files, as GaleraCluster lays them out under its
 * directory: m<i>/my.cnf (its ports, the provider, the cluster's members),
 * m<i>/data, member 0's one-time init.sql (the database and the two accounts),
 * and the cluster position its stopped data holds (grastate.dat, or what
 * `mariadbd --wsrep-recover` reads from InnoDB after a kill), which decides
 * who bootstraps after a full shutdown and where a member starts from.
 */
package org.accrue.bench.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

final class GaleraFiles {
    private static final String CLUSTER_NAME = "accrue-harness";
    private static final Pattern RECOVERED = Pattern.compile("WSREP: Recovered position:\\s*([0-9a-f-]+:-?\\d+)");
    private static final Pattern GRASTATE_UUID = Pattern.compile("(?m)^uuid:\\s*([0-9a-f-]+)");
    private static final Pattern GRASTATE_SEQNO = Pattern.compile("(?m)^seqno:\\s*(-?\\d+)");

    /** A member's ports on 127.0.0.1: SQL, group communication, IST and rsync SST. */
    record Ports(int sql, int gmcast, int ist, int sst) {
    }

    private final Path dir;
    private final List<Ports> ports;

    GaleraFiles(Path dir, List<Ports> ports) {
        this.dir = dir;
        this.ports = List.copyOf(ports);
    }

    Path dir() {
        return dir;
    }

    Path memberDir(int i) {
        return dir.resolve("m" + i);
    }

    Path dataDir(int i) {
        return memberDir(i).resolve("data");
    }

    /** Every member's data directory and my.cnf, and member 0's init.sql with the accounts' {@code password}. */
    void write(String password) throws IOException {
        for (int i = 0; i < GaleraCluster.MEMBERS; i++) {
            Files.createDirectories(dataDir(i));
            Files.writeString(memberDir(i).resolve("my.cnf"), config(i));
        }
        // Only the account the nodes use, on the members' own database; the joiners get it with the data.
        Files.writeString(memberDir(0).resolve("init.sql"), """
                CREATE DATABASE IF NOT EXISTS %s CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
                CREATE USER IF NOT EXISTS '%s'@'127.0.0.1' IDENTIFIED BY '%s';
                GRANT ALL ON %s.* TO '%s'@'127.0.0.1';
                CREATE USER IF NOT EXISTS '%s'@'127.0.0.1' IDENTIFIED BY '%s';
                GRANT ALL ON *.* TO '%s'@'127.0.0.1';
                """.formatted(GaleraCluster.DATABASE, GaleraCluster.USER, password, GaleraCluster.DATABASE,
                GaleraCluster.USER, GaleraCluster.ADMIN, password, GaleraCluster.ADMIN));
    }

    private String config(int i) {
        Ports p = ports.get(i);
        String members = ports.stream().map(q -> "127.0.0.1:" + q.gmcast()).collect(Collectors.joining(","));
        return """
                [mariadbd]
                datadir=%s
                socket=%s
                pid-file=%s
                log-error=%s
                port=%d
                bind-address=127.0.0.1
                skip-name-resolve
                innodb_buffer_pool_size=64M
                innodb_log_file_size=48M
                innodb_flush_log_at_trx_commit=1
                # Galera's requirements: row-based replication, interleaved auto-increment locks, InnoDB
                binlog_format=ROW
                innodb_autoinc_lock_mode=2
                default_storage_engine=InnoDB
                wsrep_on=ON
                wsrep_provider=%s
                wsrep_cluster_name=%s
                wsrep_cluster_address=gcomm://%s
                wsrep_node_name=m%d
                wsrep_node_address=127.0.0.1:%d
                wsrep_node_incoming_address=127.0.0.1:%d
                wsrep_sst_method=rsync
                wsrep_sst_receive_address=127.0.0.1:%d
                wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:%d;ist.recv_addr=127.0.0.1:%d;gcache.size=64M"
                """.formatted(dataDir(i), memberDir(i).resolve("mariadb.sock"), memberDir(i).resolve("mariadbd.pid"),
                memberDir(i).resolve("error.log"), p.sql(), DebianPackages.Program.GALERA_PROVIDER.path(), CLUSTER_NAME,
                members, i, p.gmcast(), p.sql(), p.sst(), p.gmcast(), p.ist());
    }

    /** The stopped member whose data holds the most commits: grastate.dat's seqno, or InnoDB's after a kill (-1 there). */
    int mostAdvancedStopped(List<Integer> candidates, IntFunction<List<String>> mariadbd) throws IOException {
        int best = candidates.getFirst();
        long bestSeqno = Long.MIN_VALUE;
        for (int m : candidates) {
            long seqno = recoveredPosition(m, mariadbd.apply(m)).map(p -> Long.parseLong(p.substring(p.lastIndexOf(':') + 1))).orElse(-1L);
            if (seqno > bestSeqno) {
                best = m;
                bestSeqno = seqno;
            }
        }
        return best;
    }

    /**
     * The cluster position (uuid:seqno) a stopped member's data holds: grastate.dat's after a clean stop, else what
     * {@code mariadbd --wsrep-recover} reads from InnoDB (a killed member's grastate.dat says -1), as the packaged
     * service's galera_recovery does before a start. Started without it, a killed member asks for a full SST, and an
     * rsync donor blocks writes while it copies (measured: 33 s of the nodes' 96s after a restart).
     */
    Optional<String> recoveredPosition(int i, List<String> mariadbd) throws IOException {
        Path grastate = dataDir(i).resolve("grastate.dat");
        if (Files.exists(grastate)) {
            String g = Files.readString(grastate);
            Matcher seqno = GRASTATE_SEQNO.matcher(g);
            Matcher uuid = GRASTATE_UUID.matcher(g);
            if (seqno.find() && uuid.find() && Long.parseLong(seqno.group(1)) >= 0) {
                return Optional.of(uuid.group(1) + ":" + seqno.group(1));
            }
        }
        Path log = memberDir(i).resolve("recover.log");
        List<String> cmd = new ArrayList<>(mariadbd);
        cmd.addAll(List.of("--wsrep-recover", "--log-error=" + log));
        Files.deleteIfExists(log);
        // Neither its exit status nor its exit says anything of the position (measured: 1 after printing it, on a
        // table it could not open; once, no exit for a minute after printing it): its log does, and once the
        // position is there the process is ended.
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GaleraCluster.STOP_WAIT_SECONDS);
        String position = null;
        try {
            while (position == null && System.nanoTime() < deadline) {
                boolean exited = !p.isAlive();
                Matcher m = RECOVERED.matcher(Files.exists(log) ? Files.readString(log) : "");
                while (m.find()) {
                    position = m.group(1);
                }
                if (exited) {
                    break;
                }
                GaleraCluster.pause();
            }
        } finally {
            p.destroyForcibly();
            try {
                p.waitFor(GaleraCluster.STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return Optional.ofNullable(position);
    }

    /** What an operator does after a full shutdown, once sure this member is the most advanced. */
    void markSafeToBootstrap(int i) throws IOException {
        Path grastate = dataDir(i).resolve("grastate.dat");
        if (Files.exists(grastate)) {
            Files.writeString(grastate, Files.readString(grastate).replaceAll("(?m)^safe_to_bootstrap:\\s*0", "safe_to_bootstrap: 1"));
        }
    }
}
