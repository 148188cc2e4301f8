/*
 * The immutable lists MatchingEngine hands to MatchResult. Declines are kept
 * as one int per declined offer (catalog index and reason) rather than a
 * Declined object each: most candidates decline or lose to the best offer,
 * so a purchase would otherwise allocate a dozen records that most callers
 * never look at. A Declined is made when the list is read.
 */
package org.accrue.rewards.matching;

import java.util.AbstractList;
import java.util.RandomAccess;

import org.accrue.rewards.matching.MatchResult.Declined;

final class ResultLists {
    /** Bits of a decline code that hold the reason; the rest is the offer's catalog index. */
    static final int REASON_BITS = 4;
    /** Catalog indexes must fit beside the reason in an int. */
    static final int OFFERS_MAX = 1 << (Integer.SIZE - 1 - REASON_BITS);
    private static final int REASON_MASK = (1 << REASON_BITS) - 1;
    private static final Reason[] REASONS = Reason.values();

    static {
        if (REASONS.length > 1 << REASON_BITS) {
            throw new AssertionError("more reasons than REASON_BITS holds");
        }
    }

    static final Earneds NO_EARNED = new Earneds(new Earned[0], 0, 0);
    static final Declines NO_DECLINES = new Declines(new String[0], new int[0], 0);

    private ResultLists() {
    }

    /** A decline as one int: the offer's catalog index and the Reason's ordinal. */
    static int declineCode(int offerIndex, int reason) {
        return offerIndex << REASON_BITS | reason;
    }

    /** A range of an array the engine no longer touches. */
    static final class Earneds extends AbstractList<Earned> implements RandomAccess {
        private final Earned[] earned;
        private final int from;
        private final int size;

        Earneds(Earned[] earned, int from, int size) {
            this.earned = earned;
            this.from = from;
            this.size = size;
        }

        @Override
        public Earned get(int index) {
            java.util.Objects.checkIndex(index, size);
            return earned[from + index];
        }

        @Override
        public int size() {
            return size;
        }
    }

    /** Declines as codes (see declineCode) against the catalog's offer ids. */
    static final class Declines extends AbstractList<Declined> implements RandomAccess {
        private final String[] offerIds;
        private final int[] codes;
        private final int size;

        Declines(String[] offerIds, int[] codes, int size) {
            this.offerIds = offerIds;
            this.codes = codes;
            this.size = size;
        }

        @Override
        public Declined get(int index) {
            int code = codes[java.util.Objects.checkIndex(index, size)];
            return new Declined(offerIds[code >>> REASON_BITS], REASONS[code & REASON_MASK]);
        }

        @Override
        public int size() {
            return size;
        }
    }
}
