package org.accrue.rewards.matching;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TextTable against a HashMap of (tag, text): keys in the slot and in the arena (long, or with chars past 0xFF),
 * the empty key, growth past the expected size, put versus putIfAbsent, and look-ups of parts of strings.
 */
class TextTableTest {
    private static final String ALPHABET = "AB01 *é}"; // "}" is the low byte of "Ž": a wide char must not pass for it
    private static final String WIDE = "ŽΩ";

    @ParameterizedTest(name = "expecting {0} keys")
    @ValueSource(ints = {0, 100, 20_000})
    void answersAsAMapOfTagAndText(int expectedKeys) {
        Random r = new Random(expectedKeys);
        TextTable table = new TextTable(expectedKeys);
        Map<String, Integer> reference = new HashMap<>();
        for (int i = 0; i < 20_000; i++) {
            int tag = r.nextInt(4);
            String key = key(r);
            int value = r.nextInt(Integer.MAX_VALUE);
            if (r.nextBoolean()) {
                table.put(tag, key, value);
                reference.put(tag + "/" + key, value);
            } else {
                table.putIfAbsent(tag, key, value);
                reference.putIfAbsent(tag + "/" + key, value);
            }
        }
        for (int i = 0; i < 50_000; i++) {
            int tag = r.nextInt(5);
            String s = key(r) + key(r);
            int length = r.nextInt(s.length() + 1);
            int skip = length == 0 || r.nextBoolean() ? TextTable.NO_SKIP : r.nextInt(length);
            String key = skip == TextTable.NO_SKIP ? s.substring(0, length) : s.substring(0, skip) + s.substring(skip + 1, length);
            Integer expected = reference.get(tag + "/" + key);
            assertThat(table.get(tag, s, length, skip)).as("%d/%s", tag, key)
                    .isEqualTo(expected == null ? TextTable.ABSENT : expected);
        }
        reference.forEach((k, v) -> {
            int slash = k.indexOf('/');
            assertThat(table.get(Integer.parseInt(k.substring(0, slash)), k.substring(slash + 1))).isEqualTo(v);
        });
    }

    /** Short keys over a small alphabet (so look-ups hit), now and then long ones or ones with wide chars. */
    private static String key(Random r) {
        int length = r.nextInt(10) == 0 ? 17 + r.nextInt(20) : r.nextInt(6);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.append(r.nextInt(30) == 0 ? WIDE.charAt(r.nextInt(WIDE.length())) : ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }
}
