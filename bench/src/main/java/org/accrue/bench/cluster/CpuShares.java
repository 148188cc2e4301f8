/*
 * Where a cluster run's CPU went, to say what saturates: the CPU time of the
 * nodes' JVMs (`accrue serve`), the database servers (every `mariadbd`),
 * HAProxy and the load generator (this JVM) over the load, read from
 * /proc/<pid>/stat (utime + stime) at its start and end, as cores busy on
 * average (1.0 = one core the whole time). A process that ended during the
 * load (a killed node) is missing from the end and counts nothing.
 */
package org.accrue.bench.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

final class CpuShares {
    /** USER_HZ: the unit of utime and stime; 100 on every Linux this runs on (getconf CLK_TCK). */
    private static final double TICKS_PER_SECOND = 100.0;

    enum Part { NODES, STORE, HAPROXY, CLIENT }

    private final Map<Long, Sample> start;
    private final long startNanos;

    private record Sample(Part part, long ticks) {
    }

    private CpuShares(Map<Long, Sample> start, long startNanos) {
        this.start = start;
        this.startNanos = startNanos;
    }

    static CpuShares begin() {
        return new CpuShares(sample(), System.nanoTime());
    }

    /** Cores busy on average per part since begin(), and the machine's cores. */
    Map<String, String> end() {
        Map<Long, Sample> now = sample();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        Map<Part, Long> ticks = new HashMap<>();
        now.forEach((pid, s) -> {
            Sample before = start.get(pid);
            ticks.merge(s.part(), s.ticks() - (before == null ? 0 : before.ticks()), Long::sum);
        });
        Map<String, String> out = new LinkedHashMap<>();
        for (Part p : Part.values()) {
            out.put(p.name().toLowerCase(), String.format("%.2f", ticks.getOrDefault(p, 0L) / TICKS_PER_SECOND / seconds));
        }
        out.put("machine cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        return out;
    }

    private static Map<Long, Sample> sample() {
        Map<Long, Sample> out = new HashMap<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    long pid = Long.parseLong(p.getFileName().toString());
                    String comm = Files.readString(p.resolve("comm"), StandardCharsets.US_ASCII).strip();
                    Part part = pid == self ? Part.CLIENT
                            : comm.equals("mariadbd") ? Part.STORE
                            : comm.equals("haproxy") ? Part.HAPROXY
                            : comm.equals("java") && cmdline(p).contains("AccrueCli") ? Part.NODES : null;
                    if (part != null) {
                        out.put(pid, new Sample(part, ticks(p)));
                    }
                } catch (IOException | RuntimeException e) {
                    // the process ended while we looked: nothing to count
                }
            });
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    private static String cmdline(Path proc) throws IOException {
        return new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
    }

    private static long ticks(Path proc) throws IOException {
        String stat = Files.readString(proc.resolve("stat"), StandardCharsets.US_ASCII);
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // fields from 3 (state) on
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime (14), stime (15)
    }
}
