/*
 * A card_message row as the matcher reads it back, in the types the ISO edge gave the message when it came in: the
 * Mti, amounts as Money in their ISO 4217 currency (DE4 in DE49's, DE6 in DE51's), the purchase channel of DE22, DE12
 * and DE13 as a time and a day, DE3 as what the matcher does with it. Nothing past the read matches codes as strings.
 * The token, never a PAN.
 *
 * A row the types refuse (a currency that is not ISO 4217 with a minor unit, which the listener answers 30 but an old
 * node stored) cannot be read: the read throws naming the message and the element, and the matcher's failure rules
 * take it from there (the message matched alone, charged, quarantined for ops after RewardMatcher.FAILURES_MAX).
 */
package org.accrue.processor.matcher;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.accrue.iso8583.Mti;
import org.accrue.iso8583.PurchaseChannel;
import org.accrue.iso8583.TransactionKind;
import org.accrue.processor.store.Sql;
import org.accrue.rewards.money.Money;

record StoredMessage(long id, long seq, Mti mti, long cardId, String issuerId, String panToken, String processingCode,
                     TransactionKind kind, Money amount, Money billing, long tipMinor, LocalTime localTime, MonthDay localDate,
                     String mcc, PurchaseChannel channel, String acquirerId, String rrn, String authId, String merchantId,
                     String acceptorName, String acceptorCity, String acceptorCountry, Original original, Long replacementAmountMinor, Instant receivedAt,
                     boolean cardErased) {

    /** DE90 of a reversal: the original's MTI, STAN, DE7 and acquirer, as stored. */
    record Original(Mti mti, String stan, String transmitted, String acquirerId) {
        /** STAN or DE7 zero-filled: the original is then found by token + DE37 + DE38 + amount (spec). */
        boolean zeroFilledKey() {
            return stan.chars().allMatch(ch -> ch == '0') || transmitted.chars().allMatch(ch -> ch == '0');
        }
    }

    /** card_message's columns as read(rs) takes them; the issuer is the card's, filled in by withCard. */
    private static final String COLUMNS = "m.id, m.mti, m.card_id, m.pan_token, m.processing_code, m.amount_minor, "
            + "m.currency, m.billing_amount_minor, m.billing_currency, m.local_time, m.local_date, "
            + "m.mcc, m.pos_entry_mode, m.acquirer_id, m.rrn, m.auth_id, m.merchant_id, m.acceptor_name, m.tip_minor, "
            + "m.orig_mti, m.orig_stan, m.orig_transmitted, m.orig_acquirer_id, m.replacement_amount_minor, m.received_at, m.seq, "
            + "m.acceptor_city, m.acceptor_country";

    /**
     * The messages {@code ids} by primary key, in arrival order (seq, V18: ids from per-writer blocks are not, across
     * nodes), each with its card's issuer; a message whose card cannot be read has none (the caller reports it).
     */
    static List<StoredMessage> read(Connection c, List<Long> ids) throws SQLException {
        List<StoredMessage> messages = new ArrayList<>();
        // The messages alone, by primary key; then their cards' issuers in a statement of their own. Every join of the
        // two was planned badly as the tables grew: a plain join read each card's whole history through
        // ix_card_message_card (1,900 purchases/s at 2 million stored), a straight_join copied every message row into
        // a join buffer and compared it with every card (a fifth of mariadbd's CPU under perf). Issue 13.
        try (PreparedStatement ps = c.prepareStatement("select " + COLUMNS
                + " from card_message m where m.id in (" + Sql.marks(ids.size()) + ") order by m.seq")) {
            for (int i = 0; i < ids.size(); i++) {
                ps.setLong(i + 1, ids.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    messages.add(read(rs));
                }
            }
        }
        List<Long> cardIds = messages.stream().map(StoredMessage::cardId).distinct().toList();
        Map<Long, String> issuers = new HashMap<>();
        java.util.Set<Long> erased = new java.util.HashSet<>();
        if (!cardIds.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("select id, issuer_id, status from card where id in ("
                    + Sql.marks(cardIds.size()) + ")")) {
                for (int i = 0; i < cardIds.size(); i++) {
                    ps.setLong(i + 1, cardIds.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        issuers.put(rs.getLong(1), rs.getString(2));
                        if ("ERASED".equals(rs.getString(3))) {
                            erased.add(rs.getLong(1));
                        }
                    }
                }
            }
        }
        messages.replaceAll(m -> m.withCard(issuers.get(m.cardId()), erased.contains(m.cardId())));
        return messages;
    }

    private static StoredMessage read(ResultSet rs) throws SQLException {
        long id = rs.getLong(1);
        String processingCode = rs.getString(5);
        Long billingMinor = rs.getObject(8, Long.class);
        String localTime = rs.getString(10);
        String localDate = rs.getString(11);
        String origMti = rs.getString(20);
        return new StoredMessage(id, rs.getLong(26), Mti.of(rs.getString(2)), rs.getLong(3), null, rs.getString(4), processingCode,
                TransactionKind.of(processingCode), money(id, 49, rs.getLong(6), rs.getString(7)),
                billingMinor == null ? null : money(id, 51, billingMinor, rs.getString(9)), rs.getLong(19),
                localTime == null ? null : LocalTime.of(Integer.parseInt(localTime.substring(0, 2)),
                        Integer.parseInt(localTime.substring(2, 4)), Integer.parseInt(localTime.substring(4))),
                localDate == null ? null : MonthDay.of(Integer.parseInt(localDate.substring(0, 2)),
                        Integer.parseInt(localDate.substring(2))),
                rs.getString(12), PurchaseChannel.of(rs.getString(13)), rs.getString(14), rs.getString(15),
                rs.getString(16), rs.getString(17), rs.getString(18), rs.getString(27), rs.getString(28),
                origMti == null ? null : new Original(Mti.of(origMti), rs.getString(21), rs.getString(22), rs.getString(23)),
                rs.getObject(24, Long.class), rs.getObject(25, LocalDateTime.class).toInstant(ZoneOffset.UTC), false);
    }

    /** An amount in the ISO 4217 numeric code stored beside it; a code that names no such currency is the row's fault. */
    private static Money money(long messageId, int currencyElement, long minor, String numericCode) {
        try {
            return Money.of(minor, Money.alphaOf(numericCode));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("stored message " + messageId + ", DE" + currencyElement + ": "
                    + e.getMessage(), e);
        }
    }

    /** This message with its card's issuer, and whether the card is erased (its messages then earn nothing). */
    private StoredMessage withCard(String issuer, boolean erased) {
        return new StoredMessage(id, seq, mti, cardId, issuer, panToken, processingCode, kind, amount, billing, tipMinor,
                localTime, localDate, mcc, channel, acquirerId, rrn, authId, merchantId, acceptorName, acceptorCity,
                acceptorCountry, original,
                replacementAmountMinor, receivedAt, erased);
    }

    /**
     * This message's amount in {@code alphaCode}, as the matching engine picks a reward's base: DE4 when DE49 is that
     * currency, else DE6 when DE51 is; null when it carries none in it.
     */
    Money amountIn(String alphaCode) {
        if (amount.currency().equals(alphaCode)) {
            return amount;
        }
        return billing != null && billing.currency().equals(alphaCode) ? billing : null;
    }

    /** Auth, clearings and reversals of one purchase share (token, DE37, DE38). */
    String lifecycleKey() {
        return panToken + "|" + nz(rrn) + "|" + nz(authId);
    }

    /** Refunds find their purchase by (token, DE37). */
    String rrnKey() {
        return rrn == null ? null : panToken + "|" + rrn;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
