/*
 * A hash table from (tag, text) to an int, built for look-ups among a million
 * keys at one cache miss each. A HashMap<String, ...> costs a chain of
 * dependent misses per look-up (table, node, key, key bytes, value) and about
 * 100 bytes per key. Here a slot is four longs in one long[]: hash and value,
 * tag and length, and the text itself when it is at most 16 Latin-1 chars (a
 * MID is 15 at most; so are most descriptor prefixes and every near-miss
 * lead). Longer text, or text with other chars, is kept in a char[] arena and
 * compared there (one more miss, for those keys only).
 *
 * A look-up of a key that is not there (an unknown MID, a descriptor that is
 * not a pattern, most near-miss variants) is answered from a bitset of the
 * keys' hashes, a few bits per key, small enough to stay in cache: it skips the
 * slot's cache miss for all but a few per cent of absent keys.
 *
 * Keys can be read from part of a string without making a substring: the first
 * {@code length} chars, optionally without the char at {@code skip} (near-miss
 * variants). Open addressing with linear probing, at most half full, no removal.
 */
package org.accrue.rewards.matching;

import java.util.Arrays;

final class TextTable {
    static final int ABSENT = -1;
    static final int NO_SKIP = -1;

    /** Text up to this many chars, each at most 0xFF, is kept in its slot: two longs of bytes. */
    private static final int INLINE_CHARS_MAX = 16;
    private static final int SLOTS_MIN = 16;
    /** Slots per key at most; linear probing stays at one or two probes, and a miss ends at an empty slot soon. */
    private static final int SLOTS_PER_KEY = 2;
    /** Longs per slot: [hash << 32 | value], [OCCUPIED | INLINE | length << 32 | tag], [text 0..7 | arena offset], [text 8..15]. */
    private static final int STRIDE = 4;
    /**
     * Slot 0 starts 48 bytes into the array's data, which starts 16 bytes into the array: a large array starts a
     * heap region, so its slots then sit at 64-byte boundaries plus 0 or 32 and never straddle two cache lines.
     */
    private static final int FIRST = 6;
    private static final long OCCUPIED = 1L << 63;
    private static final long INLINE = 1L << 62;
    private static final int LENGTH_MAX = (1 << 30) - 1;
    /** Bits of the absent-key filter per key: about one absent key in ten gets past it. */
    private static final int FILTER_BITS_PER_KEY = 8;
    private static final int FILTER_BITS_MIN = 1 << 10;

    private long[] slots;
    private int capacity; // slots
    private int size;
    private char[] arena = new char[SLOTS_MIN];
    private int arenaUsed;
    private long[] filter;  // bit (hash * golden ratio) >>> filterShift set for every key
    private int filterShift;

    TextTable(int expectedKeys) {
        allocate(Math.max(SLOTS_MIN, expectedKeys * SLOTS_PER_KEY));
        sizeFilter(expectedKeys);
    }

    /** The value for (tag, key), or ABSENT. */
    int get(int tag, String key) {
        return get(tag, key, key.length(), NO_SKIP);
    }

    /** The value for (tag, the first {@code length} chars of s without the one at {@code skip}), or ABSENT. */
    int get(int tag, String s, int length, int skip) {
        if (length > LENGTH_MAX) {
            return ABSENT; // no key is that long
        }
        Key k = new Key(tag, s, length, skip);
        if (!mayContain(k.hash)) {
            return ABSENT;
        }
        int at = find(k, s, length, skip);
        return slots[at + 1] == 0 ? ABSENT : (int) slots[at];
    }

    /** Sets the value for (tag, key), replacing an earlier one (as Map.put). */
    void put(int tag, String key, int value) {
        put(tag, key, value, true);
    }

    /** Sets the value for (tag, key) unless it has one (as Map.putIfAbsent). */
    void putIfAbsent(int tag, String key, int value) {
        put(tag, key, value, false);
    }

    private void put(int tag, String key, int value, boolean replace) {
        if (key.length() > LENGTH_MAX) {
            throw new IllegalArgumentException("key longer than " + LENGTH_MAX + " chars");
        }
        if ((size + 1) * SLOTS_PER_KEY > capacity) {
            long[] old = slots;
            allocate(capacity * 2);
            sizeFilter(capacity / SLOTS_PER_KEY);
            for (int at = FIRST; at < old.length; at += STRIDE) {
                if (old[at + 1] != 0) {
                    int hash = (int) (old[at] >>> 32);
                    System.arraycopy(old, at, slots, emptySlot(hash), STRIDE);
                    addToFilter(hash);
                }
            }
        }
        Key k = new Key(tag, key, key.length(), NO_SKIP);
        int at = find(k, key, key.length(), NO_SKIP);
        if (slots[at + 1] != 0) {
            if (replace) {
                slots[at] = (slots[at] & 0xFFFF_FFFF_0000_0000L) | (value & 0xFFFF_FFFFL);
            }
            return;
        }
        addToFilter(k.hash);
        slots[at] = (long) k.hash << 32 | (value & 0xFFFF_FFFFL);
        slots[at + 1] = k.meta;
        if (k.inline) {
            slots[at + 2] = k.text0;
            slots[at + 3] = k.text1;
        } else {
            if (arenaUsed + key.length() > arena.length) {
                arena = Arrays.copyOf(arena, Math.max(arenaUsed + key.length(), arena.length * 2));
            }
            key.getChars(0, key.length(), arena, arenaUsed);
            slots[at + 2] = arenaUsed;
            arenaUsed += key.length();
        }
        size++;
    }

    /** The slot (index of its first long) holding the key, or the empty slot where it would go. */
    private int find(Key k, String s, int length, int skip) {
        long[] a = slots;
        for (int at = home(k.hash); ; at = next(at)) {
            long meta = a[at + 1];
            if (meta == 0) {
                return at;
            }
            if (meta == k.meta && (int) (a[at] >>> 32) == k.hash
                    && (k.inline ? a[at + 2] == k.text0 && a[at + 3] == k.text1 : inArena((int) a[at + 2], s, length, skip))) {
                return at;
            }
        }
    }

    private int emptySlot(int hash) {
        int at = home(hash);
        while (slots[at + 1] != 0) {
            at = next(at);
        }
        return at;
    }

    /** The first slot to probe: the hash scaled to [0, capacity) by a multiplication (no power-of-two mask needed). */
    private int home(int hash) {
        return FIRST + (int) (((hash & 0xFFFF_FFFFL) * capacity) >>> 32) * STRIDE;
    }

    private int next(int at) {
        at += STRIDE;
        return at == slots.length ? FIRST : at;
    }

    /** A filter for at least this many keys; the caller adds them. */
    private void sizeFilter(int keys) {
        int bits = Integer.highestOneBit(Math.max(FILTER_BITS_MIN, keys * FILTER_BITS_PER_KEY - 1)) << 1;
        filter = new long[bits / Long.SIZE];
        filterShift = Integer.SIZE - Integer.numberOfTrailingZeros(bits);
    }

    private void addToFilter(int hash) {
        int bit = (hash * 0x9E3779B9) >>> filterShift;
        filter[bit >>> 6] |= 1L << bit;
    }

    /** False when the key is surely absent. A different multiple of the hash than the slot's, so both spread. */
    private boolean mayContain(int hash) {
        int bit = (hash * 0x9E3779B9) >>> filterShift;
        return (filter[bit >>> 6] & 1L << bit) != 0;
    }

    private void allocate(int slotCount) {
        capacity = slotCount;
        slots = new long[FIRST + slotCount * STRIDE];
    }

    private boolean inArena(int offset, String s, int length, int skip) {
        char[] a = arena;
        int j = offset;
        for (int i = 0; i < length; i++) {
            if (i != skip && a[j++] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A key read once: its hash (a polynomial over the chars, finished with MurmurHash3's mixer so that similar keys
     * spread), its slot's second long, and its text as bytes when it fits in the slot. A value the JIT keeps in
     * registers (it does not escape find).
     */
    private static final class Key {
        final int hash;
        final long meta;
        final boolean inline;
        final long text0;
        final long text1;

        Key(int tag, String s, int length, int skip) {
            int keyLength = skip == NO_SKIP ? length : length - 1;
            int h = tag;
            long t0 = 0;
            long t1 = 0;
            int narrow = 0; // any char past 0xFF
            int j = 0;
            for (int i = 0; i < length; i++) {
                if (i == skip) {
                    continue;
                }
                char c = s.charAt(i);
                h = 31 * h + c;
                narrow |= c;
                if (j < Long.BYTES) {
                    t0 |= (long) (c & 0xFF) << (j * Byte.SIZE);
                } else if (j < INLINE_CHARS_MAX) {
                    t1 |= (long) (c & 0xFF) << ((j - Long.BYTES) * Byte.SIZE);
                }
                j++;
            }
            h ^= h >>> 16;
            h *= 0x85ebca6b;
            h ^= h >>> 13;
            h *= 0xc2b2ae35;
            h ^= h >>> 16;
            hash = h;
            inline = keyLength <= INLINE_CHARS_MAX && narrow <= 0xFF;
            meta = OCCUPIED | (inline ? INLINE : 0) | (long) keyLength << 32 | (tag & 0xFFFF_FFFFL);
            text0 = t0;
            text1 = t1;
        }
    }
}
