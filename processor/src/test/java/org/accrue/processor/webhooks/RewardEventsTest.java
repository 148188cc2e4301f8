package org.accrue.processor.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;
import org.junit.jupiter.api.Test;

class RewardEventsTest {
    private static final Instant AT = Instant.parse("2026-12-03T10:00:00Z");

    private static Reward reward(RewardUnit unit, long amount) {
        return Reward.earn("rw_abcdefghijklmnopqrst", "42", "BANK_A", "MERCHANT:blue-bottle", unit, amount, 2_000, AT,
                Duration.ofDays(14)).reward();
    }

    @Test
    void aRewardOfAnOfferOnACategoryHasNoMerchantAndIsStillAnEvent() {
        Outbox.Event e = RewardEvents.earned(reward(new RewardUnit(RewardUnit.Kind.MILES, "SKY"), 4), "coffee-miles", null,
                2_000, "USD");
        assertThat(e.type()).isEqualTo(EventType.REWARD_EARNED);
        assertThat(e.cardId()).isEqualTo(42L);
        assertThat(e.data()).containsEntry("merchantId", null).containsEntry("offerId", "coffee-miles");
        assertThat(Outbox.json(e.data())).contains("\"merchantId\":null")
                .contains("\"amount\":{\"amount\":4,\"unit\":\"MILES\",\"program\":\"SKY\"}")
                .contains("\"purchaseAmount\":{\"minor\":2000,\"currency\":\"USD\"}");
    }

    @Test
    void aRefundThatLowersARewardIsAnAdjustmentAndAFullReversalIsAReversal() {
        Reward r = reward(RewardUnit.cash("USD"), 200);
        r.reduceTo(1_500, AT.plusSeconds(60));
        var adjusted = RewardEvents.changed(r, Reward.Status.PENDING, 200);
        assertThat(adjusted).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(EventType.REWARD_ADJUSTED);
            assertThat(Outbox.json(e.data())).contains("\"oldAmount\":{\"minor\":200,\"currency\":\"USD\"}")
                    .contains("\"newAmount\":{\"minor\":150,\"currency\":\"USD\"}");
        });
        long before = r.amount();
        r.reduceTo(0, AT.plusSeconds(120));
        assertThat(RewardEvents.changed(r, Reward.Status.PENDING, before)).singleElement()
                .satisfies(e -> assertThat(e.type()).isEqualTo(EventType.REWARD_REVERSED));
        assertThat(RewardEvents.changed(r, Reward.Status.REVERSED, 0)).as("nothing changed, nothing raised").isEmpty();
    }
}
