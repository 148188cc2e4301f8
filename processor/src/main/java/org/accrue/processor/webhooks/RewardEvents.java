/*
 * The reward events of a reward's change (webhooks.md): earned when it is
 * made, available when its return period ends, adjusted when a refund or a
 * partial reversal lowers it, reversed when a full reversal or a clawback
 * takes it. The reward book calls it for every change it writes, so every
 * writer of rewards raises them alike.
 */
package org.accrue.processor.webhooks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;

public final class RewardEvents {
    private RewardEvents() {
    }

    /** A new reward: reward.earned, with its offer, merchant and the purchase (minor units and currency). */
    public static Outbox.Event earned(Reward r, String offerId, String merchantId, long purchaseMinor, String purchaseCurrency) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("rewardId", r.id());
        d.put("offerId", offerId);
        d.put("merchantId", merchantId);
        d.put("amount", amount(r.unit(), r.amount()));
        d.put("purchaseAmount", Outbox.money(purchaseMinor, purchaseCurrency));
        d.put("status", r.status().name());
        d.put("why", merchantId == null ? "the purchase matched offer " + offerId
                : "the purchase matched offer " + offerId + " of merchant " + merchantId);
        return new Outbox.Event(EventType.REWARD_EARNED, r.issuerId(), Long.parseLong(r.cardId()), d);
    }

    /** What a change from {@code from} (status) and {@code amountFrom} to the reward's state now raises. */
    public static List<Outbox.Event> changed(Reward r, Reward.Status from, long amountFrom) {
        List<Outbox.Event> out = new ArrayList<>(1);
        Long card = Long.parseLong(r.cardId());
        if (r.status() == Reward.Status.REVERSED && from != Reward.Status.REVERSED) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("rewardId", r.id());
            d.put("amount", amount(r.unit(), amountFrom));
            d.put("cause", from == Reward.Status.SENT || from == Reward.Status.POSTED ? "clawback" : "reversal");
            out.add(new Outbox.Event(EventType.REWARD_REVERSED, r.issuerId(), card, d));
            return out;
        }
        if (r.amount() < amountFrom && r.status() != Reward.Status.REVERSED) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("rewardId", r.id());
            d.put("oldAmount", amount(r.unit(), amountFrom));
            d.put("newAmount", amount(r.unit(), r.amount()));
            d.put("cause", "refund or partial reversal");
            out.add(new Outbox.Event(EventType.REWARD_ADJUSTED, r.issuerId(), card, d));
        }
        if (r.status() == Reward.Status.AVAILABLE && from == Reward.Status.PENDING) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("rewardId", r.id());
            d.put("amount", amount(r.unit(), r.amount()));
            out.add(new Outbox.Event(EventType.REWARD_AVAILABLE, r.issuerId(), card, d));
        }
        return out;
    }

    /** Money as {"minor", "currency"}; miles and points as {"amount", "unit", "program"}. */
    public static Map<String, Object> amount(RewardUnit unit, long amount) {
        if (unit.kind() == RewardUnit.Kind.CASH) {
            return Outbox.money(amount, unit.code());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("amount", amount);
        m.put("unit", unit.kind().name());
        m.put("program", unit.code());
        return m;
    }
}
