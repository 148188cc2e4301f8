/*
 * The reference model: thousands of random auth / clear / reverse / refund /
 * time / send sequences over many cards are replayed through Reward and the
 * Ledger, and every reward and every ledger balance is checked against a
 * model that knows only the rules: reward = floor(original reward x remaining
 * base / original base); status by what happened; each account's balance =
 * the sum of the rewards sitting in it.
 */
package org.accrue.rewards.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.accrue.rewards.matching.RewardUnit;
import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

class RewardReferenceModelTest {
    private static final Duration WINDOW = Duration.ofDays(10);
    private static final Duration RETURN_PERIOD = Duration.ofDays(14);
    private static final List<RewardUnit> UNITS = List.of(RewardUnit.cash("USD"), RewardUnit.cash("JPY"),
            new RewardUnit(RewardUnit.Kind.MILES, "SKY"), new RewardUnit(RewardUnit.Kind.POINTS, "BANKPTS"));
    private static final List<String> CARDS = List.of("crd_a", "crd_b", "crd_c");

    /** What the model knows of one reward. */
    private static final class Model {
        final long reward;
        final long base;
        final String card;
        final RewardUnit unit;
        final Instant authAt;
        long remaining;
        Instant clearedAt;
        Reward.Status status = Reward.Status.PENDING;

        Model(long reward, long base, String card, RewardUnit unit, Instant authAt) {
            this.reward = reward;
            this.base = base;
            this.card = card;
            this.unit = unit;
            this.authAt = authAt;
            this.remaining = base;
        }

        long amount() {
            return Math.floorDiv(reward * remaining, base);
        }
    }

    @Property(tries = 200)
    void everyRewardAndBalanceAgreesWithTheModel(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE / 4) long seed) {
        replay(new Random(seed), 40, 60);
    }

    @Test
    void aLongDayOfActivityAgreesWithTheModel() {
        replay(new Random(7), 2_000, 10_000);
    }

    private static void replay(Random r, int purchases, int events) {
        Ledger ledger = new Ledger();
        List<Reward> rewards = new ArrayList<>();
        List<Model> models = new ArrayList<>();
        Instant now = Instant.parse("2026-11-01T00:00:00Z");
        for (int i = 0; i < purchases; i++) {
            long base = 1 + r.nextInt(100_000);
            long reward = r.nextInt(5) == 0 ? 0 : r.nextLong(base / 5 + 1);
            String card = CARDS.get(r.nextInt(CARDS.size()));
            RewardUnit unit = UNITS.get(r.nextInt(UNITS.size()));
            Reward.Earning e = Reward.earn("rw" + i, card, "BANK_A", "MERCHANT:m" + r.nextInt(3), unit, reward, base, now,
                    RETURN_PERIOD);
            ledger.applyAll(e.transactions());
            rewards.add(e.reward());
            models.add(new Model(reward, base, card, unit, now));
        }
        for (int n = 0; n < events; n++) {
            int i = r.nextInt(rewards.size());
            Reward rw = rewards.get(i);
            Model m = models.get(i);
            int kind = r.nextInt(100);
            if (kind < 25) {
                ledger.applyAll(rw.clear(now));
                if (m.status == Reward.Status.PENDING && m.clearedAt == null) {
                    m.clearedAt = now;
                }
            } else if (kind < 40) {
                long newRemaining = m.remaining == 0 ? 0 : r.nextLong(m.remaining + 1);
                ledger.applyAll(rw.reduceTo(newRemaining, now));
                reduceModel(m, newRemaining);
            } else if (kind < 55) {
                long refund = 1 + r.nextLong(Math.max(1, m.base / 2));
                ledger.applyAll(rw.returned(refund, now));
                reduceModel(m, m.remaining - refund);
            } else if (kind < 60) {
                ledger.applyAll(rw.reduceTo(0, now));
                reduceModel(m, 0);
            } else if (kind < 85) {
                now = now.plus(Duration.ofHours(1 + r.nextInt(72)));
                for (int j = 0; j < rewards.size(); j++) {
                    ledger.applyAll(rewards.get(j).advance(now, WINDOW));
                    advanceModel(models.get(j), now);
                }
            } else if (m.status == Reward.Status.AVAILABLE && m.unit.kind() != RewardUnit.Kind.POINTS) {
                ledger.applyAll(rw.send(now));
                m.status = Reward.Status.SENT;
            }
            if (n % 97 == 0 || n == events - 1) {
                check(rewards, models, ledger);
            }
        }
    }

    private static void reduceModel(Model m, long newRemaining) {
        boolean sent = m.status == Reward.Status.SENT;
        if (m.status != Reward.Status.PENDING && m.status != Reward.Status.AVAILABLE && !sent) {
            return;
        }
        m.remaining = Math.max(0, Math.min(newRemaining, m.remaining));
        if (m.remaining == 0 && !sent) { // after sending, the credit stands and the difference is clawed back
            m.status = Reward.Status.REVERSED;
        }
    }

    private static void advanceModel(Model m, Instant now) {
        if (m.status != Reward.Status.PENDING) {
            return;
        }
        if (m.clearedAt == null && !now.isBefore(m.authAt.plus(WINDOW))) {
            m.status = Reward.Status.EXPIRED;
        } else if (m.clearedAt != null && !now.isBefore(m.clearedAt.plus(RETURN_PERIOD))) {
            m.status = Reward.Status.AVAILABLE;
        }
    }

    private static void check(List<Reward> rewards, List<Model> models, Ledger ledger) {
        for (int i = 0; i < rewards.size(); i++) {
            Model m = models.get(i);
            Reward rw = rewards.get(i);
            assertThat(rw.status()).as("status of %s", rw.id()).isEqualTo(m.status);
            assertThat(rw.amount()).as("amount of %s", rw.id()).isEqualTo(m.amount());
        }
        for (RewardUnit unit : UNITS) {
            for (String card : CARDS) {
                assertThat(ledger.normalBalance(Account.pending(card), unit)).as("pending %s %s", card, unit)
                        .isEqualTo(sum(models, card, unit, Reward.Status.PENDING));
                assertThat(ledger.normalBalance(Account.available(card), unit)).as("available %s %s", card, unit)
                        .isEqualTo(sum(models, card, unit, Reward.Status.AVAILABLE));
            }
            long owed = 0;
            for (int f = 0; f < 3; f++) {
                owed += ledger.normalBalance(Account.funder("MERCHANT:m" + f), unit);
            }
            long live = 0;
            for (Model m : models) {
                if (m.unit.equals(unit) && (m.status == Reward.Status.PENDING || m.status == Reward.Status.AVAILABLE
                        || m.status == Reward.Status.SENT)) {
                    live += m.amount();
                }
            }
            assertThat(owed).as("funders owe the live rewards in %s", unit).isEqualTo(live);
            String holder = unit.kind() == RewardUnit.Kind.MILES ? "AIRLINE:" + unit.code() : "BANK_A";
            assertThat(ledger.normalBalance(Account.settlement(holder), unit)).as("sent %s", unit)
                    .isEqualTo(sumStatus(models, unit, Reward.Status.SENT));
        }
    }

    private static long sum(List<Model> models, String card, RewardUnit unit, Reward.Status status) {
        long s = 0;
        for (Model m : models) {
            if (m.card.equals(card) && m.unit.equals(unit) && m.status == status) {
                s += m.amount();
            }
        }
        return s;
    }

    private static long sumStatus(List<Model> models, RewardUnit unit, Reward.Status status) {
        long s = 0;
        for (Model m : models) {
            if (m.unit.equals(unit) && m.status == status) {
                s += m.amount();
            }
        }
        return s;
    }
}
