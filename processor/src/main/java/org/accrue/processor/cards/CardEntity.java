package org.accrue.processor.cards;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * An enrolled card: found by PAN token, shown by last four. Never holds a PAN. An ERASED card (the cardholder's
 * erasure, through the issuer) keeps its row and public id for the books, and nothing of the person: no account
 * reference, name or airline member, '****' for the last four, and a random token no message or enrollment matches.
 */
@Entity
@Table(name = "card")
public class CardEntity {
    public enum Status { ENROLLED, UNENROLLED, ERASED }

    /** What an erased card shows for its last four digits. */
    public static final String ERASED_LAST4 = "****";

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "card_seq")
    @SequenceGenerator(name = "card_seq", sequenceName = "card_seq", allocationSize = 50)
    private Long id;

    @Column(name = "public_id", nullable = false, length = 32)
    private String publicId;

    @Column(name = "issuer_id", nullable = false, length = 16)
    private String issuerId;

    @Column(name = "pan_token", nullable = false, length = 64)
    private String panToken;

    @Column(name = "key_version", nullable = false)
    private short keyVersion;

    @Column(name = "last4", nullable = false, length = 4)
    private String last4;

    @Column(name = "account_ref", length = 64)
    private String accountRef;

    @Column(name = "last_name", length = 64)
    private String lastName;

    @Column(name = "airline_program", length = 16)
    private String airlineProgram;

    @Column(name = "airline_member", length = 32)
    private String airlineMember;

    @jakarta.persistence.Enumerated(jakarta.persistence.EnumType.STRING)
    @Column(name = "status", nullable = false, length = 16)
    private Status status;

    @Column(name = "enrolled_at", nullable = false)
    private Instant enrolledAt;

    @Column(name = "unenrolled_at")
    private Instant unenrolledAt;

    @Column(name = "erased_at")
    private Instant erasedAt;

    /** The PAN's first 8 digits (V23, for offers limited to BIN ranges); null for cards enrolled before it. */
    @Column(name = "bin", length = 8)
    private String bin;

    @Version
    @Column(name = "row_version", nullable = false)
    private long rowVersion;

    protected CardEntity() {
    }

    CardEntity(String publicId, String issuerId, String panToken, int keyVersion, String last4, String accountRef,
               String lastName, String airlineProgram, String airlineMember, Instant enrolledAt) {
        this.publicId = publicId;
        this.issuerId = issuerId;
        this.panToken = panToken;
        this.keyVersion = (short) keyVersion;
        this.last4 = last4;
        this.accountRef = accountRef;
        this.lastName = lastName;
        this.airlineProgram = airlineProgram;
        this.airlineMember = airlineMember;
        this.status = Status.ENROLLED;
        this.enrolledAt = enrolledAt;
    }

    /**
     * Records the card's BIN from the PAN the issuer sent: its first 8 digits (6 for a PAN under 16 digits), never more.
     * True when it changed.
     */
    boolean recordBin(String pan) {
        String b = org.accrue.rewards.offers.Targeting.binOf(pan);
        if (b.equals(bin)) {
            return false;
        }
        bin = b;
        return true;
    }

    void unenroll(Instant at) {
        status = Status.UNENROLLED;
        unenrolledAt = at;
    }

    void reenroll(Instant at, String accountRef, String lastName, String airlineProgram, String airlineMember) {
        status = Status.ENROLLED;
        enrolledAt = at;
        unenrolledAt = null;
        this.accountRef = accountRef;
        this.lastName = lastName;
        this.airlineProgram = airlineProgram;
        this.airlineMember = airlineMember;
    }

    /** Forgets the person: irreversible. The caller has already moved the card's messages to {@code token}. */
    void erase(Instant at, String token) {
        if (status == Status.ERASED) {
            throw new IllegalStateException("card " + publicId + " is erased already");
        }
        status = Status.ERASED;
        if (unenrolledAt == null) {
            unenrolledAt = at;
        }
        erasedAt = at;
        panToken = token;
        last4 = ERASED_LAST4;
        bin = null;
        accountRef = null;
        lastName = null;
        airlineProgram = null;
        airlineMember = null;
    }

    public Long id() { return id; }
    public String publicId() { return publicId; }
    public String issuerId() { return issuerId; }
    public String panToken() { return panToken; }
    public int keyVersion() { return keyVersion; }
    public String last4() { return last4; }
    public String accountRef() { return accountRef; }
    public String lastName() { return lastName; }
    public String airlineProgram() { return airlineProgram; }
    public String airlineMember() { return airlineMember; }
    public Status status() { return status; }
    public Instant enrolledAt() { return enrolledAt; }
    public Instant unenrolledAt() { return unenrolledAt; }
    public Instant erasedAt() { return erasedAt; }
}
