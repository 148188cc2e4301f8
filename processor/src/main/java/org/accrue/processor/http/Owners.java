/*
 * Names for ledger account owners, as ops know them. The ledger keeps owners
 * as the rewards module spells them: a card account by the card's row id, a
 * funder as "MERCHANT:<id>", "ISSUER:<id>" or "PARTNER:<offer>", a settlement
 * account by issuer id or "AIRLINE:<program>". Shown as the merchant's name,
 * the card masked with its account reference ("**** 1234 (ACC-REF)", a link
 * to the card's page), "issuer BANK_A", "airline SKY", "Accrue". The names
 * are looked up once per page (one read of the cards named, the merchants).
 */
package org.accrue.processor.http;

import java.util.Map;

import org.accrue.processor.cards.Card;
import org.accrue.rewards.ledger.Account;
import org.eclipse.jetty.util.StringUtil;

final class Owners {
    private final Map<Long, Card> cards;
    private final Map<String, String> merchantNames;
    private final String consolePath;

    Owners(Map<Long, Card> cards, Map<String, String> merchantNames, String consolePath) {
        this.cards = cards;
        this.merchantNames = merchantNames;
        this.consolePath = consolePath;
    }

    /** "**** 1234 (ACC-REF)": the last four and the issuer's account reference, never more of the number. */
    static String masked(Card c) {
        return "**** " + c.last4() + " (" + c.accountRef() + ")";
    }

    /** The card row id a cardholder account names, or null (another kind of account, or not a number). */
    static Long cardRow(Account a) {
        if (a.type() != Account.Type.CARDHOLDER_PENDING && a.type() != Account.Type.CARDHOLDER_AVAILABLE) {
            return null;
        }
        try {
            return Long.parseLong(a.owner());
        } catch (NumberFormatException notARow) {
            return null;
        }
    }

    /** The owner as escaped HTML: a card as a link to its page, the rest as text. */
    String html(Account a) {
        Long row = cardRow(a);
        Card c = row == null ? null : cards.get(row);
        if (c != null) {
            return "<a href='" + consolePath + "/cards/" + esc(c.cardId()) + "'>" + esc(masked(c)) + "</a>";
        }
        return esc(text(a));
    }

    /** The owner as text. */
    String text(Account a) {
        Long row = cardRow(a);
        if (row != null) {
            Card c = cards.get(row);
            return c == null ? "card (no longer enrolled)" : masked(c);
        }
        String owner = a.owner();
        int colon = owner.indexOf(':');
        String kind = colon < 0 ? "" : owner.substring(0, colon);
        String id = owner.substring(colon + 1);
        return switch (kind) {
            case "MERCHANT" -> merchantNames.getOrDefault(id, "merchant " + id);
            case "ISSUER" -> "issuer " + id;
            case "PARTNER" -> "partner " + id;
            case "AIRLINE" -> "airline " + id;
            case "ACCRUE" -> "Accrue";
            default -> "ACCRUE".equalsIgnoreCase(owner) ? "Accrue"
                    : a.type() == Account.Type.ISSUER_SETTLEMENT ? "issuer " + owner : owner;
        };
    }

    private static String esc(String s) {
        return StringUtil.sanitizeXmlString(s);
    }
}
