/*
 * Merchant resolution: by (acquirer id, MID) first, then by descriptor
 * pattern against DE43's name. Patterns are upper-case with single spaces;
 * a trailing * matches any suffix. Descriptors are bucketed by their first
 * two letters so a lookup scans a handful of patterns, not all of them.
 * A name that matches nothing but, with spaces and punctuation removed,
 * starts with a pattern (or misses it by one letter) is a near miss: a MID
 * suggestion for ops.
 */
package org.accrue.rewards.matching;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.accrue.rewards.offers.Merchant;

public final class MerchantDirectory {
    private record Pattern(String text, boolean prefix, String squashed, Merchant merchant) {
    }

    private final Map<String, Merchant> byMid = new HashMap<>();
    private final Map<String, List<Pattern>> byLead = new HashMap<>();
    private final Map<String, List<Pattern>> bySquashedLead = new HashMap<>();

    public MerchantDirectory(Iterable<Merchant> merchants) {
        for (Merchant m : merchants) {
            for (Merchant.Mid mid : m.mids()) {
                byMid.put(midKey(mid.acquirerId(), mid.mid()), m);
            }
            for (String d : m.descriptors()) {
                String n = normalize(d);
                boolean prefix = n.endsWith("*");
                String text = prefix ? n.substring(0, n.length() - 1).strip() : n;
                if (text.length() < 2) {
                    continue;
                }
                Pattern p = new Pattern(text, prefix, squash(text), m);
                byLead.computeIfAbsent(text.substring(0, 2), k -> new ArrayList<>()).add(p);
                if (p.squashed().length() >= 2) {
                    bySquashedLead.computeIfAbsent(p.squashed().substring(0, 2), k -> new ArrayList<>()).add(p);
                }
            }
        }
    }

    public Merchant byMid(String acquirerId, String mid) {
        return acquirerId == null || mid == null ? null : byMid.get(midKey(acquirerId, mid));
    }

    public Merchant byDescriptor(String name) {
        if (name == null) {
            return null;
        }
        String n = normalize(name);
        if (n.length() < 2) {
            return null;
        }
        List<Pattern> candidates = byLead.get(n.substring(0, 2));
        if (candidates == null) {
            return null;
        }
        for (Pattern p : candidates) {
            if (p.prefix() ? n.startsWith(p.text()) : n.equals(p.text())) {
                return p.merchant();
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
        if (s.length() < 2) {
            return null;
        }
        List<Pattern> candidates = bySquashedLead.get(s.substring(0, 2));
        if (candidates == null) {
            return null;
        }
        for (Pattern p : candidates) {
            int len = p.squashed().length();
            if (len < 4) {
                continue;
            }
            // The name's head may be one letter shorter or longer than the pattern (a dropped or doubled letter).
            for (int headLength = len - 1; headLength <= len + 1; headLength++) {
                if (s.length() >= headLength && withinOneEdit(s.substring(0, headLength), p.squashed())) {
                    return p.merchant();
                }
            }
        }
        return null;
    }

    private static String midKey(String acquirerId, String mid) {
        return stripZeros(acquirerId) + "|" + mid.strip();
    }

    private static String stripZeros(String s) {
        int i = 0;
        while (i < s.length() - 1 && s.charAt(i) == '0') {
            i++;
        }
        return s.substring(i);
    }

    static String normalize(String s) {
        return s.strip().toUpperCase(java.util.Locale.ROOT).replaceAll("\\s+", " ");
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
