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
