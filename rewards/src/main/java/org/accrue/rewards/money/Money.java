/*
 * Money as whole minor units of an ISO 4217 currency (JPY has 0 decimals,
 * USD 2, BHD 3). No double anywhere: arithmetic is exact (overflow throws)
 * and every division names its rounding at the call site.
 */
package org.accrue.rewards.money;

import java.math.RoundingMode;
import java.util.Currency;
import java.util.Objects;

public record Money(long minor, String currency) implements Comparable<Money> {

    public static final int BASIS_POINTS = 10_000;
    /** Exponent of every ISO 4217 currency the JDK knows, read once: money is made on hot paths. */
    private static final java.util.Map<String, Integer> EXPONENTS = exponents();
    private static final java.util.Map<String, String> ALPHA_BY_NUMERIC = alphaByNumeric();

    private static java.util.Map<String, Integer> exponents() {
        java.util.Map<String, Integer> m = new java.util.HashMap<>();
        for (Currency c : Currency.getAvailableCurrencies()) {
            if (c.getDefaultFractionDigits() >= 0) {
                m.put(c.getCurrencyCode(), c.getDefaultFractionDigits());
            }
        }
        return java.util.Map.copyOf(m);
    }

    /**
     * The numeric codes of the currencies with a minor unit: the set the ISO listener accepts in DE49/DE51 (it reads
     * java.util.Currency the same way). Two codes name two currencies each (532: ANG and its successor XCG; 891: CSD
     * and YUM); the set of currencies is a HashSet, so the alphabetically last one is taken, by rule, every run.
     */
    private static java.util.Map<String, String> alphaByNumeric() {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        Currency.getAvailableCurrencies().stream()
                .filter(c -> c.getDefaultFractionDigits() >= 0)
                .sorted(java.util.Comparator.comparing(Currency::getCurrencyCode))
                .forEach(c -> m.put(String.format("%03d", c.getNumericCode()), c.getCurrencyCode()));
        return java.util.Map.copyOf(m);
    }

    public Money {
        Objects.requireNonNull(currency, "currency");
        exponent(currency); // validates the code
    }

    public static Money of(long minor, String currency) {
        return new Money(minor, currency);
    }

    public static Money zero(String currency) {
        return new Money(0, currency);
    }

    /** The number of decimals of an ISO 4217 alpha code (USD 2, JPY 0, BHD 3). */
    public static int exponent(String alphaCode) {
        Integer e = alphaCode == null ? null : EXPONENTS.get(alphaCode);
        if (e == null) {
            throw new IllegalArgumentException("not an ISO 4217 currency with a minor unit: " + alphaCode);
        }
        return e;
    }

    /**
     * An amount as people read it: "12.50 USD" when {@code code} is an ISO 4217 alpha code (by its exponent), else
     * the amount and the code as they are ("1200 SKY"); never throws, for texts written from unchecked input.
     */
    public static String show(long minor, String code) {
        Integer e = code == null ? null : EXPONENTS.get(code);
        return e == null ? minor + (code == null ? "" : " " + code) : new Money(minor, code).toString();
    }

    /** Amounts per currency, "72.48 EUR, 323.59 USD", in the map's order; "nothing" when empty. */
    public static String show(java.util.Map<String, Long> byCurrency) {
        return byCurrency.isEmpty() ? "nothing" : String.join(", ", byCurrency.entrySet().stream()
                .map(t -> show(t.getValue(), t.getKey())).toList());
    }

    /** ISO 4217 numeric ("840") to alpha ("USD"), as DE49/DE51 carry it. */
    public static String alphaOf(String numericCode) {
        String a = numericCode == null ? null : ALPHA_BY_NUMERIC.get(numericCode);
        if (a == null) {
            throw new IllegalArgumentException("not an ISO 4217 numeric code: " + numericCode);
        }
        return a;
    }

    public Money plus(Money other) {
        same(other);
        return new Money(Math.addExact(minor, other.minor), currency);
    }

    public Money minus(Money other) {
        same(other);
        return new Money(Math.subtractExact(minor, other.minor), currency);
    }

    public Money min(Money other) {
        same(other);
        return minor <= other.minor ? this : other;
    }

    public boolean isZero() {
        return minor == 0;
    }

    public boolean isNegative() {
        return minor < 0;
    }

    /** This amount times {@code bps}/10000, rounded as named. */
    public Money timesBasisPoints(long bps, RoundingMode rounding) {
        return new Money(divide(Math.multiplyExact(minor, bps), BASIS_POINTS, rounding), currency);
    }

    /** This amount times numerator/denominator (proportional reductions), rounded as named. */
    public Money times(long numerator, long denominator, RoundingMode rounding) {
        return new Money(divide(Math.multiplyExact(minor, numerator), denominator, rounding), currency);
    }

    /** Units per major unit of this amount (2 miles per USD): whole units, rounded as named. */
    public long unitsPerMajor(long unitsPerMajor, RoundingMode rounding) {
        return divide(Math.multiplyExact(minor, unitsPerMajor), minorPerMajor(currency), rounding);
    }

    /** 10^exponent: 100 for USD, 1 for JPY, 1000 for BHD. */
    public static long minorPerMajor(String currency) {
        return POW10[exponent(currency)];
    }

    private static final long[] POW10 = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000};

    /** Exact integer division with a named rounding mode; UNNECESSARY throws when inexact. */
    public static long divide(long n, long d, RoundingMode rounding) {
        if (d == 0) {
            throw new ArithmeticException("division by zero");
        }
        long q = n / d;
        long r = n % d;
        if (r == 0) {
            return q;
        }
        int sign = Long.signum(n) * Long.signum(d);
        long twiceR = Math.abs(r) * 2; // |r| < |d| so no overflow for |d| < 2^62
        long absD = Math.abs(d);
        boolean up = switch (rounding) {
            case UP -> true;
            case DOWN -> false;
            case CEILING -> sign > 0;
            case FLOOR -> sign < 0;
            case HALF_UP -> twiceR >= absD;
            case HALF_DOWN -> twiceR > absD;
            case HALF_EVEN -> twiceR > absD || (twiceR == absD && (q & 1) != 0);
            case UNNECESSARY -> throw new ArithmeticException("rounding necessary");
        };
        return up ? q + sign : q;
    }

    private void same(Money other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("currency mismatch: " + currency + " and " + other.currency);
        }
    }

    @Override
    public int compareTo(Money o) {
        same(o);
        return Long.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        int e = exponent(currency);
        long abs = Math.abs(minor);
        String major = Long.toString(abs / POW10[e]);
        String frac = e == 0 ? "" : "." + String.format("%0" + e + "d", abs % POW10[e]);
        return (minor < 0 ? "-" : "") + major + frac + " " + currency;
    }
}
