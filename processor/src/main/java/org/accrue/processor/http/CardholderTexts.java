/*
 * The cardholder page's words, numbers, money and dates in one language (the issuer's: en, da, nb, tr), from the
 * message bundles in resources/cardholder/. Amounts are formatted exactly from minor units, never through a double.
 */
package org.accrue.processor.http;

import java.text.DecimalFormatSymbols;
import java.text.MessageFormat;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.ResourceBundle;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.cardholder.Cardholder;
import org.accrue.rewards.money.Money;

/** The page's words, numbers, money and dates in one language. */
final class CardholderTexts {
    private static final Map<AccrueConfig.Language, ResourceBundle> BUNDLES = new EnumMap<>(AccrueConfig.Language.class);

    static {
        for (AccrueConfig.Language l : AccrueConfig.Language.values()) {
            BUNDLES.put(l, ResourceBundle.getBundle("cardholder.messages", Locale.forLanguageTag(l.tag()),
                    ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES)));
        }
    }

    private final AccrueConfig.Language language;
    private final Locale locale;
    private final ResourceBundle bundle;
    private final java.time.ZoneId zone;

    /** The page in {@code language}, its dates on the issuer's {@code zone} (its cardholders' calendar). */
    CardholderTexts(AccrueConfig.Language language, java.time.ZoneId zone) {
        this.language = language;
        this.locale = Locale.forLanguageTag(language.tag());
        this.bundle = BUNDLES.get(language);
        this.zone = zone;
    }

    CardholderTexts(AccrueConfig.Issuer issuer) {
        this(issuer == null ? AccrueConfig.Language.EN : issuer.language(), issuer == null ? ZoneOffset.UTC : issuer.timeZone());
    }

    String m(String key, Object... args) {
        String pattern = bundle.getString(key);
        return args.length == 0 ? pattern : new MessageFormat(pattern, locale).format(args);
    }

    String date(Instant at) {
        return at == null ? "" : date(LocalDate.ofInstant(at, zone));
    }

    String date(LocalDate d) {
        return DateTimeFormatter.ofLocalizedDate(FormatStyle.MEDIUM).withLocale(locale).format(d);
    }

    String number(long n) {
        return java.text.NumberFormat.getIntegerInstance(locale).format(n);
    }

    /** {@code units} with {@code exponent} decimals, exactly (no floating point), in the locale's separators. */
    String decimal(long units, int exponent) {
        if (exponent == 0) {
            return number(units);
        }
        long scale = (long) Math.pow(10, exponent);
        long whole = Math.abs(units) / scale;
        long frac = Math.abs(units) % scale;
        String f = String.format("%0" + exponent + "d", frac);
        return (units < 0 ? "-" : "") + number(whole) + DecimalFormatSymbols.getInstance(locale).getDecimalSeparator() + f;
    }

    String money(long minor, String currency) {
        int e;
        try {
            e = Money.exponent(currency);
        } catch (IllegalArgumentException x) {
            e = 0;
        }
        return decimal(minor, e) + " " + currency;
    }

    /** An amount of a reward unit: cash in its currency, miles and points as whole numbers with their program. */
    String unitAmount(Long amount, String unit, String word) {
        long a = amount == null ? 0 : amount;
        try {
            return decimal(a, Money.exponent(unit)) + " " + unit;
        } catch (IllegalArgumentException e) {
            return number(a) + (word == null ? "" : " " + word.toLowerCase(locale)) + " " + unit;
        }
    }

    /** A cap's figure of an offer: money for cash rewards, a count for miles and points. */
    String amount(long v, Cardholder.OfferView o) {
        return switch (o.earns().kind()) {
            case "MILES_PER_UNIT", "POINTS_PER_UNIT" -> number(v);
            default -> money(v, o.currency());
        };
    }

    AccrueConfig.Language language() {
        return language;
    }
}
