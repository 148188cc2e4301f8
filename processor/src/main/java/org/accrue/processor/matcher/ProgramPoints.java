/*
 * Base earning of the issuers' own points programs (points.PointsProgram): every purchase of a card earns its
 * issuer's programs' points at the program's rate (the bonus category's for the purchase's MCC, else the base
 * rate), on the purchase without tip in the program's currency (DE4, else DE6; neither: nothing), rounded down to
 * whole points, on top of whatever offers earned (like a STACKABLE offer). Each program earns as an offer of its
 * own, "points:<PROGRAM>" (ISSUER-funded, return period 0), so the reward is unique per purchase and program, and
 * clearing, refunds and reversals treat it as they treat any reward of the purchase. An offer paying an issuer's
 * program pays it to that issuer's cards only (another issuer's card earns nothing from it; the outcome says why).
 * The matcher reloads the programs with its catalog.
 */
package org.accrue.processor.matcher;

import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.processor.points.PointsProgram;
import org.accrue.rewards.matching.Earned;
import org.accrue.rewards.matching.Purchase;
import org.accrue.rewards.matching.RewardUnit;
import org.accrue.rewards.money.Money;
import org.accrue.rewards.offers.Offer;
import org.accrue.rewards.offers.RewardRule;

final class ProgramPoints {
    static final ProgramPoints NONE = new ProgramPoints(List.of());

    /** The offer id a program's base earning goes by. */
    static String offerId(String program) {
        return "points:" + program;
    }

    private record Earning(PointsProgram program, Offer offer) {
    }

    private final Map<String, List<Earning>> byIssuer = new HashMap<>();
    /** Each stored program's issuer: an offer paying its points pays them to that issuer's cards only. */
    private final Map<String, String> owner = new HashMap<>();

    ProgramPoints(List<PointsProgram> programs) {
        for (PointsProgram p : programs) {
            if (p.issuerId() != null) {
                owner.put(p.program(), p.issuerId());
            }
            if (p.issuerId() == null || (p.pointsPerUnit() == 0 && p.bonuses().isEmpty())) {
                continue; // earns through offers only
            }
            Offer o = new Offer(offerId(p.program()), null, Set.of("0000"),
                    new RewardRule.PointsPerUnit(Math.max(1, p.pointsPerUnit()), p.program()), p.currency(), 0, null,
                    null, null, Instant.EPOCH, null, Set.of(), List.of(), Set.of(), Offer.Channel.ANY, false, 0,
                    Offer.Audience.ALL, 0, 0, Offer.Funding.ISSUER, 0, Offer.Stacking.STACKABLE, Map.of(),
                    RoundingMode.DOWN, Offer.Status.ACTIVE);
            byIssuer.computeIfAbsent(p.issuerId(), k -> new ArrayList<>()).add(new Earning(p, o));
        }
    }

    /** The issuer whose program {@code e} pays points of, when that is not {@code issuerId}; else null. */
    String foreignOwner(String issuerId, Earned e) {
        if (e.unit().kind() != RewardUnit.Kind.POINTS) {
            return null;
        }
        String o = owner.get(e.unit().code());
        return o == null || o.equals(issuerId) ? null : o;
    }

    /** What the issuer's programs earn on the purchase: one Earned per program that pays something. */
    List<Earned> earn(String issuerId, Purchase p) {
        List<Earning> programs = byIssuer.get(issuerId);
        if (programs == null) {
            return List.of();
        }
        List<Earned> out = new ArrayList<>(programs.size());
        for (Earning e : programs) {
            int rate = e.program().rateFor(p.mcc());
            String currency = e.program().currency();
            long base;
            if (p.amount().currency().equals(currency)) {
                base = p.amount().minor() - p.tipMinor();
            } else if (p.billingAmount() != null && p.billingAmount().currency().equals(currency)) {
                long tipBilled = p.amount().minor() == 0 ? 0 : Money.divide(Math.multiplyExact(p.tipMinor(),
                        p.billingAmount().minor()), p.amount().minor(), RoundingMode.HALF_UP);
                base = p.billingAmount().minor() - tipBilled;
            } else {
                continue;
            }
            long points = base <= 0 || rate == 0 ? 0 : Money.divide(Math.multiplyExact(base, rate),
                    pow10(Money.exponent(currency)), RoundingMode.DOWN);
            if (points > 0) {
                out.add(new Earned(e.offer(), new RewardUnit(RewardUnit.Kind.POINTS, e.program().program()), points, base,
                        currency, false));
            }
        }
        return out;
    }

    private static long pow10(int exponent) {
        long v = 1;
        for (int i = 0; i < exponent; i++) {
            v *= 10;
        }
        return v;
    }
}
