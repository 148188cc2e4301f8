package org.accrue.processor.matcher;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.hibernate.SessionFactory;

/** Read side of rewards: a card's rewards and, per purchase, what it earned or why it earned nothing. */
public final class RewardQueries {
    public static final int LIMIT_MAX = 500;
    private final SessionFactory sessions;

    public RewardQueries(SessionFactory sessions) {
        this.sessions = sessions;
    }

    /** The card's rewards, newest first; amounts as {"minor","currency"} for cash and integers for miles and points. */
    public List<Map<String, Object>> rewards(long cardId, int limit) {
        return sessions.fromSession(s -> {
            List<Object[]> rows = s.createNativeQuery("select public_id, status, unit_kind, unit_code, amount, "
                            + "original_amount, offer_id, merchant_id, purchased_at, cleared_at, updated_at from reward "
                            + "where card_id = :c order by id desc", Object[].class)
                    .setParameter("c", cardId).setMaxResults(Math.min(limit, LIMIT_MAX)).getResultList();
            List<Map<String, Object>> out = new ArrayList<>();
            for (Object[] r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("rewardId", r[0]);
                m.put("status", r[1]);
                String kind = (String) r[2];
                long amount = ((Number) r[4]).longValue();
                if (kind.equals("CASH")) {
                    m.put("amount", Map.of("minor", amount, "currency", r[3]));
                    m.put("earned", Map.of("minor", ((Number) r[5]).longValue(), "currency", r[3]));
                } else {
                    m.put(kind.equals("MILES") ? "miles" : "points", amount);
                    m.put("program", r[3]);
                }
                m.put("offerId", r[6]);
                m.put("merchantId", r[7]);
                m.put("purchasedAt", instant(r[8]));
                if (r[9] != null) {
                    m.put("clearedAt", instant(r[9]));
                }
                m.put("updatedAt", instant(r[10]));
                out.add(m);
            }
            return out;
        });
    }

    /** Per purchase message: merchant, how it was found, rewards earned, and the reasons of every offer that declined. */
    public List<Map<String, Object>> purchases(long cardId, int limit) {
        return sessions.fromSession(s -> {
            List<Object[]> rows = s.createNativeQuery("select o.message_id, m.mti, m.amount_minor, m.currency, "
                            + "o.merchant_id, o.resolution, o.earned, o.detail, o.purchased_at from match_outcome o "
                            + "join card_message m on m.id = o.message_id where o.card_id = :c order by o.message_id desc",
                            Object[].class)
                    .setParameter("c", cardId).setMaxResults(Math.min(limit, LIMIT_MAX)).getResultList();
            List<Map<String, Object>> out = new ArrayList<>();
            for (Object[] r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("messageId", r[0]);
                m.put("mti", r[1]);
                m.put("amount", amount(((Number) r[2]).longValue(), (String) r[3]));
                m.put("merchantId", r[4]);
                m.put("resolution", r[5]);
                m.put("rewardsEarned", r[6]);
                m.put("why", r[7]);
                m.put("at", instant(r[8]));
                out.add(m);
            }
            return out;
        });
    }

    /**
     * A purchase's amount as every amount over HTTP is (http-api.md): {"minor", "currency": ISO 4217 alpha}. The message
     * keeps DE49 as sent ("840"); a code no currency has (stored before the listener refused them) is shown as it is.
     */
    private static Map<String, Object> amount(long minor, String numeric) {
        String currency;
        try {
            currency = org.accrue.rewards.money.Money.alphaOf(numeric);
        } catch (IllegalArgumentException e) {
            currency = numeric;
        }
        return Map.of("minor", minor, "currency", currency);
    }

    private static Instant instant(Object o) {
        return o instanceof LocalDateTime t ? t.toInstant(ZoneOffset.UTC) : o instanceof Instant i ? i
                : o instanceof java.sql.Timestamp ts ? ts.toLocalDateTime().toInstant(ZoneOffset.UTC) : null;
    }
}
