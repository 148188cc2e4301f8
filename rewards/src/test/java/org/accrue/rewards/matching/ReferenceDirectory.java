/*
 * Merchant resolution as it was before the MID table and the hashed
 * descriptor and near-miss indexes (MerchantDirectory): plain hash maps of
 * strings. Kept only as the oracle for MatchingEngineEquivalenceTest.
 */
package org.accrue.rewards.matching;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.accrue.rewards.offers.Merchant;

final class ReferenceDirectory {
    private record Pattern(String text, boolean prefix, String squashed, Merchant merchant) {
    }

    private static final int LEAD_LENGTH_MAX = 8;
    private static final int SQUASHED_LENGTH_MIN = 4;

    private final Map<String, Map<String, Merchant>> byAcquirer = new HashMap<>();
    private final Map<String, Merchant> exact = new HashMap<>();
    private final Map<String, Merchant> prefixes = new HashMap<>();
    private final java.util.TreeSet<Integer> prefixLengths = new java.util.TreeSet<>(java.util.Comparator.reverseOrder());
    private final Map<String, List<Pattern>> nearIndex = new HashMap<>();
    private final java.util.TreeSet<Integer> leadLengths = new java.util.TreeSet<>();

    ReferenceDirectory(Iterable<Merchant> merchants) {
        for (Merchant m : merchants) {
            for (Merchant.Mid mid : m.mids()) {
                byAcquirer.computeIfAbsent(stripZeros(mid.acquirerId()), k -> new HashMap<>()).put(mid.mid().strip(), m);
            }
            for (String d : m.descriptors()) {
                String n = normalize(d);
                boolean prefix = n.endsWith("*");
                String text = prefix ? n.substring(0, n.length() - 1).strip() : n;
                if (text.length() < 2) {
                    continue;
                }
                Pattern p = new Pattern(text, prefix, squash(text), m);
                if (prefix) {
                    prefixes.putIfAbsent(text, m);
                    prefixLengths.add(text.length());
                } else {
                    exact.putIfAbsent(text, m);
                }
                if (p.squashed().length() >= SQUASHED_LENGTH_MIN) {
                    String lead = p.squashed().substring(0, Math.min(LEAD_LENGTH_MAX, p.squashed().length()));
                    leadLengths.add(lead.length());
                    for (String v : withOneDeleted(lead)) {
                        nearIndex.computeIfAbsent(v, k -> new ArrayList<>()).add(p);
                    }
                }
            }
        }
    }

    public Merchant byMid(String acquirerId, String mid) {
        if (acquirerId == null || mid == null) {
            return null;
        }
        Map<String, Merchant> mids = byAcquirer.get(stripZeros(acquirerId));
        return mids == null ? null : mids.get(mid);
    }

    public Merchant byDescriptor(String name) {
        if (name == null) {
            return null;
        }
        String n = normalize(name);
        Merchant m = exact.get(n);
        if (m != null) {
            return m;
        }
        for (int length : prefixLengths) { // longest first
            if (length <= n.length()) {
                m = prefixes.get(n.substring(0, length));
                if (m != null) {
                    return m;
                }
            }
        }
        return null;
    }

    /** The merchant a name nearly matches, or null. */
    public Merchant nearMiss(String name) {
        if (name == null) {
            return null;
        }
        String s = squash(normalize(name));
        java.util.Set<Integer> tried = new java.util.HashSet<>();
        for (int lead : leadLengths) {
            // The name's lead may be one letter shorter or longer than a pattern's lead.
            for (int k = lead - 1; k <= lead + 1; k++) {
                if (k < SQUASHED_LENGTH_MIN - 1 || k > s.length() || !tried.add(k)) {
                    continue;
                }
                Merchant m = nearMissAt(s, k);
                if (m != null) {
                    return m;
                }
            }
        }
        return null;
    }

    private Merchant nearMissAt(String s, int k) {
        {
            for (String v : withOneDeleted(s.substring(0, k))) {
                List<Pattern> candidates = nearIndex.get(v);
                if (candidates == null) {
                    continue;
                }
                for (Pattern p : candidates) {
                    if (nearlyStartsWith(s, p.squashed())) {
                        return p.merchant();
                    }
                }
            }
        }
        return null;
    }

    /** The name's head is the pattern, or one letter off it (dropped, doubled or wrong). */
    private static boolean nearlyStartsWith(String s, String pattern) {
        int len = pattern.length();
        for (int headLength = len - 1; headLength <= len + 1; headLength++) {
            if (s.length() >= headLength && withinOneEdit(s.substring(0, headLength), pattern)) {
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
        if (Math.abs(a.length() - b.length()) > 1) {
            return false;
        }
        int i = 0;
        int j = 0;
        int edits = 0;
        while (i < a.length() && j < b.length()) {
            if (a.charAt(i) == b.charAt(j)) {
                i++;
                j++;
                continue;
            }
            if (++edits > 1) {
                return false;
            }
            if (a.length() > b.length()) {
                i++;
            } else if (a.length() < b.length()) {
                j++;
            } else {
                i++;
                j++;
            }
        }
        return edits + (a.length() - i) + (b.length() - j) <= 1;
    }
}
