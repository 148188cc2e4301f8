package org.accrue.processor.ids;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class IdsTest {

    @Test
    void anIdIsItsPrefixAndTwentyLettersWithNoDigitAtAll() {
        for (int i = 0; i < 10_000; i++) {
            String id = Ids.next("rw");
            assertTrue(id.matches("rw_[a-z]{20}"), id);
        }
    }

    @Test
    void aSecretIsItsPrefixAndThirtyTwoLetters() {
        assertTrue(Ids.secret("acr").matches("acr_[a-z]{32}"));
    }

    @Test
    void idsDoNotRepeat() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            assertTrue(seen.add(Ids.next("txn")));
        }
        assertEquals(100_000, seen.size());
    }

    @Test
    void everyLetterIsDrawnAboutEquallyOften() {
        int[] counts = new int[26];
        int draws = 0;
        for (int i = 0; i < 26_000; i++) {
            for (char ch : Ids.letters(20).toCharArray()) {
                counts[ch - 'a']++;
                draws++;
            }
        }
        double expected = draws / 26.0;
        for (int count : counts) {
            assertTrue(Math.abs(count - expected) < expected * 0.05, "count " + count + " vs " + expected);
        }
    }

    @Test
    void aPrefixWithDigitsOrCapitalsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Ids.next("rw1"));
        assertThrows(IllegalArgumentException.class, () -> Ids.next("RW"));
        assertThrows(IllegalArgumentException.class, () -> Ids.next(""));
    }

    @Test
    void aRunOfThirteenDigitsIsSeenAndTwelveIsNot() {
        assertTrue(Ids.holdsCardNumberLikeRun("rw_4111111111111"));
        assertFalse(Ids.holdsCardNumberLikeRun("C411111111111-R1"));
    }
}
