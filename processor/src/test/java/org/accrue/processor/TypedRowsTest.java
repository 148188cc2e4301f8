/*
 * Rows read from the store are typed (issue 14): no source file under
 * processor/src/main holds an Object[] (a native query's untyped row) or fills
 * a Map<String, Object> from a ResultSet (a row as a map); a row is a record.
 * JSON bodies the HTTP layer shapes as ordered maps are not rows and are not
 * matched, nor are typed maps (offer id to time): the rule looks for what a
 * read puts into an untyped map. Sources are read as text, comments removed.
 */
package org.accrue.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

class TypedRowsTest {
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n\"]*$", Pattern.DOTALL | Pattern.MULTILINE);
    private static final Pattern UNTYPED_ARRAY = Pattern.compile("\\bObject\\s*\\[\\s*\\]");
    /** A variable declared as an untyped map: {@code Map<String, Object> row = ...}. */
    private static final Pattern OBJECT_MAP = Pattern.compile("Map<String,\\s*Object>\\s+(\\w+)\\s*=");

    private static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("processor/src")) ? here : here.getParent();
    }

    static List<String> untypedRows(String source) {
        String code = COMMENT.matcher(source).replaceAll(" ");
        List<String> found = new ArrayList<>();
        if (UNTYPED_ARRAY.matcher(code).find()) {
            found.add("Object[]");
        }
        var maps = OBJECT_MAP.matcher(code);
        while (maps.find()) { // one of them filled from a result set: {@code row.put("at", Sql.instant(rs, 2))}
            if (Pattern.compile("\\b" + maps.group(1) + "\\.put\\([^;]*?\\b(rs|resultSet)\\s*[.,)]").matcher(code).find()) {
                found.add("a Map<String, Object> filled from a ResultSet");
                break;
            }
        }
        return found;
    }

    @Test
    void processorMainCodeReadsRowsIntoTypesNotArraysOrMaps() throws IOException {
        Path dir = root().resolve("processor/src/main/java");
        List<String> offenders = new ArrayList<>();
        int scanned = 0;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(x -> x.toString().endsWith(".java")).sorted().toList()) {
                scanned++;
                List<String> found = untypedRows(Files.readString(p));
                if (!found.isEmpty()) {
                    offenders.add(dir.relativize(p) + ": " + found);
                }
            }
        }
        assertThat(scanned).as("the sources were found").isGreaterThan(100);
        assertThat(offenders).as("main sources with untyped rows").isEmpty();
    }

    @Test
    void theScanFindsArraysAndMapsFilledFromRowsButNotJsonBodiesOrComments() {
        assertThat(untypedRows("for (Object[] row : q.getResultList()) {}")).containsExactly("Object[]");
        assertThat(untypedRows("Map<String, Object> row = new LinkedHashMap<>(); row.put(\"at\",\n        Sql.instant(rs, 2));"))
                .containsExactly("a Map<String, Object> filled from a ResultSet");
        assertThat(untypedRows("Map<String,Object> m = new HashMap<>();\nm.put(\"id\", rs.getString(1));"))
                .containsExactly("a Map<String, Object> filled from a ResultSet");
        assertThat(untypedRows("Map<String, Object> m = new LinkedHashMap<>(); m.put(\"id\", e.id());")).isEmpty();
        assertThat(untypedRows("Map<String, Instant> out = new HashMap<>(); out.put(rs.getString(1), Sql.instant(rs, 2));"))
                .isEmpty();
        assertThat(untypedRows("/* an Object[] row was here */ int x;")).isEmpty();
    }
}
