/*
 * Merchant resolution: by (acquirer id, MID) first, then by descriptor
 * pattern against DE43's name. Patterns are upper-case with single spaces;
 * a trailing * matches any suffix (the longest matching prefix wins). Every
 * lookup is a few hash probes, never a scan over the patterns: with a
 * million MIDs and hundreds of thousands of descriptors, matching stays
 * in microseconds.
 * A name that matches nothing but, with spaces and punctuation removed,
 * starts with a pattern (or misses it by one letter) is a near miss: a MID
 * suggestion for ops. Near misses are found with a symmetric-delete index of
 * each pattern's first letters (the pattern's lead and every lead with one
 * letter deleted), then checked against the whole pattern.
 *
 * Merchants are numbered in the order given (their ordinal); the MIDs,
 * descriptors and near-miss leads live in TextTables (flat arrays, a probe or
 * two per look-up, no substrings made), which the matching engine reads by
 * ordinal. When a key is given twice, a later MID replaces an earlier one and
 * the first descriptor pattern stays, as before.
 */
package org.accrue.rewards.matching;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.accrue.rewards.offers.Merchant;

public final class MerchantDirectory {
    private record Pattern(String squashed, int merchant) {
    }

    static final int ABSENT = TextTable.ABSENT;

    private static final int LEAD_LENGTH_MAX = 8;
    private static final int SQUASHED_LENGTH_MIN = 4;
    /** Tags of the two kinds of descriptor key in one table. */
    private static final int EXACT = 0;
    private static final int PREFIX = 1;
    /** The one tag of the near-miss table. */
    private static final int LEAD = 0;

    private final Merchant[] merchants;
    private final String[] merchantIds; // by ordinal, beside merchants: the engine needs only the id (one miss less)
    private final Map<String, Integer> acquirers = new HashMap<>(); // acquirer id without zeros -> its tag in mids
    private final TextTable mids;
    private final TextTable descriptors;
    private final int[] prefixLengths; // longest first
    private final TextTable leads;     // lead variant -> its candidates: nearPatterns[nearStart[v] .. nearStart[v + 1])
    private final int[] nearStart;
    private final Pattern[] nearPatterns;
    private final int[] leadLengths;   // shortest first

    public MerchantDirectory(Iterable<Merchant> merchants) {
        List<Merchant> all = new ArrayList<>();
        int midCount = 0;
        int descriptorCount = 0;
        for (Merchant m : merchants) {
            all.add(m);
            midCount += m.mids().size();
            descriptorCount += m.descriptors().size();
        }
        this.merchants = all.toArray(new Merchant[0]);
        this.merchantIds = all.stream().map(Merchant::merchantId).toArray(String[]::new);
        mids = new TextTable(midCount);
        descriptors = new TextTable(descriptorCount);
        TreeSet<Integer> prefixLengthSet = new TreeSet<>(java.util.Comparator.reverseOrder());
        TreeSet<Integer> leadLengthSet = new TreeSet<>();
        // Insertion-ordered: a variant's candidates are tried in the order the patterns were given.
        Map<String, List<Pattern>> nearIndex = new LinkedHashMap<>();
        for (int ordinal = 0; ordinal < this.merchants.length; ordinal++) {
            Merchant m = this.merchants[ordinal];
            for (Merchant.Mid mid : m.mids()) {
                Integer acquirer = acquirers.computeIfAbsent(stripZeros(mid.acquirerId()), k -> acquirers.size());
                mids.put(acquirer, mid.mid().strip(), ordinal);
            }
            for (String d : m.descriptors()) {
                String n = normalize(d);
                boolean prefix = n.endsWith("*");
                String text = prefix ? n.substring(0, n.length() - 1).strip() : n;
                if (text.length() < 2) {
                    continue;
                }
                if (prefix) {
                    descriptors.putIfAbsent(PREFIX, text, ordinal);
                    prefixLengthSet.add(text.length());
                } else {
                    descriptors.putIfAbsent(EXACT, text, ordinal);
                }
                Pattern p = new Pattern(squash(text), ordinal);
                if (p.squashed().length() >= SQUASHED_LENGTH_MIN) {
                    String lead = p.squashed().substring(0, Math.min(LEAD_LENGTH_MAX, p.squashed().length()));
                    leadLengthSet.add(lead.length());
                    for (String v : withOneDeleted(lead)) {
                        nearIndex.computeIfAbsent(v, k -> new ArrayList<>()).add(p);
                    }
                }
            }
        }
        prefixLengths = prefixLengthSet.stream().mapToInt(Integer::intValue).toArray();
        leadLengths = leadLengthSet.stream().mapToInt(Integer::intValue).toArray();
        int candidates = 0;
        for (List<Pattern> c : nearIndex.values()) {
            candidates += c.size();
        }
        leads = new TextTable(nearIndex.size());
        nearStart = new int[nearIndex.size() + 1];
        nearPatterns = new Pattern[candidates];
        int v = 0;
        int at = 0;
        for (Map.Entry<String, List<Pattern>> e : nearIndex.entrySet()) {
            leads.put(LEAD, e.getKey(), v);
            nearStart[v++] = at;
            for (Pattern p : e.getValue()) {
                nearPatterns[at++] = p;
            }
        }
        nearStart[v] = at;
    }

    public Merchant byMid(String acquirerId, String mid) {
        int ordinal = ordinalByMid(acquirerId, mid);
        return ordinal == ABSENT ? null : merchants[ordinal];
    }

    public Merchant byDescriptor(String name) {
        int ordinal = name == null ? ABSENT : ordinalByNormalized(normalize(name));
        return ordinal == ABSENT ? null : merchants[ordinal];
    }

    /** The merchant a name nearly matches, or null. */
    public Merchant nearMiss(String name) {
        return name == null ? null : nearMissNormalized(normalize(name));
    }

    /** nearMiss of a name already normalized. */
    Merchant nearMissNormalized(String name) {
        String s = squash(name);
        long tried = 0; // bit k: names' leads of length k already tried (k <= LEAD_LENGTH_MAX + 1)
        for (int lead : leadLengths) {
            // The name's lead may be one letter shorter or longer than a pattern's lead.
            for (int k = lead - 1; k <= lead + 1; k++) {
                if (k < SQUASHED_LENGTH_MIN - 1 || k > s.length() || (tried & 1L << k) != 0) {
                    continue;
                }
                tried |= 1L << k;
                Merchant m = nearMissAt(s, k);
                if (m != null) {
                    return m;
                }
            }
        }
        return null;
    }

    int size() {
        return merchants.length;
    }

    String merchantId(int ordinal) {
        return merchantIds[ordinal];
    }

    /** The ordinal of the merchant with this MID at this acquirer, or ABSENT. */
    int ordinalByMid(String acquirerId, String mid) {
        if (acquirerId == null || mid == null) {
            return ABSENT;
        }
        Integer acquirer = acquirers.get(stripZeros(acquirerId));
        return acquirer == null ? ABSENT : mids.get(acquirer, mid);
    }

    /** The ordinal of the merchant whose descriptor pattern the DE43 name, normalized, matches, or ABSENT. */
    int ordinalByNormalized(String n) {
        int m = descriptors.get(EXACT, n);
        if (m != ABSENT) {
            return m;
        }
        for (int length : prefixLengths) { // longest first
            if (length <= n.length()) {
                m = descriptors.get(PREFIX, n, length, TextTable.NO_SKIP);
                if (m != ABSENT) {
                    return m;
                }
            }
        }
        return ABSENT;
    }

    /** The first candidate of the name's lead of length k, or of any of its one-deleted variants, in that order. */
    private Merchant nearMissAt(String s, int k) {
        for (int skip = TextTable.NO_SKIP; skip < k; skip++) { // NO_SKIP is -1: the lead itself, then each deletion
            int v = leads.get(LEAD, s, k, skip);
            if (v == ABSENT) {
                continue;
            }
            for (int i = nearStart[v]; i < nearStart[v + 1]; i++) {
                Pattern p = nearPatterns[i];
                if (nearlyStartsWith(s, p.squashed())) {
                    return merchants[p.merchant()];
                }
            }
        }
        return null;
    }

    /** The name's head is the pattern, or one letter off it (dropped, doubled or wrong). */
    private static boolean nearlyStartsWith(String s, String pattern) {
        int len = pattern.length();
        for (int headLength = len - 1; headLength <= len + 1; headLength++) {
            if (s.length() >= headLength && withinOneEdit(s, headLength, pattern)) {
                return true;
            }
        }
        return false;
    }

    /** The string and every string with one of its letters deleted. */
    private static List<String> withOneDeleted(String s) {
        List<String> out = new ArrayList<>(s.length() + 1);
        out.add(s);
        for (int i = 0; i < s.length(); i++) {
            out.add(s.substring(0, i) + s.substring(i + 1));
        }
        return out;
    }

    /** DE32 may come zero-padded (as inside DE90); acquirer ids compare without leading zeros. */
    public static String stripZeros(String s) {
        int i = 0;
        while (i < s.length() - 1 && s.charAt(i) == '0') {
            i++;
        }
        return i == 0 ? s : s.substring(i);
    }

    /** Upper case, trimmed, runs of white space as one space; by hand, as it runs for every unmatched purchase. */
    static String normalize(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean space = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                space = b.length() > 0;
                continue;
            }
            if (space) {
                b.append(' ');
                space = false;
            }
            b.append(Character.toUpperCase(c));
        }
        return b.toString();
    }

    private static String squash(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Equal length with one substitution, or one insertion/deletion. */
    static boolean withinOneEdit(String a, String b) {
        return withinOneEdit(a, a.length(), b);
    }

    /** As withinOneEdit(a.substring(0, aLength), b), without making the substring. */
    private static boolean withinOneEdit(String a, int aLength, String b) {
        if (Math.abs(aLength - b.length()) > 1) {
            return false;
        }
        int i = 0;
        int j = 0;
        int edits = 0;
        while (i < aLength && j < b.length()) {
            if (a.charAt(i) == b.charAt(j)) {
                i++;
                j++;
                continue;
            }
            if (++edits > 1) {
                return false;
            }
            if (aLength > b.length()) {
                i++;
            } else if (aLength < b.length()) {
                j++;
            } else {
                i++;
                j++;
            }
        }
        return edits + (aLength - i) + (b.length() - j) <= 1;
    }
}
