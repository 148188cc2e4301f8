/*
 * Tiers in a matching batch: the tier the engine applies is the card's stored tier state (card_tier), read once
 * per batch for all its cards (locked: the tiers job waits for the batch, and the batch for the job), never
 * recomputed per purchase. Each message the batch finishes that changes the program's measure (a cleared purchase,
 * a refund, a reversal; bank points cleared) moves the card's progress at once, and a progress that reaches a higher
 * tier upgrades the card in this transaction, with its tier.changed event: the next purchase, even in the same
 * batch, earns at the new tier. A card of a program without a stored state yet is computed from the store first
 * (once). The matcher never downgrades: a fall below the tier is the tiers job's, with the program's grace period.
 *
 * Why incremental: a bank's cardholder expects GOLD from the purchase after the one that crossed the line, not the
 * next morning, and the matcher must not read a year of messages per purchase. The job recomputes from the store
 * every night (the source of truth), which also lets purchases age out of a trailing window and corrects what the
 * increments cannot know: a bank-points refund (taken off only by the job) and a second refund of one purchase
 * under COUNT (each refund takes one off here).
 */
package org.accrue.processor.tiers;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.accrue.processor.webhooks.Outbox;
import org.accrue.rewards.money.Money;

public final class MatcherTiers {
    /** What a finished message is to a tier measure. */
    public enum Kind { PURCHASE, REFUND, REVERSAL_OF_PURCHASE, REVERSAL_OF_REFUND }

    private final Connection c;
    private final Instant now;
    private final TierProgram defaultProgram;
    private final Map<Long, String> issuerOf = new LinkedHashMap<>();
    private Map<Long, TierProgram> programOf;
    private final Map<Long, TierState> states = new HashMap<>();
    private final Set<Long> changed = new LinkedHashSet<>();
    private final Set<Long> stored = new java.util.HashSet<>(); // cards with a card_tier row when the batch read them
    private final List<Outbox.Event> events = new ArrayList<>();

    public MatcherTiers(Connection c, Instant now, TierProgram defaultProgram) {
        this.c = c;
        this.now = now;
        this.defaultProgram = defaultProgram;
    }

    /** A card of the batch, with its issuer: its state is read with the others' at the first question. */
    public void add(long cardId, String issuerId) {
        issuerOf.putIfAbsent(cardId, issuerId);
    }

    /** The card's tier now (null: none, or no program), as stored and as this batch has moved it. */
    public String tier(long cardId) {
        load();
        TierState s = states.get(cardId);
        return s == null ? null : s.tier();
    }

    /**
     * A finished message of the card: {@code amount} DE4, {@code billing} DE6 (or null), {@code replacementMinor}
     * DE95 of a partial reversal (null: full).
     */
    public void counted(long cardId, Kind kind, Money amount, Money billing, Long replacementMinor, Instant receivedAt) {
        load();
        TierProgram p = programOf.get(cardId);
        if (p == null || p.measure() == TierProgram.Measure.POINTS) {
            return;
        }
        boolean full = replacementMinor == null || replacementMinor == 0;
        long delta;
        if (p.measure() == TierProgram.Measure.COUNT) {
            delta = switch (kind) {
                case PURCHASE -> 1;
                case REFUND -> -1;
                case REVERSAL_OF_PURCHASE -> full ? -1 : 0;
                case REVERSAL_OF_REFUND -> full ? 1 : 0;
            };
        } else {
            Money in = amount.currency().equals(p.currency()) ? amount
                    : billing != null && billing.currency().equals(p.currency()) ? billing : null;
            if (in == null) {
                return;
            }
            long reversed = full || amount.minor() == 0 ? in.minor() : in == amount ? amount.minor() - replacementMinor
                    : Math.multiplyExact(in.minor(), amount.minor() - replacementMinor) / amount.minor();
            delta = switch (kind) {
                case PURCHASE -> in.minor();
                case REFUND -> -in.minor();
                case REVERSAL_OF_PURCHASE -> -reversed;
                case REVERSAL_OF_REFUND -> reversed;
            };
        }
        move(cardId, p, delta, receivedAt);
    }

    /** Bank points the card's purchase of {@code purchasedAt} earned and cleared in this batch. */
    public void points(long cardId, long points, Instant purchasedAt) {
        load();
        TierProgram p = programOf.get(cardId);
        if (p != null && p.measure() == TierProgram.Measure.POINTS) {
            move(cardId, p, points, purchasedAt);
        }
    }

    private void move(long cardId, TierProgram p, long delta, Instant at) {
        TierState s = states.get(cardId);
        LocalDate start = p.periodStart(now);
        long progress = s.progress();
        if (p.window() == TierProgram.Window.CALENDAR_YEAR && start.isAfter(s.periodStart())) {
            progress = 0; // a new year: last year's tier is held as it is; the job counts the new year from the store
        }
        if (delta != 0 && !LocalDate.ofInstant(at, ZoneOffset.UTC).isBefore(start)) {
            progress = Math.addExact(progress, delta);
        }
        TierRules.Outcome o = TierRules.apply(p, s, cardId, p.tierOf(progress), progress, start, now, false);
        states.put(cardId, o.state());
        changed.add(cardId);
        if (o.change() != null) {
            events.add(TierEvents.changed(issuerOf.get(cardId), o.state(), o.change()));
        }
    }

    /** Reads (and locks) the stored states of the batch's cards that are in a program, once. */
    private void load() {
        if (programOf != null) {
            return;
        }
        programOf = new HashMap<>();
        try {
            Map<String, TierProgram> programs = TierPrograms.stored(c);
            Map<TierProgram, List<Long>> byProgram = new LinkedHashMap<>();
            for (Map.Entry<Long, String> e : issuerOf.entrySet()) {
                TierProgram p = programs.getOrDefault(e.getValue(), defaultProgram);
                if (p != null) {
                    programOf.put(e.getKey(), p);
                    byProgram.computeIfAbsent(p, k -> new ArrayList<>()).add(e.getKey());
                }
            }
            if (byProgram.isEmpty()) {
                return;
            }
            states.putAll(CardTiers.read(c, programOf.keySet(), true));
            stored.addAll(states.keySet());
            for (Map.Entry<TierProgram, List<Long>> e : byProgram.entrySet()) {
                List<Long> missing = e.getValue().stream().filter(card -> !states.containsKey(card)
                        || !states.get(card).program().equals(e.getKey().name())).toList();
                for (TierRules.Outcome o : TierRecompute.of(c, e.getKey(), missing, states, now, false)) {
                    states.put(o.state().cardId(), o.state());
                    changed.add(o.state().cardId());
                    if (o.change() != null) {
                        events.add(TierEvents.changed(issuerOf.get(o.state().cardId()), o.state(), o.change()));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the states the batch moved and their tier.changed events, in the batch's transaction. */
    public void finish() throws SQLException {
        if (changed.isEmpty()) {
            return;
        }
        List<TierState> out = new ArrayList<>();
        changed.forEach(card -> out.add(states.get(card)));
        CardTiers.write(c, out, stored);
        Outbox.emit(c, now, events);
    }
}
