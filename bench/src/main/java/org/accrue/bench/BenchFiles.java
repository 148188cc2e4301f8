package org.accrue.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;

/** Benchmarks start on an empty data directory, with settings given as {@code -Daccrue.x=y} taking precedence. */
final class BenchFiles {
    private BenchFiles() {
    }

    /** A benchmark's {@code --name value} pairs, by name without the dashes. */
    static Map<String, String> options(String[] args) {
        Map<String, String> a = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return a;
    }

    /** The data directory {@code --data-dir} names (else {@code otherwise}), emptied and made: absolute. */
    static Path emptiedDataDir(Map<String, String> options, String otherwise) throws IOException {
        Path dir = Path.of(options.getOrDefault("data-dir", otherwise)).toAbsolutePath();
        emptyDirectory(dir);
        Files.createDirectories(dir);
        return dir;
    }

    static void emptyDirectory(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Any {@code accrue.*} system property overrides the benchmark's own setting (store sizes, an external store). */
    static Map<String, String> withOverrides(Map<String, String> settings) {
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("accrue.")) {
                settings.put(name, System.getProperty(name));
            }
        }
        return settings;
    }
}
