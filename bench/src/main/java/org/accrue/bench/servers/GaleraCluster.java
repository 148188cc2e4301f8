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
 * The members' files (my.cnf, init.sql, the position a stopped member's data
 * holds) are GaleraFiles'; what the harness asks a running member over SQL
 * (wsrep status, connections, pc.bootstrap) is GaleraProbe's.
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.accrue.bench.node.NodeDir;

public final class GaleraCluster implements StoreServer {
    public static final int MEMBERS = 3;
    public static final String DATABASE = "accrue";
    static final String USER = "accrue";
    /** The harness's own account: status, the processlist, pc.bootstrap (SUPER). Same password; never the nodes'. */
    static final String ADMIN = "harness";
    private static final int PASSWORD_CHARS = 24;
    /** A member's start, SST or IST included, on a slow shared machine. */
    private static final long MEMBER_READY_TIMEOUT_MS = 120_000;
    private static final long POLL_MS = 100;
    /** Connector/J's tries (250 ms apart) when no member takes a connection: see jdbcUrl. */
    public static final int RETRIES_ALL_DOWN = 4;
    static final long STOP_WAIT_SECONDS = 60;

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


    private final GaleraFiles files;
    private final GaleraProbe probe;
    private final String password;
    private final List<GaleraFiles.Ports> ports;
    private final Process[] processes = new Process[MEMBERS];
    private final boolean asMysql;

    private GaleraCluster(Path dir, String password, List<GaleraFiles.Ports> ports) {
        this.files = new GaleraFiles(dir, ports);
        this.probe = new GaleraProbe(ports, password);
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
        List<GaleraFiles.Ports> ports = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            ports.add(new GaleraFiles.Ports(NodeDir.freePort(), NodeDir.freePort(), NodeDir.freePort(), NodeDir.freePort()));
        }
        GaleraCluster c = new GaleraCluster(dir, randomPassword(), ports);
        try {
            c.install();
            c.launch(0, true);
            c.awaitSynced(0, 1);
            Files.delete(c.files.memberDir(0).resolve("init.sql")); // done: it holds the password, and a restart must not run it
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

    private void install() throws IOException {
        files.write(password);
        if (asMysql) {
            run(List.of("chown", "-R", "mysql:mysql", files.dir().toString()), "chown");
        }
        List<String> cmd = new ArrayList<>(List.of(DebianPackages.Program.MARIADB_INSTALL_DB.path().toString(),
                "--defaults-file=" + files.memberDir(0).resolve("my.cnf"), "--auth-root-authentication-method=socket",
                "--skip-test-db"));
        if (asMysql) {
            cmd.add("--user=mysql");
        }
        run(cmd, "mariadb-install-db");
    }

    private List<String> mariadbd(int i) {
        List<String> cmd = new ArrayList<>(List.of(DebianPackages.Program.MARIADBD.path().toString(),
                "--defaults-file=" + files.memberDir(i).resolve("my.cnf")));
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
        if (i == 0 && Files.exists(files.memberDir(0).resolve("init.sql"))) {
            cmd.add("--init-file=" + files.memberDir(0).resolve("init.sql"));
        }
        processes[i] = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(files.memberDir(i).resolve("console.log").toFile())).start();
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
                    files.dataDir(0) + "/", files.dataDir(i) + "/"), "copy of member 0's data to member " + i);
        }
    }

    static void run(List<String> cmd, String what) throws IOException {
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
                throw new IOException("Galera member " + i + " exited while starting; see " + files.memberDir(i).resolve("error.log"));
            }
            s = status(i);
            if (s.synced() && s.ready() && s.clusterSize() >= clusterSize) {
                return;
            }
            pause();
        }
        throw new IOException("Galera member " + i + " not Synced in a cluster of " + clusterSize + " within "
                + MEMBER_READY_TIMEOUT_MS + " ms (last " + s + "); see " + files.memberDir(i).resolve("error.log"));
    }

    static void pause() {
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
        return probe.status(i);
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
        return probe.clientConnections(i);
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
                int first = files.mostAdvancedStopped(starting, this::mariadbd);
                files.markSafeToBootstrap(first);
                launch(first, true, files.recoveredPosition(first, mariadbd(first)));
                awaitSynced(first, 1);
                live = List.of(first);
                starting = starting.stream().filter(m -> m != first).toList();
            } else if (live.stream().noneMatch(m -> status(m).primary())) {
                int first = live.stream().max(java.util.Comparator.comparingLong(m -> status(m).lastCommitted())).orElseThrow();
                bootstrapPrimary(first);
            }
            for (int m : starting) {
                launch(m, false, files.recoveredPosition(m, mariadbd(m)));
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
        probe.bootstrapPrimary(i);
        awaitSynced(i, 1);
    }

    /** The member's error log (Galera's view changes, SSTs), for a failing test's message. */
    public Optional<Path> errorLog(int i) {
        Path p = files.memberDir(i).resolve("error.log");
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
