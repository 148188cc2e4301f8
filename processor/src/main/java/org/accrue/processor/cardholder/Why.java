/*
 * A purchase's "why" for the cardholder, read from the matcher's match_outcome detail: which offer earned what, which
 * offer declined and for which rule (the engine's Reason, in the spec's precedence), or what the message was when it
 * was not a purchase to reward. The matcher writes that detail as text ("earned O1 250 USD; O2: BELOW_MIN_SPEND; ");
 * until it stores the outcome's lines typed, this is the one place that reads the text back, and anything it does not
 * recognise becomes OTHER, never shown verbatim to a cardholder (a MID suggestion names a MID and another merchant).
 */
package org.accrue.processor.cardholder;

import java.util.ArrayList;
import java.util.List;

import org.accrue.rewards.matching.Reason;

public final class Why {
    private Why() {
    }

    /** What a line of the outcome says. */
    public enum Kind {
        /** The offer rewarded the purchase. */
        EARNED,
        /** The offer declined for {@code reason}. */
        DECLINED,
        /** No merchant and no category offer recognised the purchase. */
        NO_MERCHANT,
        /** The merchant was recognised but has no offers. */
        NO_OFFERS,
        /** The clearing (or a repeat) of a purchase already matched: its authorization earned. */
        CLEARING,
        /** The purchase counted as a punch on the punch card {@code offerId} (amount: its place on the card). */
        PUNCH,
        /** The purchase counted toward the spend bonus {@code offerId} (amount: the spend in the period so far). */
        THRESHOLD_SPEND,
        /** A refund: rewards of the purchase reduced in proportion. */
        REFUND,
        /** A reversal: the purchase's rewards reduced or reversed. */
        REVERSAL,
        /** A message that earns nothing by its kind (processing code). */
        NOT_A_PURCHASE,
        /** Anything else the matcher said (kept for ops; not shown to cardholders). */
        OTHER
    }

    /** One line of the why: an offer earning or declining, or what the message was. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record Line(Kind kind, String offerId, Reason reason, Long amount, String unit) {
    }

    public static List<Line> parse(String detail) {
        List<Line> out = new ArrayList<>();
        if (detail == null) {
            return out;
        }
        boolean other = false;
        for (String raw : detail.split(";")) {
            String s = raw.strip();
            if (s.isEmpty()) {
                continue;
            }
            Line l = line(s);
            if (l.kind() == Kind.OTHER) {
                if (other) {
                    continue; // one OTHER says it
                }
                other = true;
            }
            out.add(l);
        }
        return out;
    }

    private static Line line(String s) {
        if (s.startsWith("earned ")) {
            String[] p = s.split(" ");
            if (p.length == 4) {
                try {
                    return new Line(Kind.EARNED, p[1], null, Long.parseLong(p[2]), p[3]);
                } catch (NumberFormatException e) {
                    return other();
                }
            }
            return other();
        }
        if (s.startsWith("punch ") || s.startsWith("spend ")) {
            String[] p = s.split(" ");
            if (p.length >= 3) {
                try {
                    long n = Long.parseLong(p[2].substring(0, p[2].indexOf('/')));
                    return new Line(s.startsWith("punch ") ? Kind.PUNCH : Kind.THRESHOLD_SPEND, p[1], null, n, null);
                } catch (RuntimeException e) {
                    return other();
                }
            }
            return other();
        }
        int colon = s.lastIndexOf(": ");
        if (colon > 0) {
            try {
                return new Line(Kind.DECLINED, s.substring(0, colon), Reason.valueOf(s.substring(colon + 2).strip()), null, null);
            } catch (IllegalArgumentException e) {
                // not an offer's reason: fall through to the message kinds
            }
        }
        if (s.equals("no merchant or category offer matched")) {
            return kind(Kind.NO_MERCHANT);
        }
        if (s.equals("no offers for this merchant")) {
            return kind(Kind.NO_OFFERS);
        }
        if (s.startsWith("clearing of ") || s.startsWith("repeat of ")) {
            return kind(Kind.CLEARING);
        }
        if (s.startsWith("refund")) {
            return kind(Kind.REFUND);
        }
        if (s.contains("reversal")) {
            return kind(Kind.REVERSAL);
        }
        if (s.startsWith("processing code ")) {
            return kind(Kind.NOT_A_PURCHASE);
        }
        return other();
    }

    private static Line kind(Kind k) {
        return new Line(k, null, null, null, null);
    }

    private static Line other() {
        return kind(Kind.OTHER);
    }
}
