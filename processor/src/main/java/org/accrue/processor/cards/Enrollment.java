/*
 * Enrolling and unenrolling cards. A PAN enters here, is checked, tokenized
 * under the current key and forgotten; the card row keeps the token, its key
 * version and the last four digits. Lookups try every key version so cards
 * enrolled before a key rotation are still found. Enrolling the same PAN
 * again for the same issuer returns the existing card (idempotent).
 *
 * What an issuer is told never depends on another issuer's cards (issue 12:
 * a 409 PAN_ENROLLED_BY_ANOTHER_ISSUER told an issuer that a number it tried
 * was another issuer's customer). A card number is held by one card, the
 * first enrolled with it: that card's row keeps the number's token, and the
 * journal (which knows no issuer: ISO messages carry none) stores the
 * number's messages on it. Another issuer enrolling the same number gets the
 * answer a first enrollment gets (201, a card of its own, ENROLLED, the same
 * fields), and that card is real: it can be read, listed, unenrolled and
 * enrolled again (200) by that issuer. Its row keeps a stand-in for the token
 * (SHA-256 of the issuer, key version and token) that no message matches, so
 * it earns nothing while the other card holds the number, and the holder's
 * messages and rewards never reach the second issuer. The contest goes to
 * Accrue ops as one PAN_CONTESTED exception naming both cards, to settle
 * with both issuers; neither issuer is told.
 *
 * Erasure (the cardholder's request, through the issuer): CardErasure.
 *
 * Every change (enroll, re-enroll, unenroll, erase) is an audit_log row written
 * in the change's own transaction, naming the actor and the card by public id.
 */
package org.accrue.processor.cards;

import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.accrue.processor.audit.AuditLog;
import org.accrue.processor.exceptions.Exceptions;
import org.accrue.rewards.enrollment.PanRules;
import org.accrue.rewards.enrollment.PanTokenizer;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.exception.ConstraintViolationException;

public final class Enrollment {
    public static final int TEXT_LENGTH_MAX = 64;
    private static final char[] ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final int ID_RANDOM_CHARS = 20;

    /** What an issuer sends to enroll a card. */
    public record Request(String pan, String accountRef, String lastName, String airlineProgram,
                          String airlineMember) {
        @Override
        public String toString() {
            return "Request[pan=****, accountRef=" + accountRef + "]";
        }
    }

    /** The card, and whether this call created it (201) or found it (200). */
    public record Result(Card card, boolean created) {
    }

    private final SessionFactory sessions;
    private final PanTokenizer tokenizer;
    private final InstantSource clock;
    private final SecureRandom random = new SecureRandom();

    public Enrollment(SessionFactory sessions, PanTokenizer tokenizer, InstantSource clock) {
        this.sessions = sessions;
        this.tokenizer = tokenizer;
        this.clock = clock;
    }

    /** What an erasure did: the card as it is now, and whether this call erased it (false: it was already). */
    public record Erasure(Card card, boolean erased, int rewardsForfeited, int messagesUnlinked) {
    }

    /** Enrolls from the command line (bulk files, the demo): the audit names {@link AuditLog#CLI}. */
    public Result enroll(String issuerId, Request r) {
        return enroll(AuditLog.CLI, issuerId, r);
    }

    public Result enroll(String actor, String issuerId, Request r) {
        validate(r);
        try {
            return sessions.fromTransaction(s -> enrollIn(s, actor, issuerId, r));
        } catch (ConstraintViolationException e) {
            // A concurrent enrollment of the same PAN won the unique key: answer with its card.
            return sessions.fromTransaction(s -> enrollIn(s, actor, issuerId, r));
        }
    }

    /** What one request of a chunk came to: its result, or (result null) why it was refused. */
    public record Outcome(Result result, EnrollmentException refused) {
    }

    /**
     * Enrolls a chunk of requests (a bulk file's lines) in one transaction, in order ({@link #enrollChunk}): one commit
     * for the chunk, where {@link #enroll} commits each card. A request that breaks a rule is refused alone, before the
     * transaction. A number enrolled by someone else at the same moment (the unique key) rolls the chunk back, and it
     * is enrolled again one card at a time, as {@link #enroll} does. Answers an outcome per request, in their order.
     */
    public List<Outcome> enrollAll(String actor, String issuerId, List<Request> requests) {
        Outcome[] out = new Outcome[requests.size()];
        List<Integer> valid = new java.util.ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            try {
                validate(requests.get(i));
                valid.add(i);
            } catch (EnrollmentException e) {
                out[i] = new Outcome(null, e);
            }
        }
        try {
            List<Result> done = sessions.fromTransaction(s -> enrollChunk(s, actor, issuerId,
                    valid.stream().map(requests::get).toList()));
            for (int k = 0; k < valid.size(); k++) {
                out[valid.get(k)] = new Outcome(done.get(k), null);
            }
        } catch (ConstraintViolationException e) {
            for (int i : valid) {
                out[i] = new Outcome(enroll(actor, issuerId, requests.get(i)), null);
            }
        }
        return List.of(out);
    }

    /**
     * A chunk's requests in one session, in order. One read finds every card that holds one of the chunk's numbers,
     * under any key, or the issuer's stand-in token for it. A number no card holds and not met earlier in the chunk
     * (the common case: an issuer's first file) becomes a new card, written with the chunk's other new cards in one
     * batch, with their audit rows in another. An issuer's own card, still enrolled, is answered as it is. Anything else
     * (enrolled again after unenrolling, a number another issuer's card holds, a number twice in the chunk) goes
     * through enrollIn, as one enrollment does, after what the chunk wrote so far is flushed.
     */
    private List<Result> enrollChunk(Session s, String actor, String issuerId, List<Request> requests) {
        List<String> tokens = new java.util.ArrayList<>();
        for (Request r : requests) {
            for (PanTokenizer.PanToken t : tokenizer.all(r.pan())) {
                tokens.add(t.token());
                tokens.add(standIn(issuerId, t.keyVersion(), t.token()));
            }
        }
        Map<String, List<CardEntity>> held = new java.util.HashMap<>(); // by token
        for (CardEntity e : s.createSelectionQuery("from CardEntity where panToken in (:t)", CardEntity.class)
                .setParameterList("t", tokens).getResultList()) {
            held.computeIfAbsent(e.panToken(), k -> new java.util.ArrayList<>()).add(e);
        }
        java.util.Set<String> seen = new java.util.HashSet<>(); // the numbers' current tokens, met earlier in the chunk
        List<Result> out = new java.util.ArrayList<>(requests.size());
        List<AuditLog.Entry> audits = new java.util.ArrayList<>();
        java.time.Instant now = clock.instant();
        for (Request r : requests) {
            PanTokenizer.PanToken current = tokenizer.current(r.pan());
            boolean anyHeld = false;
            CardEntity own = null;
            for (PanTokenizer.PanToken t : tokenizer.all(r.pan())) {
                for (String token : List.of(t.token(), standIn(issuerId, t.keyVersion(), t.token()))) {
                    for (CardEntity e : held.getOrDefault(token, List.of())) {
                        anyHeld |= token.equals(t.token()) && e.keyVersion() == t.keyVersion();
                        if (own == null && e.issuerId().equals(issuerId) && e.keyVersion() == t.keyVersion()) {
                            own = e;
                        }
                    }
                }
            }
            if (!seen.add(current.token()) || (own != null && own.status() == CardEntity.Status.UNENROLLED)
                    || (own == null && anyHeld)) {
                s.flush();
                s.doWork(c -> AuditLog.recordAll(c, now, audits));
                audits.clear();
                out.add(enrollIn(s, actor, issuerId, r));
                s.flush();
            } else if (own != null) {
                own.recordBin(r.pan()); // a card enrolled before V23 gets its BIN when the issuer sends it again
                out.add(new Result(Card.of(own), false));
            } else {
                CardEntity e = new CardEntity(newPublicId(), issuerId, current.token(), current.keyVersion(),
                        r.pan().substring(r.pan().length() - 4), r.accountRef(), r.lastName(), r.airlineProgram(),
                        r.airlineMember(), now);
                e.recordBin(r.pan());
                s.persist(e);
                Card card = Card.of(e);
                audits.add(new AuditLog.Entry(actor, AuditLog.Action.CARD_ENROLLED, AuditLog.Resource.CARD, card.cardId(),
                        card.issuerId(), Map.of()));
                out.add(new Result(card, true));
            }
        }
        s.flush();
        s.doWork(c -> AuditLog.recordAll(c, now, audits));
        return out;
    }

    void record(Session s, String actor, AuditLog.Action action, Card card, Map<String, Object> details) {
        s.doWork(c -> AuditLog.record(c, clock.instant(), new AuditLog.Entry(actor, action, AuditLog.Resource.CARD,
                card.cardId(), card.issuerId(), details)));
    }

    private Result enrollIn(Session s, String actor, String issuerId, Request r) {
        Optional<CardEntity> own = findOwn(s, issuerId, r.pan());
        if (own.isPresent()) {
            CardEntity e = own.get();
            if (e.status() == CardEntity.Status.UNENROLLED) {
                e.reenroll(clock.instant(), r.accountRef(), r.lastName(), r.airlineProgram(), r.airlineMember());
                if (!isHolder(e, r.pan())) {
                    s.flush();
                    contested(s, e, findByPan(s, r.pan()).orElseThrow());
                }
                s.flush();
                e.recordBin(r.pan());
                record(s, actor, AuditLog.Action.CARD_REENROLLED, Card.of(e), Map.of());
                return new Result(Card.of(e), true);
            }
            e.recordBin(r.pan()); // a card enrolled before V23 gets its BIN when the issuer sends it again
            return new Result(Card.of(e), false);
        }
        Optional<CardEntity> holder = findByPan(s, r.pan());
        String last4 = r.pan().substring(r.pan().length() - 4);
        CardEntity e;
        if (holder.isEmpty()) {
            PanTokenizer.PanToken t = tokenizer.current(r.pan());
            e = new CardEntity(newPublicId(), issuerId, t.token(), t.keyVersion(), last4, r.accountRef(), r.lastName(),
                    r.airlineProgram(), r.airlineMember(), clock.instant());
        } else {
            // Another issuer's card holds the number: answered alike, and told to ops only.
            CardEntity h = holder.get();
            e = new CardEntity(newPublicId(), issuerId, standIn(issuerId, h.keyVersion(), h.panToken()), h.keyVersion(), last4,
                    r.accountRef(), r.lastName(), r.airlineProgram(), r.airlineMember(), clock.instant());
        }
        e.recordBin(r.pan());
        s.persist(e);
        s.flush();
        holder.ifPresent(h -> contested(s, e, h));
        // The card by public id only: the audit log outlives an erasure and never holds the person.
        record(s, actor, AuditLog.Action.CARD_ENROLLED, Card.of(e), Map.of());
        return new Result(Card.of(e), true);
    }

    /**
     * The token a second issuer's card keeps for a number another card holds: SHA-256 (hex, the length of a real token)
     * of the issuer, key version and real token. No message's token is ever one (the journal looks cards up by the
     * real token), and the issuer's own next enrollment of the number finds its card by computing it again.
     */
    static String standIn(String issuerId, int keyVersion, String token) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(("contested|" + issuerId + "|" + keyVersion
                    + "|" + token).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean isHolder(CardEntity e, String pan) {
        return tokenizer.all(pan).stream().anyMatch(t -> t.keyVersion() == e.keyVersion() && t.token().equals(e.panToken()));
    }

    /** One PAN_CONTESTED exception per claim (a card enrolled, or enrolled again, while another card holds its number). */
    private void contested(Session s, CardEntity claimant, CardEntity holder) {
        s.doWork(c -> Exceptions.raise(c, new Exceptions.Raise(Exceptions.Type.PAN_CONTESTED,
                claimant.publicId() + "@" + claimant.enrolledAt().toEpochMilli(), claimant.issuerId(), claimant.id(),
                claimant.last4(), null, null, "card " + claimant.publicId() + " of issuer " + claimant.issuerId()
                + " was enrolled with the card number of card " + holder.publicId() + " of issuer " + holder.issuerId()
                + " (" + holder.status().name() + "), which holds it: the number's messages are stored and earn on "
                + holder.publicId() + " only. Neither issuer was told (an enrollment is answered alike whoever holds a "
                + "number). Settle it with both issuers; WRITE_OFF closes this."), clock.instant()));
    }

    /** Unenrolls an issuer's card; false when the card is not that issuer's (or does not exist). */
    public boolean unenroll(String issuerId, String cardId) {
        return unenroll(AuditLog.CLI, issuerId, cardId);
    }

    public boolean unenroll(String actor, String issuerId, String cardId) {
        return sessions.fromTransaction(s -> {
            Optional<CardEntity> e = findOwned(s, issuerId, cardId);
            e.filter(c -> c.status() == CardEntity.Status.ENROLLED).ifPresent(c -> {
                c.unenroll(clock.instant());
                record(s, actor, AuditLog.Action.CARD_UNENROLLED, Card.of(c), Map.of());
            });
            return e.isPresent();
        });
    }

    /**
     * Erases a card of {@code issuerScope} (null: any, for admins); empty when there is none in scope. Irreversible;
     * an erased card is answered as it is, with nothing changed. CardErasure says what goes and what stays.
     */
    public Optional<Erasure> erase(String actor, String issuerScope, String cardId) {
        // As the store keeps it (DATETIME(6)): the first answer shows the erasedAt every later read shows.
        java.time.Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        return sessions.fromTransaction(s -> CardErasure.erase(s, this, actor, issuerScope, cardId, now));
    }

    /** A card by public id, only if it belongs to {@code issuerId} (null issuer: any, for ops). */
    public Optional<Card> find(String issuerId, String cardId) {
        return sessions.fromSession(s -> findOwned(s, issuerId, cardId).map(Card::of));
    }

    /** The card's row id, when the card is visible to {@code issuerId} (null: any). */
    public Optional<Long> internalId(String issuerId, String cardId) {
        return sessions.fromSession(s -> findOwned(s, issuerId, cardId).map(CardEntity::id));
    }

    /** Cards of one issuer (null: all) with this account reference, newest first, a page at a time. */
    public List<Card> list(String issuerId, String accountRef, int offset, int limit) {
        if (accountRef == null) {
            return list(issuerId, offset, limit);
        }
        return sessions.fromSession(s -> {
            var q = issuerId == null
                    ? s.createSelectionQuery("from CardEntity where accountRef = :r order by id desc", CardEntity.class)
                    : s.createSelectionQuery("from CardEntity where issuerId = :i and accountRef = :r order by id desc",
                            CardEntity.class).setParameter("i", issuerId);
            return q.setParameter("r", accountRef).setFirstResult(offset).setMaxResults(limit).getResultList().stream()
                    .map(Card::of).toList();
        });
    }

    /** Cards by row id (as ledger accounts name them), for views that show whose account a line is; unknown ids are absent. */
    public java.util.Map<Long, Card> byRowIds(java.util.Collection<Long> rowIds) {
        if (rowIds.isEmpty()) {
            return java.util.Map.of();
        }
        return sessions.fromSession(s -> {
            java.util.Map<Long, Card> out = new java.util.HashMap<>();
            for (CardEntity e : s.createSelectionQuery("from CardEntity where id in :ids", CardEntity.class)
                    .setParameterList("ids", rowIds).getResultList()) {
                out.put(e.id(), Card.of(e));
            }
            return out;
        });
    }

    /** Cards of one issuer (null: all), newest first, a page at a time. */
    public List<Card> list(String issuerId, int offset, int limit) {
        return sessions.fromSession(s -> {
            var q = issuerId == null
                    ? s.createSelectionQuery("from CardEntity order by id desc", CardEntity.class)
                    : s.createSelectionQuery("from CardEntity where issuerId = :i order by id desc", CardEntity.class)
                            .setParameter("i", issuerId);
            return q.setFirstResult(offset).setMaxResults(limit).getResultList().stream().map(Card::of).toList();
        });
    }

    static Optional<CardEntity> findOwned(Session s, String issuerId, String cardId) {
        Optional<CardEntity> e = s.createSelectionQuery("from CardEntity where publicId = :p", CardEntity.class)
                .setParameter("p", cardId).uniqueResultOptional();
        return e.filter(c -> issuerId == null || c.issuerId().equals(issuerId));
    }

    /** The issuer's own card for this number, holding it or not. */
    private Optional<CardEntity> findOwn(Session s, String issuerId, String pan) {
        for (PanTokenizer.PanToken t : tokenizer.all(pan)) {
            Optional<CardEntity> e = s.createSelectionQuery("from CardEntity where issuerId = :i and keyVersion = :v "
                            + "and panToken in (:t, :standIn)", CardEntity.class)
                    .setParameter("i", issuerId).setParameter("v", (short) t.keyVersion()).setParameter("t", t.token())
                    .setParameter("standIn", standIn(issuerId, t.keyVersion(), t.token()))
                    .uniqueResultOptional();
            if (e.isPresent()) {
                return e;
            }
        }
        return Optional.empty();
    }

    /** The card holding this number (the journal stores its messages there), whoever's it is. */
    private Optional<CardEntity> findByPan(Session s, String pan) {
        for (PanTokenizer.PanToken t : tokenizer.all(pan)) {
            Optional<CardEntity> e = s.createSelectionQuery(
                            "from CardEntity where panToken = :t and keyVersion = :v", CardEntity.class)
                    .setParameter("t", t.token()).setParameter("v", (short) t.keyVersion())
                    .uniqueResultOptional();
            if (e.isPresent()) {
                return e;
            }
        }
        return Optional.empty();
    }

    static void validate(Request r) {
        String broken = PanRules.violation(r.pan());
        if (broken != null) {
            throw new EnrollmentException(broken, 422, switch (broken) {
                case "PAN_MISSING" -> "pan is required";
                case "PAN_NOT_NUMERIC" -> "pan must contain digits only";
                case "PAN_LENGTH" -> "pan must have " + PanRules.PAN_DIGITS_MIN + " to " + PanRules.PAN_DIGITS_MAX + " digits";
                default -> "pan fails its check digit";
            });
        }
        text("accountRef", r.accountRef(), true, r.pan());
        text("lastName", r.lastName(), true, r.pan());
        text("airline.program", r.airlineProgram(), false, r.pan());
        text("airline.memberNumber", r.airlineMember(), false, r.pan());
        if ((r.airlineProgram() == null) != (r.airlineMember() == null)) {
            throw new EnrollmentException("AIRLINE_INCOMPLETE", 422, "airline needs both program and memberNumber");
        }
    }

    private static void text(String field, String value, boolean required, String pan) {
        if (value == null || value.isBlank()) {
            if (required) {
                throw new EnrollmentException("FIELD_MISSING", 422, field + " is required");
            }
            return;
        }
        if (value.length() > TEXT_LENGTH_MAX || value.chars().anyMatch(c -> c == '|' || c < 0x20)) {
            throw new EnrollmentException("FIELD_INVALID", 422,
                    field + " must be at most " + TEXT_LENGTH_MAX + " characters, without '|' or control characters");
        }
        if (value.replaceAll("[^0-9]", "").contains(pan)) {
            // The card number pasted into a free-text field would be stored in clear.
            throw new EnrollmentException("FIELD_INVALID", 422, field + " must not contain a card number");
        }
    }

    private String newPublicId() {
        StringBuilder b = new StringBuilder("crd_");
        for (int i = 0; i < ID_RANDOM_CHARS; i++) {
            b.append(ID_ALPHABET[random.nextInt(ID_ALPHABET.length)]);
        }
        return b.toString();
    }
}
