/*
 * Bulk enrollment throughput on a real node and embedded MariaDB, as an issuer's first file meets it: a file of N
 * cards (pan|accountRef|lastName, random valid numbers of one BIN) enrolled by BulkEnrollment, as
 * `accrue enroll --issuer BENCH FILE` does; then the same file again (every card already enrolled).
 * Usage: EnrollBench [--cards 100000] [--data-dir DIR]
 */
package org.accrue.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.accrue.config.AccrueConfig;
import org.accrue.config.Settings;
import org.accrue.processor.Processor;
import org.accrue.processor.cards.BulkEnrollment;

public final class EnrollBench {
    private EnrollBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchFiles.options(args);
        int cards = Integer.parseInt(a.getOrDefault("cards", "100000"));
        Path dir = BenchFiles.emptiedDataDir(a, "bench/target/enroll-data");
        Map<String, String> v = new HashMap<>();
        v.put("accrue.data-dir", dir.toString());
        v.put("accrue.log.level", "WARN");
        v.put("accrue.pan.key.1", "base64:" + Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32)));
        v.put("accrue.issuer.BENCH.name", "Bench Bank");
        AccrueConfig config = AccrueConfig.from(Settings.of(BenchFiles.withOverrides(v)));

        Path file = dir.resolve("cards.txt");
        List<String> lines = new ArrayList<>(cards + 1);
        lines.add("pan|accountRef|lastName");
        for (String pan : BenchMain.pans(cards)) {
            lines.add(pan + "|ACCT-" + pan.substring(pan.length() - 8) + "|HOLDER");
        }
        Files.write(file, lines);

        try (Processor node = Processor.builder(config).offline().start()) {
            for (String run : List.of("first file", "same file again")) {
                long t0 = System.nanoTime();
                BulkEnrollment.Report r = BulkEnrollment.run(file, "BENCH", node.enrollment());
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("enroll (%s): %,d lines in %.2f s = %,.0f cards/s (%,d enrolled, %,d already, %,d rejected)%n",
                        run, cards, s, cards / s, r.enrolled(), r.alreadyEnrolled(), r.rejected());
            }
        }
    }
}
