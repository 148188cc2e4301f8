/*
 * What a cluster run is given, validated at once (a bad value fails naming
 * the option): how many nodes and on which store, how long and how much
 * traffic, and the faults on the run's clock (seconds from the start of the
 * load; negative = never).
 */
package org.accrue.bench.cluster;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

public record ClusterOptions(Path dir, int nodes, StoreKind store, int durationSeconds, int connections, int inFlight,
                             int rate, double killNodeAt, double restartNodeAt, double killDbAt, double restartDbAt,
                             int cards, long seed, java.util.List<String> nodeJvmOptions, Map<String, String> overrides) {
    public static final int NODES_MAX = 3;
    public static final int DURATION_SECONDS_MAX = 3600;

    /**
     * The store the nodes share: {@code embedded} is one node on its own embedded MariaDB (nodes=1: HAProxy in
     * front of a single node); {@code external} one MariaDB server; {@code galera} a three-member Galera cluster.
     */
    public enum StoreKind {
        EMBEDDED, EXTERNAL, GALERA;

        static StoreKind parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--store must be embedded, external or galera, was '" + s + "'");
            }
        }
    }

    public ClusterOptions {
        require(nodes >= 1 && nodes <= NODES_MAX, "--nodes is 1.." + NODES_MAX);
        require(store != StoreKind.EMBEDDED || nodes == 1, "--store embedded runs one node (each node's embedded store is its own); use external or galera for more");
        require(durationSeconds >= 1 && durationSeconds <= DURATION_SECONDS_MAX, "--duration is 1.." + DURATION_SECONDS_MAX + " s");
        require(connections >= 1 && connections <= 64, "--connections is 1..64");
        require(inFlight >= 1 && inFlight <= 64, "--in-flight is 1..64");
        require(rate >= 0 && rate <= 100_000, "--rate is 0 (unpaced)..100000 messages/s");
        require(cards >= 1 && cards <= 100_000, "--cards is 1..100000");
        require(killNodeAt < durationSeconds && restartNodeAt < durationSeconds && killDbAt < durationSeconds
                && restartDbAt < durationSeconds, "fault times are seconds into the run, before --duration");
        require(restartNodeAt < 0 || (killNodeAt >= 0 && restartNodeAt > killNodeAt), "--restart-node-at comes after --kill-node-at");
        require(restartDbAt < 0 || (killDbAt >= 0 && restartDbAt > killDbAt), "--restart-db-at comes after --kill-db-at");
        require(killNodeAt < 0 || nodes >= 2 || restartNodeAt >= 0, "--kill-node-at with one node needs --restart-node-at");
        nodeJvmOptions = java.util.List.copyOf(nodeJvmOptions);
        overrides = Map.copyOf(overrides);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** From {@code --name value} pairs (bench/README.md lists them) and every -Daccrue.* of this JVM as node settings. */
    public static ClusterOptions parse(String[] args) {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("options are --name value pairs; at " + args[i]);
            }
            a.put(args[i].substring(2), args[i + 1]);
        }
        Map<String, String> overrides = new TreeMap<>();
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("accrue.")) {
                overrides.put(name, System.getProperty(name));
            }
        }
        ClusterOptions o = new ClusterOptions(Path.of(a.remove("dir") instanceof String d ? d : "bench/target/cluster-data").toAbsolutePath(),
                Integer.parseInt(take(a, "nodes", "2")), StoreKind.parse(take(a, "store", "external")),
                Integer.parseInt(take(a, "duration", "60")), Integer.parseInt(take(a, "connections", "8")),
                Integer.parseInt(take(a, "in-flight", "4")), Integer.parseInt(take(a, "rate", "0")),
                Double.parseDouble(take(a, "kill-node-at", "20")), Double.parseDouble(take(a, "restart-node-at", "-1")),
                Double.parseDouble(take(a, "kill-db-at", "-1")), Double.parseDouble(take(a, "restart-db-at", "-1")),
                Integer.parseInt(take(a, "cards", "200")), Long.parseLong(take(a, "seed", "2026")),
                java.util.List.of(take(a, "node-jvm-options", "-Xmx512m").trim().split("\\s+")), overrides);
        if (!a.isEmpty()) {
            throw new IllegalArgumentException("unknown options " + a.keySet() + " (bench/README.md, Cluster)");
        }
        return o;
    }

    private static String take(Map<String, String> a, String name, String defaultValue) {
        String v = a.remove(name);
        return v == null ? defaultValue : v;
    }
}
