/*
 * Erasure (the cardholder's request, through the issuer) is one transaction
 * on the card's locked row: the card's lane of the matcher is waited for and
 * its unmatched messages dropped (it earns nothing more); what it could
 * still have been paid is forfeited through the rewards' own transitions
 * (PENDING and AVAILABLE are reversed back to their funders, AVAILABLE
 * points expire, a REJECTED reward owed again is written off), since an
 * erased card has no account to credit; SENT and POSTED rewards stay with
 * the issuer or airline. Then every copy of the person goes: the card's
 * account reference, name and airline member (NULL), last four ('****', on
 * the card, its credits and exceptions), and the number's token, replaced on
 * the card, its messages and its rewards' purchase keys by a random one, so
 * the same number enrolled again is a new card and nothing links it to the
 * old messages. Rewards and ledger rows keep their amounts. A card.erased
 * event and an audit row are written in the same transaction. Erasing an
 * erased card changes nothing.
 */
package org.accrue.processor.cards;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.accrue.processor.audit.AuditLog;
import org.accrue.processor.confirmations.ConfirmationImports;
import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.intake.MessageJournal;
import org.accrue.processor.matcher.RewardMatcher;
import org.accrue.processor.rewardbook.RewardBook;
import org.accrue.processor.statements.StatementCredits;
import org.accrue.processor.webhooks.EventType;
import org.accrue.processor.webhooks.Outbox;
import org.accrue.rewards.ledger.LedgerTransaction;
import org.accrue.rewards.ledger.Reward;
import org.accrue.rewards.matching.RewardUnit;
import org.hibernate.Session;

/** A card's erasure, in the caller's transaction (Enrollment.erase opens it). */
final class CardErasure {
    private static final SecureRandom RANDOM = new SecureRandom();

    private CardErasure() {
    }

    /** Erases the card in scope, on its locked row; empty when there is none in scope. */
    static Optional<Enrollment.Erasure> erase(Session s, Enrollment enrollment, String actor, String issuerScope,
                                          String cardId, Instant now) {
        // The row lock first (no read before it, so what is read next is the latest): a second erasure waits and
        // then finds the card erased.
        Long rowId = s.doReturningWork(c -> {
            try (java.sql.PreparedStatement ps = c.prepareStatement("select id from card where public_id = ? for update")) {
                ps.setString(1, cardId);
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : null;
                }
            }
        });
        Optional<CardEntity> found = rowId == null ? Optional.empty() : Enrollment.findOwned(s, issuerScope, cardId);
        if (found.isEmpty()) {
            return Optional.<Enrollment.Erasure>empty();
        }
        CardEntity e = found.get();
        if (e.status() == CardEntity.Status.ERASED) {
            return Optional.of(new Enrollment.Erasure(Card.of(e), false, 0, 0));
        }
        String oldToken = e.panToken();
        String newToken = randomToken();
        int[] counts = s.doReturningWork(c -> {
            RewardMatcher.forgetCard(c, e.id());
            int forfeited = forfeit(c, e.id(), now);
            RewardBook.unlinkToken(c, e.id(), oldToken, newToken);
            org.accrue.processor.matcher.BonusProgress.unlinkToken(c, e.id(), oldToken, newToken);
            int messages = MessageJournal.unlinkCard(c, e.id(), newToken);
            StatementCredits.erase(c, e.id());
            ConfirmationImports.erase(c, e.id());
            Exceptions.erase(c, e.id());
            return new int[] {forfeited, messages};
        });
        e.erase(now, newToken);
        s.flush();
        Card card = Card.of(e);
        Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put("rewardsForfeited", counts[0]);
        details.put("messagesUnlinked", counts[1]);
        enrollment.record(s, actor, AuditLog.Action.CARD_ERASED, card, details);
        s.doWork(c -> Outbox.emit(c, now, List.of(new Outbox.Event(EventType.CARD_ERASED, e.issuerId(), e.id(),
                Map.of("cardId", e.publicId())))));
        return Optional.of(new Enrollment.Erasure(card, true, counts[0], counts[1]));
    }

    /**
     * What an erased card could still have been paid goes back to its funders, each through the reward's own
     * transition (checked and written by the reward book): nobody is left to credit. Returns the rewards changed.
     */
    private static int forfeit(java.sql.Connection c, long cardId, java.time.Instant now) throws java.sql.SQLException {
        List<RewardBook.Row> open = RewardBook.lockOfCard(c, cardId,
                java.util.EnumSet.of(Reward.Status.PENDING, Reward.Status.AVAILABLE, Reward.Status.REJECTED));
        List<RewardBook.Change> changes = new java.util.ArrayList<>();
        for (RewardBook.Row row : open) {
            java.util.function.Function<Reward, List<LedgerTransaction>> t = switch (row.reward().status()) {
                case PENDING -> r -> r.reduceTo(0, now);
                case AVAILABLE -> row.reward().unit().kind() == RewardUnit.Kind.POINTS
                        ? r -> r.expirePoints(now) : r -> r.reduceTo(0, now);
                default -> r -> r.amount() == 0 ? List.of() : r.writeOff(now);
            };
            changes.add(row.apply(t));
        }
        RewardBook.write(c, changes, now);
        return changes.size();
    }

    /** 64 random hex characters: the length of a real token, and no number's token (which is an HMAC of it). */
    private static String randomToken() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }
}
