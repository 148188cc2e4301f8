package org.accrue.processor.intake;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

/**
 * The processing_exception table as Hibernate validates it at start. Its types and statuses are
 * exceptions.Exceptions.Type and Status; rows are written and read by Exceptions and ExceptionsQueue.
 */
@Entity
@Table(name = "processing_exception")
public class ProcessingExceptionEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "processing_exception_seq")
    @SequenceGenerator(name = "processing_exception_seq", sequenceName = "processing_exception_seq", allocationSize = 50)
    private Long id;

    @Column(name = "type", nullable = false, length = 32) private String type;
    @Column(name = "fingerprint", nullable = false, length = 64) private String fingerprint;
    @Column(name = "message_key", length = 64) private String messageKey;
    @Column(name = "card_id") private Long cardId;
    @Column(name = "last4", length = 4) private String last4;
    @Column(name = "amount_minor") private Long amountMinor;
    @Column(name = "currency", length = 3) private String currency;
    @Column(name = "detail", nullable = false, length = 500) private String detail;
    @Column(name = "status", nullable = false, length = 16) private String status;
    @Column(name = "created_at", nullable = false) private Instant createdAt;

    protected ProcessingExceptionEntity() {
    }

    public Long id() { return id; }
    public String type() { return type; }
    public String messageKey() { return messageKey; }
    public Long cardId() { return cardId; }
    public String last4() { return last4; }
    public Long amountMinor() { return amountMinor; }
    public String currency() { return currency; }
    public String detail() { return detail; }
    public String status() { return status; }
    public Instant createdAt() { return createdAt; }
}
