/*
 * Reconciling a large confirmation file on a real node and embedded MariaDB:
 * N SENT rewards are seeded by the reward book (with their ledger rows up to
 * SEND) and their sent credits written straight to the store,
 * the issuer's confirmation file confirming all of them is written (OpenPGP:
 * encrypted to our key and signed with the issuer's, unless --pgp false), and
 * the import is timed end to end: receive, decrypt and verify, validate,
 * apply (outcomes, rewards POSTED; two transactions side by side, committed
 * once the whole file is valid). Run it with -Xmx512m
 * to check the heap bound; it prints the heap high-water mark. Before the
 * import is timed, MariaDB writes out the pages the seeding dirtied.
 * With --files N the lines are split into N files (each confirming its own
 * credits) imported at the same time, as when several issuers answer at once.
 * The file's lines come in the order of the statement credit file they
 * answer, which lists credits by credit id (--order sent), or shuffled
 * (--order shuffled), for an issuer that answers in an order of its own, or
 * by reward id (--order numeric, as this bench wrote its files before).
 * With --warmup N a file of N lines (confirming N more credits) is applied
 * first, untimed: the timed import then runs compiled code, as on a node that
 * has applied a file before.
 * Usage: ReconcileBench [--lines 1000000] [--pgp true] [--steps true (time each step)] [--files 1]
 *                       [--order sent|shuffled|numeric] [--warmup 0]
 */
package org.accrue.bench;

import java.io.BufferedWriter;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.accrue.config.AccrueConfig;
import org.accrue.config.Settings;
import org.accrue.processor.Processor;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.confirmations.ConfirmationImports;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.statements.StatementCredits;
import org.accrue.processor.store.Sql;
import org.accrue.reconciliation.pgp.PgpEncryption;
import org.accrue.reconciliation.pgp.PgpKeys;
import org.accrue.rewards.ledger.Reward;

public final class ReconcileBench {
    private ReconcileBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchFiles.options(args);
        int lines = Integer.parseInt(a.getOrDefault("lines", "1000000"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "0"));
        boolean pgp = Boolean.parseBoolean(a.getOrDefault("pgp", "true"));
        Path dir = BenchFiles.emptiedDataDir(a, "bench/target/reconcile-data");
        char[] pass = "bench".toCharArray();
        PgpKeys.Generated ours = PgpKeys.generate("accrue-bench", pass, 3072);
        PgpKeys.Generated issuer = PgpKeys.generate("issuer-bench", pass, 3072);
        Map<String, String> v = new HashMap<>();
        v.put("accrue.data-dir", dir.toString());
        v.put("accrue.log.level", "WARN");
        v.put("accrue.pan.key.1", "base64:" + Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32)));
        v.put("accrue.issuer.BENCH.name", "Bench Bank");
        if (pgp) {
            Path pub = dir.resolve("issuer.asc");
            Files.write(pub, issuer.armoredPublic());
            v.put("accrue.issuer.BENCH.pgp-public-key", pub.toString());
            v.put("accrue.pgp.secret-key", "base64:" + Base64.getEncoder().encodeToString(ours.armoredSecret()));
            v.put("accrue.pgp.passphrase", "base64:" + Base64.getEncoder().encodeToString("bench".getBytes()));
        }
        AccrueConfig config = AccrueConfig.from(Settings.of(BenchFiles.withOverrides(v)));
        try (Processor node = Processor.builder(config).offline().start()) { // jobs' code is called directly
            String pan = BenchMain.pans(1).getFirst();
            var card = node.enrollment().enroll("BENCH", new Enrollment.Request(pan, "ACCT-BENCH", "BENCH", null, null));
            long t0 = System.nanoTime();
            // SENT rewards (and their ledger up to SEND) by the reward book; the file's lines name them by row id.
            RewardBook.Seeded seeded = Sql.inTransaction(node.store().dataSource(), c -> RewardBook.seed(c,
                    new RewardBook.Seed(lines + warmup, "BENCH", "bench-offer", "MERCHANT:bench", "USD", Reward.Status.SENT,
                            100, 900), Instant.now()));
            if (seeded.firstRowId() != 1 || seeded.rowIdStep() != 50) {
                throw new IllegalStateException("the confirmation files name rewards 1, 51, 101 ...; seeded " + seeded);
            }
            // Their credits ("C<reward row>"), sent in a file: batch 1, filed (the statement credits' owner writes them).
            Sql.inTransaction(node.store().dataSource(), c -> StatementCredits.seedFiled(c, "BENCH", "bench-offer",
                    "ACCT-BENCH", "4242", "CASHBACK BENCH", Instant.now()));
            System.out.printf("seeded %,d sent credits in %.1f s%n", lines + warmup, (System.nanoTime() - t0) / 1e9);
            if (warmup > 0) { // a node that has applied a file before: its code compiled, as on a node that runs for days
                Path file = dir.resolve("STMTCONF_BENCH_20261122_001.txt" + (pgp ? ".pgp" : ""));
                writeConfirmation(file, 0, lines + 1, lines + warmup, a.getOrDefault("order", "sent"), pgp ? ours : null,
                        issuer, pass);
                long w0 = System.nanoTime();
                String id;
                try (var in = Files.newInputStream(file)) {
                    id = node.operations().imports().receive("BENCH", in, "BENCH", file.getFileName().toString(), "bench");
                }
                var warm = node.operations().imports().process(id);
                System.out.printf("warm-up: a file of %,d lines %s in %.2f s (not timed below)%n", warmup, warm.status(),
                        (System.nanoTime() - w0) / 1e9);
            }

            int fileCount = Integer.parseInt(a.getOrDefault("files", "1"));
            List<Path> fileList = new ArrayList<>();
            for (int f = 1; f <= fileCount; f++) {
                int from = 1 + (int) ((long) lines * (f - 1) / fileCount);
                int to = (int) ((long) lines * f / fileCount);
                Path file = dir.resolve("STMTCONF_BENCH_20261123_00" + f + ".txt" + (pgp ? ".pgp" : ""));
                writeConfirmation(file, f, from, to, a.getOrDefault("order", "sent"), pgp ? ours : null, issuer, pass);
                fileList.add(file);
                System.out.printf("confirmation file: %,d lines, %,d bytes%s%n", to - from + 1, Files.size(file),
                        pgp ? " (OpenPGP)" : "");
            }

            settle(node.store().dataSource());
            System.gc();
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                pool.resetPeakUsage();
            }
            if (Boolean.parseBoolean(a.getOrDefault("steps", "false"))) {
                ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.accrue.processor.confirmations"))
                        .setLevel(ch.qos.logback.classic.Level.DEBUG);
            }
            var imports = node.operations().imports();
            long[] cpu0 = cpuNanos();
            long[] innodb0 = innodb(node.store().dataSource());
            long t1 = System.nanoTime();
            List<Future<ConfirmationImports.Import>> done = new ArrayList<>();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (Path file : fileList) {
                    done.add(pool.submit(() -> {
                        String id;
                        try (var in = Files.newInputStream(file)) {
                            id = imports.receive("BENCH", in, "BENCH", file.getFileName().toString(), "bench");
                        }
                        return imports.process(id);
                    }));
                }
            }
            var result = done.getFirst().get();
            for (var d : done) {
                if (d.get().status() != result.status()) {
                    throw new IllegalStateException("files ended " + d.get().status() + " and " + result.status());
                }
            }
            double s = (System.nanoTime() - t1) / 1e9;
            long[] cpu1 = cpuNanos();
            long[] innodb1 = innodb(node.store().dataSource());
            long peak = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    peak += pool.getPeakUsage().getUsed();
                }
            }
            System.out.printf("reconcile: %,d lines %s in %.2f s (%,.0f lines/s); outcomes (first file) %s; heap peak %d MB of max %d MB%n",
                    lines, result.status(), s, lines / s, result.outcomes(), peak >> 20,
                    Runtime.getRuntime().maxMemory() >> 20);
            System.out.printf("CPU time during the import: this JVM %.2f s, MariaDB %.2f s (on %d cores)%n",
                    (cpu1[0] - cpu0[0]) / 1e9, (cpu1[1] - cpu0[1]) / 1e9, Runtime.getRuntime().availableProcessors());
            System.out.printf("InnoDB during the import: %,d MB of redo written, %,d pages flushed%n",
                    (innodb1[0] - innodb0[0]) >> 20, innodb1[1] - innodb0[1]);
        }
    }

    /** InnoDB's redo log position (bytes) and the pages it has flushed so far. */
    private static long[] innodb(javax.sql.DataSource ds) throws Exception {
        try (var c = ds.getConnection(); var st = c.createStatement(); var rs = st.executeQuery("select variable_name, "
                + "variable_value from information_schema.global_status where variable_name in "
                + "('INNODB_LSN_CURRENT', 'INNODB_BUFFER_POOL_PAGES_FLUSHED')")) {
            long[] out = new long[2];
            while (rs.next()) {
                out[rs.getString(1).equalsIgnoreCase("INNODB_LSN_CURRENT") ? 0 : 1] = rs.getLong(2);
            }
            return out;
        }
    }

    /** CPU time used so far by this JVM and by the embedded MariaDB server (its mariadbd process), in nanoseconds. */
    private static long[] cpuNanos() {
        long jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        long db = ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("mariadbd") || c.endsWith("mysqld")).orElse(false))
                .mapToLong(p -> p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L)).sum();
        return new long[] {jvm, db};
    }

    /**
     * Confirmation file number {@code n}: the credits of rewards {@code from}..{@code to} all POSTED as sent, encrypted
     * and signed when keys are given. Reward ids are spaced as reward_seq hands them out (INCREMENT BY 50), and a credit
     * is named after its reward (C{id}), as in production. {@code order}: "sent" lists the credits as the statement
     * credit file did (by credit id, so C1001 before C101), "shuffled" in a random order (fixed seed).
     */
    private static void writeConfirmation(Path file, int n, int from, int to, String order, PgpKeys.Generated ours,
                                          PgpKeys.Generated issuer, char[] pass) throws Exception {
        List<String> ids = new ArrayList<>(to - from + 1);
        for (long i = from; i <= to; i++) {
            ids.add(Long.toString(i));
        }
        switch (order) {
            case "sent" -> ids.sort((x, y) -> ("C" + (Long.parseLong(x) * 50 - 49)).compareTo("C" + (Long.parseLong(y) * 50 - 49)));
            case "shuffled" -> Collections.shuffle(ids, new Random(42));
            case "numeric" -> { } // by reward id, as this bench wrote its files before 2026-11-30
            default -> throw new IllegalArgumentException("--order is sent, shuffled or numeric, not " + order);
        }
        try (OutputStream disk = Files.newOutputStream(file);
             OutputStream body = ours != null ? new PgpEncryption(PgpKeys.readPublicKey(new ByteArrayInputStream(ours.armoredPublic())),
                     PgpKeys.readSecretKeys(new ByteArrayInputStream(issuer.armoredSecret())), pass).open(disk, "conf.txt", false)
                     : disk;
             BufferedWriter w = new BufferedWriter(new OutputStreamWriter(body, StandardCharsets.UTF_8), 1 << 16)) {
            w.write("H|STMTCONF|BENCH|CONF-BENCH-" + n + "|2026-11-23T04:00:00Z|STMTCR_BENCH_1\n");
            long sum = 0;
            for (String seq : ids) {
                long i = Long.parseLong(seq);
                long amount = 100 + i % 900;
                sum += amount;
                w.write("D|C" + (i * 50 - 49) + "|ACCT-BENCH|" + amount + "|USD|POSTED|-|2026-11-23\n");
            }
            w.write("T|" + ids.size() + "|" + sum + "\n");
        }
    }

    /**
     * Lets MariaDB write out the pages the seeding dirtied before the import is timed, so that the import is not
     * charged for flushing a million rows it did not write (as in production, where a file does not arrive the
     * second two million rows were written). Waits at most a minute.
     */
    private static void settle(javax.sql.DataSource ds) throws Exception {
        long t0 = System.nanoTime();
        try (var c = ds.getConnection(); var st = c.createStatement()) {
            String pct;
            long io;
            long ioMax;
            try (var rs = st.executeQuery("select @@global.innodb_max_dirty_pages_pct, @@global.innodb_io_capacity, "
                    + "@@global.innodb_io_capacity_max")) {
                rs.next();
                pct = rs.getString(1);
                io = rs.getLong(2);
                ioMax = rs.getLong(3);
            }
            st.execute("set global innodb_io_capacity_max = 100000");
            st.execute("set global innodb_io_capacity = 100000");
            st.execute("set global innodb_max_dirty_pages_pct = 0");
            try {
                long dirty = Long.MAX_VALUE;
                for (int i = 0; i < 600 && dirty > 100; i++) {
                    try (var rs = st.executeQuery("select variable_value from information_schema.global_status "
                            + "where variable_name = 'INNODB_BUFFER_POOL_PAGES_DIRTY'")) {
                        rs.next();
                        dirty = rs.getLong(1);
                    }
                    if (dirty > 100) {
                        java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L); // polls the server's own count
                    }
                }
                System.out.printf("settled: %d dirty pages left after %.1f s%n", dirty, (System.nanoTime() - t0) / 1e9);
            } finally {
                st.execute("set global innodb_max_dirty_pages_pct = " + Double.parseDouble(pct));
                st.execute("set global innodb_io_capacity = " + io);
                st.execute("set global innodb_io_capacity_max = " + ioMax);
            }
        }
    }
}
