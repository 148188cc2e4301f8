/*
 * Posting and statement-file throughput on a real node and embedded MariaDB:
 *   1. N AVAILABLE cashback rewards over C cards are seeded set-wise by the
 *      reward book (with their EARN and AVAILABLE ledger entries, so the
 *      ledger is the one posting would meet in production);
 *   2. the posting job turns them into statement credits (each a SEND ledger
 *      transaction, a credit row and a reward update): rewards/s;
 *   3. the statement-file job writes them into one STMTCR file: seconds for
 *      the file, and its size; optionally with OpenPGP (encrypt + sign).
 * Usage: PostingBench [--rewards 1000000] [--cards 10000] [--batch 1000] [--workers 2] [--pgp false]
 *        [--steps true (time each step)] [--data-dir DIR]
 *        [--sql-before "STATEMENT;STATEMENT" (what-if experiments: run on the store after seeding, before posting,
 *        e.g. dropping an index to bound what it costs; never for a recorded result without saying so)]
 */
package org.accrue.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.accrue.config.AccrueConfig;
import org.accrue.config.Settings;
import org.accrue.processor.Processor;
import org.accrue.processor.cards.Enrollment;
import org.accrue.processor.posting.Posting;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.store.Sql;
import org.accrue.processor.statements.StatementFiles;
import org.accrue.reconciliation.pgp.PgpKeys;
import org.accrue.rewards.ledger.Reward;

public final class PostingBench {
    private PostingBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchFiles.options(args);
        int rewards = Integer.parseInt(a.getOrDefault("rewards", "1000000"));
        int cards = Integer.parseInt(a.getOrDefault("cards", "10000"));
        boolean pgp = Boolean.parseBoolean(a.getOrDefault("pgp", "false"));
        Path dir = BenchFiles.emptiedDataDir(a, "bench/target/posting-data");
        Map<String, String> v = new HashMap<>();
        v.put("accrue.data-dir", dir.toString());
        v.put("accrue.log.level", "WARN");
        int workers = Integer.parseInt(a.getOrDefault("workers", "2"));
        v.put("accrue.store.pool-size-max", String.valueOf(Math.max(4, workers + 2))); // a connection per worker, and spare
        v.put("accrue.reconciliation.apply-parts", "2"); // no file is applied here; a part count the small pool can hold
        v.put("accrue.jobs.posting.batch-size-max", a.getOrDefault("batch", "1000"));
        v.put("accrue.jobs.posting.workers", String.valueOf(workers));
        v.put("accrue.pan.key.1", "base64:" + Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32)));
        v.put("accrue.issuer.BENCH.name", "Bench Bank");
        if (pgp) {
            char[] pass = "bench".toCharArray();
            PgpKeys.Generated ours = PgpKeys.generate("accrue-bench", pass, 3072);
            PgpKeys.Generated issuer = PgpKeys.generate("issuer-bench", pass, 3072);
            Path pub = dir.resolve("issuer.asc");
            Files.write(pub, issuer.armoredPublic());
            v.put("accrue.issuer.BENCH.pgp-public-key", pub.toString());
            v.put("accrue.pgp.secret-key", "base64:" + Base64.getEncoder().encodeToString(ours.armoredSecret()));
            v.put("accrue.pgp.passphrase", "base64:" + Base64.getEncoder().encodeToString("bench".getBytes()));
        }
        AccrueConfig config = AccrueConfig.from(Settings.of(BenchFiles.withOverrides(v)));
        try (Processor node = Processor.builder(config).offline().start()) { // jobs' code is called directly
            long firstCard = -1;
            for (String pan : BenchMain.pans(cards)) {
                var r = node.enrollment().enroll("BENCH", new Enrollment.Request(pan, "ACCT-" + pan.substring(pan.length() - 6),
                        "BENCH", null, null));
                long id = node.enrollment().internalId("BENCH", r.card().cardId()).orElseThrow();
                firstCard = firstCard < 0 ? id : Math.min(firstCard, id);
            }
            long t0 = System.nanoTime();
            seed(node, rewards, cards);
            double seedS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("seeded %,d AVAILABLE rewards over %,d cards in %.1f s%n", rewards, cards, seedS);

            String experiment = a.get("sql-before");
            if (experiment != null) {
                Sql.inTransaction(node.store().dataSource(), c -> {
                    for (String stmt : experiment.split(";")) {
                        try (var st = c.createStatement()) {
                            st.execute(stmt);
                        }
                    }
                    return null;
                });
            }
            if (Boolean.parseBoolean(a.getOrDefault("steps", "false"))) {
                ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.accrue.processor"))
                        .setLevel(ch.qos.logback.classic.Level.DEBUG);
            }
            Posting posting = node.operations().posting();
            long t1 = System.nanoTime();
            Posting.Result r = posting.post();
            double postS = (System.nanoTime() - t1) / 1e9;
            System.out.printf("posting: %,d rewards -> %,d statement credits in %.2f s = %,.0f rewards/s (batch %s, %s workers)%n",
                    rewards, r.credits(), postS, rewards / postS, v.get("accrue.jobs.posting.batch-size-max"), v.get("accrue.jobs.posting.workers"));

            StatementFiles files = node.operations().files();
            long t2 = System.nanoTime();
            var written = files.writeAll();
            double fileS = (System.nanoTime() - t2) / 1e9;
            var f = written.getFirst();
            System.out.printf("statement-file: %,d credits in %s (%,d bytes%s) in %.2f s%n", f.creditCount(), f.fileName(),
                    Files.size(f.path()), f.encrypted() ? ", OpenPGP encrypted and signed" : "", fileS);
        }
    }

    /** AVAILABLE rewards with their EARN and AVAILABLE ledger entries, written set-wise by the reward book. */
    private static void seed(Processor node, int rewards, int cards) {
        Sql.inTransaction(node.store().dataSource(), c -> RewardBook.seed(c, new RewardBook.Seed(rewards, "BENCH",
                "bench-offer", "MERCHANT:bench", "USD", Reward.Status.AVAILABLE, 100, 900), Instant.now()));
    }
}
