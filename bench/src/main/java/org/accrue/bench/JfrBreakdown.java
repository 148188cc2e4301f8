/*
 * Where a node's CPU went, from a JFR recording of it (IngestBench --jfr):
 * the CPU-time samples (jdk.CPUTimeSample, JDK 25; or jdk.ExecutionSample)
 * grouped into the parts of the intake path.
 *
 * Method. Each sample's stack is read from the leaf down; JDK frames at the
 * leaf (String building, socket syscalls, locks) are charged to the first
 * frame of a library or of Accrue below them, so that a socket write under
 * jPOS's channel counts as channel I/O and a socket read under the MariaDB
 * driver as JDBC. Crypto frames of the JDK (HMAC, SHA-256) are a group of
 * their own, wherever they are called from. A stack of JDK frames only is
 * "JDK only" (schedulers, parking, JFR itself). Also printed: the share per
 * thread (grouped by name without digits), the leaf frames that cost most,
 * garbage collection pauses and the JVM's CPU load. CPU-time samples cover
 * Java threads only: GC and JIT threads are not in them (compare the sum
 * with the JVM's CPU time the bench measured).
 */
package org.accrue.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

public final class JfrBreakdown {
    private static final int TOP_FRAMES = 30;

    /** A group and the frames (class name prefixes) that belong to it, tried in this order. */
    private record Group(String name, Predicate<String> frame) {
    }

    private static Predicate<String> prefixes(String... ps) {
        return c -> {
            for (String p : ps) {
                if (c.startsWith(p)) {
                    return true;
                }
            }
            return false;
        };
    }

    private static final List<Group> CRYPTO = List.of(
            new Group("tokenization (HMAC-SHA256)", prefixes("javax.crypto.", "com.sun.crypto.provider.",
                    "sun.security.provider.SHA", "sun.security.provider.DigestBase", "sun.security.jca.",
                    "org.accrue.rewards.enrollment.PanTokenizer")));

    private static final List<Group> GROUPS = List.of(
            new Group("jPOS pack/unpack", prefixes("org.jpos.iso.packager.", "org.jpos.iso.IF", "org.jpos.iso.ISOBasePackager",
                    "org.jpos.iso.ISOMsg", "org.jpos.iso.ISOField", "org.jpos.iso.ISOUtil", "org.jpos.iso.ISOBitMap",
                    "org.jpos.iso.ISOStringFieldPackager", "org.jpos.iso.ISOBinaryField", "org.jpos.iso.AsciiInterpreter",
                    "org.jpos.iso.BcdPrefixer", "org.jpos.iso.AsciiPrefixer", "org.jpos.iso.NullPrefixer",
                    "org.jpos.iso.LiteralInterpreter", "org.jpos.iso.BCDInterpreter", "org.jpos.iso.RightTPadder",
                    "org.jpos.iso.LeftPadder", "org.jpos.iso.NullPadder", "org.jpos.iso.BinaryInterpreter",
                    "org.jpos.iso.Literal", "org.jpos.iso.ISOComponent", "org.jpos.iso.ISOFieldPackager",
                    "org.jpos.iso.ISOBitMapPackager", "org.jpos.iso.EbcdicInterpreter")),
            new Group("jPOS channel I/O", prefixes("org.jpos.iso.channel.", "org.jpos.iso.BaseChannel",
                    "org.jpos.iso.FilteredBase")),
            new Group("jPOS server and threads", prefixes("org.jpos.iso.ISOServer", "org.jpos.util.", "org.jpos.q2.")),
            new Group("jPOS other", prefixes("org.jpos.")),
            new Group("ISO edge (accrue iso8583: decode, validate, respond)", prefixes("org.accrue.iso8583.")),
            new Group("logging", prefixes("ch.qos.logback.", "org.slf4j.")),
            new Group("HikariCP", prefixes("com.zaxxer.hikari.")),
            new Group("JDBC driver (MariaDB Connector/J)", prefixes("org.mariadb.jdbc.")),
            new Group("Hibernate", prefixes("org.hibernate.")),
            new Group("journal (intake)", prefixes("org.accrue.processor.intake.")),
            new Group("matcher (reward matching, ledger)", prefixes("org.accrue.processor.matcher.", "org.accrue.rewards.",
                    "org.accrue.processor.catalog.", "org.accrue.processor.rewardbook.")),
            new Group("jobs (Quartz)", prefixes("org.quartz.", "org.accrue.processor.jobs.")),
            new Group("HTTP and metrics", prefixes("io.javalin.", "org.eclipse.jetty.", "io.micrometer.",
                    "io.prometheus.", "org.accrue.processor.http.")),
            new Group("embedded store supervision", prefixes("ch.vorburger.", "org.accrue.processor.store.")),
            new Group("Accrue other", prefixes("org.accrue.")),
            new Group("other libraries", c -> !isJdk(c)));

    private static boolean isJdk(String c) {
        return c.startsWith("java.") || c.startsWith("javax.") || c.startsWith("jdk.") || c.startsWith("sun.")
                || c.startsWith("com.sun.");
    }

    private JfrBreakdown() {
    }

    /** {@code JfrBreakdown FILE.jfr [--event jdk.CPUTimeSample|jdk.ExecutionSample]} */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: JfrBreakdown FILE.jfr [--event jdk.CPUTimeSample]");
        }
        Path file = Path.of(args[0]);
        String event = args.length >= 3 && args[1].equals("--event") ? args[2] : null;
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        if (event == null) {
            event = events.stream().anyMatch(e -> e.getEventType().getName().equals("jdk.CPUTimeSample"))
                    ? "jdk.CPUTimeSample" : "jdk.ExecutionSample";
        }
        Map<String, Long> byGroup = new HashMap<>();
        Map<String, Long> byThread = new HashMap<>();
        Map<String, Long> byFrame = new HashMap<>();
        Map<String, Long> byLeaf = new HashMap<>();
        long samples = 0;
        long gcCount = 0;
        Duration gcPause = Duration.ZERO;
        Duration gcLongest = Duration.ZERO;
        double jvmUser = 0;
        double jvmSystem = 0;
        double machine = 0;
        int loads = 0;
        for (RecordedEvent e : events) {
            String type = e.getEventType().getName();
            if (type.equals(event)) {
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) {
                    continue;
                }
                samples++;
                String thread = e.hasField("eventThread") && e.getThread("eventThread") != null
                        ? e.getThread("eventThread").getJavaName() : e.hasField("sampledThread") && e.getThread("sampledThread") != null
                        ? e.getThread("sampledThread").getJavaName() : "?";
                byThread.merge(thread == null ? "?" : thread.replaceAll("\\d+", "#"), 1L, Long::sum);
                Charged c = charge(st.getFrames());
                byGroup.merge(c.group(), 1L, Long::sum);
                byFrame.merge(c.frame(), 1L, Long::sum);
                byLeaf.merge(name(st.getFrames().getFirst()), 1L, Long::sum);
            } else if (type.equals("jdk.GarbageCollection")) {
                gcCount++;
                Duration p = e.getDuration("sumOfPauses");
                gcPause = gcPause.plus(p);
                gcLongest = p.compareTo(gcLongest) > 0 ? p : gcLongest;
            } else if (type.equals("jdk.CPULoad")) {
                jvmUser += e.getFloat("jvmUser");
                jvmSystem += e.getFloat("jvmSystem");
                machine += e.getFloat("machineTotal");
                loads++;
            }
        }
        System.out.printf("%s: %,d %s samples%n", file.getFileName(), samples, event);
        print("by part of the path (JDK leaf frames charged to their first non-JDK caller)", byGroup, samples, 40);
        print("by thread (digits as #)", byThread, samples, 20);
        print("first non-JDK frame", byFrame, samples, TOP_FRAMES);
        print("leaf frame", byLeaf, samples, TOP_FRAMES);
        System.out.printf("%ngarbage collections: %d, pauses %.1f ms in all, longest %.1f ms%n", gcCount,
                gcPause.toNanos() / 1e6, gcLongest.toNanos() / 1e6);
        if (loads > 0) {
            System.out.printf("CPU load (mean of %d samples, share of all cores): JVM user %.1f%%, JVM system %.1f%%, "
                    + "machine %.1f%%%n", loads, 100 * jvmUser / loads, 100 * jvmSystem / loads, 100 * machine / loads);
        }
    }

    private record Charged(String group, String frame) {
    }

    /** The group of a stack: JDK crypto wherever it is; else the first non-JDK frame from the leaf; else JDK only. */
    static Charged charge(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String c = f.getMethod().getType().getName();
            for (Group g : CRYPTO) {
                if (g.frame().test(c)) {
                    return new Charged(g.name(), name(f));
                }
            }
            if (!isJdk(c)) {
                for (Group g : GROUPS) {
                    if (g.frame().test(c)) {
                        return new Charged(g.name(), name(f));
                    }
                }
            }
        }
        return new Charged("JDK only (schedulers, parking, JFR, ...)", name(frames.getFirst()));
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static void print(String title, Map<String, Long> counts, long total, int limit) {
        System.out.printf("%n%s:%n", title);
        List<Map.Entry<String, Long>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        Map<String, Long> shown = new LinkedHashMap<>();
        sorted.stream().limit(limit).forEach(en -> shown.put(en.getKey(), en.getValue()));
        shown.forEach((k, v) -> System.out.printf("  %5.1f%%  %,7d  %s%n", 100.0 * v / Math.max(total, 1), v, k));
    }
}
