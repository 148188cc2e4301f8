/*
 * Enrolling and unenrolling cards. A PAN enters here, is checked, tokenized
 * under the current key and forgotten; the card row keeps the token, its key
 * version and the last four digits. Lookups try every key version so cards
 * enrolled before a key rotation are still found. Enrolling the same PAN
 * again for the same issuer returns the existing card (idempotent).
 */
package org.accrue.processor.cards;

import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;

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

    public Result enroll(String issuerId, Request r) {
        validate(r);
        try {
            return sessions.fromTransaction(s -> enrollIn(s, issuerId, r));
        } catch (ConstraintViolationException e) {
            // A concurrent enrollment of the same PAN won the unique key: answer with its card.
            return sessions.fromTransaction(s -> enrollIn(s, issuerId, r));
        }
    }

    private Result enrollIn(Session s, String issuerId, Request r) {
        Optional<CardEntity> existing = findByPan(s, r.pan());
        if (existing.isPresent()) {
            CardEntity e = existing.get();
            if (!e.issuerId().equals(issuerId)) {
                throw new EnrollmentException("PAN_ENROLLED_BY_ANOTHER_ISSUER", 409,
                        "this card number is enrolled by another issuer");
            }
            if (e.status() == CardEntity.Status.UNENROLLED) {
                e.reenroll(clock.instant(), r.accountRef(), r.lastName(), r.airlineProgram(), r.airlineMember());
                return new Result(Card.of(e), true);
            }
            return new Result(Card.of(e), false);
        }
        PanTokenizer.PanToken t = tokenizer.current(r.pan());
        CardEntity e = new CardEntity(newPublicId(), issuerId, t.token(), t.keyVersion(),
                r.pan().substring(r.pan().length() - 4), r.accountRef(), r.lastName(), r.airlineProgram(),
                r.airlineMember(), clock.instant());
        s.persist(e);
        s.flush();
        return new Result(Card.of(e), true);
    }

    /** Unenrolls an issuer's card; false when the card is not that issuer's (or does not exist). */
    public boolean unenroll(String issuerId, String cardId) {
        return sessions.fromTransaction(s -> {
            Optional<CardEntity> e = findOwned(s, issuerId, cardId);
            e.filter(c -> c.status() == CardEntity.Status.ENROLLED).ifPresent(c -> c.unenroll(clock.instant()));
            return e.isPresent();
        });
    }

    /** A card by public id, only if it belongs to {@code issuerId} (null issuer: any, for ops). */
    public Optional<Card> find(String issuerId, String cardId) {
        return sessions.fromSession(s -> findOwned(s, issuerId, cardId).map(Card::of));
    }

    /** The card's row id, when the card is visible to {@code issuerId} (null: any). */
    public Optional<Long> internalId(String issuerId, String cardId) {
        return sessions.fromSession(s -> findOwned(s, issuerId, cardId).map(CardEntity::id));
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

    private Optional<CardEntity> findOwned(Session s, String issuerId, String cardId) {
        Optional<CardEntity> e = s.createSelectionQuery("from CardEntity where publicId = :p", CardEntity.class)
                .setParameter("p", cardId).uniqueResultOptional();
        return e.filter(c -> issuerId == null || c.issuerId().equals(issuerId));
    }

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
