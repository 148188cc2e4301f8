/*
 * A three-member MariaDB Galera cluster on this machine, started by the
 * harness: three Debian `mariadbd` processes (galera-4 provider), each with
 * its own data directory, SQL port and Galera ports (group communication,
 * IST, rsync SST), all on 127.0.0.1.
 *
 * Method: member 0 is installed (mariadb-install-db) and bootstraps a new
 * cluster (--wsrep-new-cluster), creating the `accrue` database and account
 * from an init file; it is stopped cleanly and its data copied to members 1
 * and 2, so all three hold the same cluster state, and the cluster is
 * bootstrapped again from member 0 with the others joining at once with
 * nothing to transfer (a full rsync SST to each joiner took 12 s of a 34 s
 * start: two SSTs, one after the other, as a donor serves one). Every wait is a poll of the member's
 * wsrep status (state Synced, cluster size), never a sleep. Run as root, the
 * members run as the OS user `mysql` (`--user`): the rsync SST scripts refuse
 * root. The nodes get a sequential failover URL (jdbcUrl): every connection
 * goes to the first member that accepts it, so writers stay on one member, as
 * Galera wants for row locks (a lock is local to a member; two members
 * writing the same rows conflict at certification instead of waiting).
 *
 * Faults: kill(i) is kill -9 of a member. restart(members...) starts members
 * again on their data: while a Primary component lives they rejoin it (IST
 * when the donor's gcache still holds what they missed, SST otherwise); when
 * the live members have lost quorum (non-Primary), the most advanced of them
 * is made Primary first (pc.bootstrap=YES, the Galera-documented recovery
 * when the others are known dead); when no member runs at all, the most
 * advanced (by `mariadbd --wsrep-recover`) is marked safe_to_bootstrap in its
 * grastate.dat and bootstraps a new cluster, as after a full shutdown.
 *
 * Measured on 2 shared cores: start 34.5 s with two SSTs, 14-17 s with the
 * copy (49 s while other builds load the machine); two killed members
 * rejoining by IST after a pc.bootstrap, 13 s (53 s when they asked for SSTs:
 * an rsync donor blocks writes while it copies).
 */
package org.accrue.bench.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.accrue.bench.node.NodeDir;

public final class GaleraCluster implements StoreServer {
    public static final int MEMBERS = 3;
    public static final String DATABASE = "accrue";
    private static final String USER = "accrue";
    /** The harness's own account: status, the processlist, pc.bootstrap (SUPER). Same password; never the nodes'. */
    private static final String ADMIN = "harness";
    private static final String CLUSTER_NAME = "accrue-harness";
    private static final int PASSWORD_CHARS = 24;
    /** A member's start, SST or IST included, on a slow shared machine. */
    private static final long MEMBER_READY_TIMEOUT_MS = 120_000;
    private static final long POLL_MS = 100;
    /** Connector/J's tries (250 ms apart) when no member takes a connection: see jdbcUrl. */
    public static final int RETRIES_ALL_DOWN = 4;
    private static final long STOP_WAIT_SECONDS = 60;
    private static final Pattern RECOVERED = Pattern.compile("WSREP: Recovered position:\\s*([0-9a-f-]+:-?\\d+)");
    private static final Pattern GRASTATE_UUID = Pattern.compile("(?m)^uuid:\\s*([0-9a-f-]+)");
    private static final Pattern GRASTATE_SEQNO = Pattern.compile("(?m)^seqno:\\s*(-?\\d+)");

    /** A member's wsrep view as it reports it; {@code up} false when it did not answer. */
    public record Status(boolean up, String state, String clusterStatus, int clusterSize, boolean ready, long lastCommitted) {
        static final Status DOWN = new Status(false, "", "", 0, false, -1);

        public boolean synced() {
            return up && "Synced".equals(state) && "Primary".equals(clusterStatus);
        }

        public boolean primary() {
            return up && "Primary".equals(clusterStatus);
        }
    }

    private record Ports(int sql, int gmcast, int ist, int sst) {
    }

    private final Path dir;
    private final String password;
    private final List<Ports> ports;
    private final Process[] processes = new Process[MEMBERS];
    private final boolean asMysql;

    private GaleraCluster(Path dir, String password, List<Ports> ports) {
        this.dir = dir;
        this.password = password;
        this.ports = ports;
        this.asMysql = "root".equals(System.getProperty("user.name"));
    }

    /** Installs what is missing (as root), starts the three members in {@code dir} (emptied first), returns once all are Synced. */
    public static GaleraCluster start(Path dir) throws IOException {
        DebianPackages.ensure(DebianPackages.Program.MARIADBD, DebianPackages.Program.MARIADB_INSTALL_DB,
                DebianPackages.Program.GALERA_PROVIDER);
        if (!Files.isExecutable(Path.of("/usr/bin/rsync"))) {
            throw new IOException("Galera's rsync state transfer needs /usr/bin/rsync: `apt-get install rsync` (as root)");
        }
        NodeDir.emptyDirectory(dir);
        Files.createDirectories(dir);
        List<Ports> ports = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            ports.add(new Ports(NodeDir.freePort(), NodeDir.freePort(), NodeDir.freePort(), NodeDir.freePort()));
        }
        GaleraCluster c = new GaleraCluster(dir, randomPassword(), ports);
        try {
            c.install();
            c.launch(0, true);
            c.awaitSynced(0, 1);
            Files.delete(c.memberDir(0).resolve("init.sql")); // done: it holds the password, and a restart must not run it
            c.stopCleanly(0);
            c.cloneData();
            c.launch(0, true);
            c.awaitSynced(0, 1);
            for (int i = 1; i < MEMBERS; i++) {
                c.launch(i, false);
            }
            for (int i = 1; i < MEMBERS; i++) {
                c.awaitSynced(i, MEMBERS);
            }
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static String randomPassword() {
        String letters = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        SecureRandom r = new SecureRandom();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < PASSWORD_CHARS; i++) {
            b.append(letters.charAt(r.nextInt(letters.length())));
        }
        return b.toString();
    }

    private Path memberDir(int i) {
        return dir.resolve("m" + i);
    }

    private Path dataDir(int i) {
        return memberDir(i).resolve("data");
    }

    private void install() throws IOException {
        for (int i = 0; i < MEMBERS; i++) {
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
                """.formatted(DATABASE, USER, password, DATABASE, USER, ADMIN, password, ADMIN));
        if (asMysql) {
            run(List.of("chown", "-R", "mysql:mysql", dir.toString()), "chown");
        }
        List<String> cmd = new ArrayList<>(List.of(DebianPackages.Program.MARIADB_INSTALL_DB.path().toString(),
                "--defaults-file=" + memberDir(0).resolve("my.cnf"), "--auth-root-authentication-method=socket",
                "--skip-test-db"));
        if (asMysql) {
            cmd.add("--user=mysql");
        }
        run(cmd, "mariadb-install-db");
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

    private List<String> mariadbd(int i) {
        List<String> cmd = new ArrayList<>(List.of(DebianPackages.Program.MARIADBD.path().toString(),
                "--defaults-file=" + memberDir(i).resolve("my.cnf")));
        if (asMysql) {
            cmd.add("--user=mysql"); // mariadbd drops root itself, before Galera starts (rsync SST refuses root)
        }
        return cmd;
    }

    private synchronized void launch(int i, boolean newCluster) throws IOException {
        launch(i, newCluster, Optional.empty());
    }

    private synchronized void launch(int i, boolean newCluster, Optional<String> startPosition) throws IOException {
        List<String> cmd = mariadbd(i);
        startPosition.ifPresent(p -> cmd.add("--wsrep-start-position=" + p));
        if (newCluster) {
            cmd.add("--wsrep-new-cluster");
        }
        if (i == 0 && Files.exists(memberDir(0).resolve("init.sql"))) {
            cmd.add("--init-file=" + memberDir(0).resolve("init.sql"));
        }
        processes[i] = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(memberDir(i).resolve("console.log").toFile())).start();
    }

    /** SIGTERM and a wait: a clean InnoDB and Galera shutdown (grastate.dat gets its seqno). */
    private void stopCleanly(int i) throws IOException {
        Process p = processes[i];
        p.destroy();
        try {
            if (!p.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("Galera member " + i + " did not stop within " + STOP_WAIT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Member 0's stopped data to the others, owners kept, without its write-set cache (each member makes its own). */
    private void cloneData() throws IOException {
        for (int i = 1; i < MEMBERS; i++) {
            run(List.of("rsync", "-a", "--delete", "--exclude=galera.cache", "--exclude=gvwstate.dat",
                    dataDir(0) + "/", dataDir(i) + "/"), "copy of member 0's data to member " + i);
        }
    }

    private static void run(List<String> cmd, String what) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(what + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + what, e);
        }
    }

    /** Polls member {@code i} until it is Synced in a Primary component of at least {@code clusterSize}. */
    private void awaitSynced(int i, int clusterSize) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MEMBER_READY_TIMEOUT_MS);
        Status s = Status.DOWN;
        while (System.nanoTime() < deadline) {
            Process p = processes[i];
            if (p == null || !p.isAlive()) {
                throw new IOException("Galera member " + i + " exited while starting; see " + memberDir(i).resolve("error.log"));
            }
            s = status(i);
            if (s.synced() && s.ready() && s.clusterSize() >= clusterSize) {
                return;
            }
            pause();
        }
        throw new IOException("Galera member " + i + " not Synced in a cluster of " + clusterSize + " within "
                + MEMBER_READY_TIMEOUT_MS + " ms (last " + s + "); see " + memberDir(i).resolve("error.log"));
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MS); // a poll interval, not a synchronization
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The sequential failover URL over the members, in order: the nodes write to the first that accepts.
     * retriesAllDown=4: when every member is down or refuses (a member without quorum answers error 1047, SQLState
     * 08S01, which the driver takes for a dead link), Connector/J tries again every 250 ms, 120 times by default: a
     * commit then hangs 30 s inside the driver (seen in a thread dump: JournalWriter.commit in
     * MultiPrimaryClient.reConnect), the journal's deadline answers 96 only every 5 s, and recovery waits for the loop.
     * 4 tries is a second.
     */
    @Override
    public String jdbcUrl() {
        return "jdbc:mariadb:sequential://" + ports.stream().map(p -> "127.0.0.1:" + p.sql()).collect(Collectors.joining(","))
                + "/" + DATABASE + "?retriesAllDown=" + RETRIES_ALL_DOWN;
    }

    /** The URL of member {@code i} alone. */
    public String memberUrl(int i) {
        return "jdbc:mariadb://127.0.0.1:" + ports.get(i).sql() + "/" + DATABASE;
    }

    private Connection admin(int i, int socketTimeoutMs) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + ports.get(i).sql() + "/?connectTimeout=1000&socketTimeout="
                + socketTimeoutMs, ADMIN, password);
    }

    @Override
    public String user() {
        return USER;
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public int members() {
        return MEMBERS;
    }

    public boolean isRunning(int i) {
        Process p = processes[i];
        return p != null && p.isAlive();
    }

    /** Member {@code i}'s wsrep status, or {@link Status#DOWN} when it does not answer within a second or two. */
    public Status status(int i) {
        if (!isRunning(i)) {
            return Status.DOWN;
        }
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

    /**
     * Polls member {@code i} until it reports a non-Primary component (it has lost quorum: Galera notices a dead
     * member after evs.suspect_timeout, 5 s); returns the seconds it took.
     */
    public double awaitNonPrimary(int i, long timeoutMs) throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            Status s = status(i);
            if (s.up() && !s.primary()) {
                return (System.nanoTime() - t0) / 1e9;
            }
            Thread.sleep(POLL_MS); // a poll interval, with a deadline
        }
        throw new IllegalStateException("Galera member " + i + " still Primary (or down) after " + timeoutMs + " ms: " + status(i));
    }

    /** How many connections of the nodes' account member {@code i} holds besides this one: where the nodes write. */
    public int clientConnections(int i) {
        try (Connection c = admin(i, 2000);
             var ps = c.prepareStatement("select count(*) from information_schema.processlist where user = ?")) {
            ps.setString(1, USER);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            return 0;
        }
    }

    /** kill -9 of member {@code i}: no clean shutdown, its sockets reset, its grastate.dat left at seqno -1. */
    @Override
    public synchronized void kill(int i) {
        Process p = processes[i];
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            p.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void restart(int i) {
        restart(new int[] {i});
    }

    /**
     * Starts the given members again on their data and returns once the cluster is Primary with every running
     * member Synced. When the members still running have no quorum, the most advanced is bootstrapped first
     * (pc.bootstrap=YES); when none runs, the most advanced of those asked for starts a new cluster.
     */
    public synchronized void restart(int... members) {
        try {
            List<Integer> live = IntStream.range(0, MEMBERS).filter(this::isRunning).boxed().toList();
            List<Integer> starting = IntStream.of(members).filter(m -> !isRunning(m)).distinct().boxed().toList();
            if (live.isEmpty()) {
                if (starting.isEmpty()) {
                    return;
                }
                int first = mostAdvancedStopped(starting);
                markSafeToBootstrap(first);
                launch(first, true, recoveredPosition(first));
                awaitSynced(first, 1);
                live = List.of(first);
                starting = starting.stream().filter(m -> m != first).toList();
            } else if (live.stream().noneMatch(m -> status(m).primary())) {
                int first = live.stream().max(java.util.Comparator.comparingLong(m -> status(m).lastCommitted())).orElseThrow();
                bootstrapPrimary(first);
            }
            for (int m : starting) {
                launch(m, false, recoveredPosition(m));
            }
            int size = live.size() + starting.size();
            for (int m : starting) {
                awaitSynced(m, size);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes a live, non-Primary member a Primary component of its own (the others are dead, not partitioned). */
    private void bootstrapPrimary(int i) throws IOException {
        try (Connection c = admin(i, 5000);
             var st = c.createStatement()) {
            st.execute("SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'");
        } catch (SQLException e) {
            throw new IOException("pc.bootstrap on member " + i + ": " + e.getMessage(), e);
        }
        awaitSynced(i, 1);
    }

    /** The stopped member whose data holds the most commits: grastate.dat's seqno, or InnoDB's after a kill (-1 there). */
    private int mostAdvancedStopped(List<Integer> candidates) throws IOException {
        int best = candidates.getFirst();
        long bestSeqno = Long.MIN_VALUE;
        for (int m : candidates) {
            long seqno = recoveredPosition(m).map(p -> Long.parseLong(p.substring(p.lastIndexOf(':') + 1))).orElse(-1L);
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
    private Optional<String> recoveredPosition(int i) throws IOException {
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
        List<String> cmd = mariadbd(i);
        cmd.addAll(List.of("--wsrep-recover", "--log-error=" + log));
        Files.deleteIfExists(log);
        // Neither its exit status nor its exit says anything of the position (measured: 1 after printing it, on a
        // table it could not open; once, no exit for a minute after printing it): its log does, and once the
        // position is there the process is ended.
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_WAIT_SECONDS);
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
                pause();
            }
        } finally {
            p.destroyForcibly();
            try {
                p.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return Optional.ofNullable(position);
    }

    /** What an operator does after a full shutdown, once sure this member is the most advanced. */
    private void markSafeToBootstrap(int i) throws IOException {
        Path grastate = dataDir(i).resolve("grastate.dat");
        if (Files.exists(grastate)) {
            Files.writeString(grastate, Files.readString(grastate).replaceAll("(?m)^safe_to_bootstrap:\\s*0", "safe_to_bootstrap: 1"));
        }
    }

    /** The member's error log (Galera's view changes, SSTs), for a failing test's message. */
    public Optional<Path> errorLog(int i) {
        Path p = memberDir(i).resolve("error.log");
        return Files.exists(p) ? Optional.of(p) : Optional.empty();
    }

    /** Stops every member the hard way: the data is thrown away with the harness's directory. */
    @Override
    public synchronized void close() {
        for (int i = 0; i < MEMBERS; i++) {
            kill(i);
        }
    }
}
