package org.accrue.processor.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The wall of ARCHITECTURE.md around the HTTP layer: it uses the features, never the store, never SQL, and never a
 * clock of its own (the node's InstantSource is passed in). Read as text: a use of any of these in the package fails.
 */
class HttpLayerWallTest {
    private static final List<String> FORBIDDEN = List.of("javax.sql", "java.sql.", "prepareStatement",
            "createNativeQuery", "createNativeMutationQuery", "Instant.now(", "Clock.system", "LocalDate.now(",
            "YearMonth.now(");

    @Test
    void theHttpPackageHoldsNoSqlNoDataSourceAndNoClockOfItsOwn() throws IOException {
        Path here = Path.of("").toAbsolutePath();
        Path root = Files.isDirectory(here.resolve("processor/src")) ? here : here.getParent();
        Path http = root.resolve("processor/src/main/java/org/accrue/processor/http");
        List<String> found = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.list(http)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
                files++;
                String code = Files.readString(p);
                for (String f : FORBIDDEN) {
                    if (code.contains(f)) {
                        found.add(p.getFileName() + ": " + f);
                    }
                }
            }
        }
        assertThat(files).as("the http sources were found").isGreaterThan(3);
        assertThat(found).isEmpty();
    }
}
