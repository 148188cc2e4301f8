package org.accrue.processor.intake;

import java.time.Instant;

import org.accrue.iso8583.CardMessage;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

/**
 * One stored card message (the journal). Written once, never updated; the
 * message key is unique, which is what turns a resend into a duplicate.
 * Holds the PAN token and key version, never the PAN. Rows are inserted only
 * by the journal's JDBC batch (INSERT_SQL, bind), never through Hibernate,
 * so the sequence's blocks are allocated in one place.
 */
@Entity
@Table(name = "card_message")
public class CardMessageEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "card_message_seq")
    @SequenceGenerator(name = "card_message_seq", sequenceName = "card_message_seq", allocationSize = 1000)
    private Long id;

    @Column(name = "message_key", nullable = false, length = 64) private String messageKey;
    @Column(name = "mti", nullable = false, length = 4) private String mti;
    @Column(name = "card_id", nullable = false) private long cardId;
    @Column(name = "pan_token", nullable = false, length = 64) private String panToken;
    @Column(name = "key_version", nullable = false) private short keyVersion;
    @Column(name = "processing_code", nullable = false, length = 6) private String processingCode;
    @Column(name = "amount_minor", nullable = false) private long amountMinor;
    @Column(name = "currency", nullable = false, length = 3) private String currency;
    @Column(name = "billing_amount_minor") private Long billingAmountMinor;
    @Column(name = "billing_currency", length = 3) private String billingCurrency;
    @Column(name = "transmitted", nullable = false, length = 10) private String transmitted;
    @Column(name = "stan", nullable = false, length = 6) private String stan;
    @Column(name = "local_time", length = 6) private String localTime;
    @Column(name = "local_date", length = 4) private String localDate;
    @Column(name = "mcc", length = 4) private String mcc;
    @Column(name = "pos_entry_mode", length = 3) private String posEntryMode;
    @Column(name = "acquirer_id", nullable = false, length = 11) private String acquirerId;
    @Column(name = "rrn", length = 12) private String rrn;
    @Column(name = "auth_id", length = 6) private String authId;
    @Column(name = "terminal_id", nullable = false, length = 8) private String terminalId;
    @Column(name = "merchant_id", length = 15) private String merchantId;
    @Column(name = "acceptor_name", length = 25) private String acceptorName;
    @Column(name = "acceptor_city", length = 13) private String acceptorCity;
    @Column(name = "acceptor_country", length = 2) private String acceptorCountry;
    @Column(name = "tip_minor", nullable = false) private long tipMinor;
    @Column(name = "orig_mti", length = 4) private String origMti;
    @Column(name = "orig_stan", length = 6) private String origStan;
    @Column(name = "orig_transmitted", length = 10) private String origTransmitted;
    @Column(name = "orig_acquirer_id", length = 11) private String origAcquirerId;
    @Column(name = "replacement_amount_minor") private Long replacementAmountMinor;
    @Column(name = "response_code", nullable = false, length = 2) private String responseCode;
    @Column(name = "received_at", nullable = false) private Instant receivedAt;

    protected CardMessageEntity() {
    }

    CardMessageEntity(CardMessage m, long cardId, String panToken, int keyVersion, String responseCode,
                      Instant receivedAt) {
        this.messageKey = m.messageKey();
        this.mti = m.mti().value();
        this.cardId = cardId;
        this.panToken = panToken;
        this.keyVersion = (short) keyVersion;
        this.processingCode = m.processingCode();
        this.amountMinor = m.amountMinor();
        this.currency = m.currency();
        this.billingAmountMinor = m.billingAmountMinor();
        this.billingCurrency = m.billingCurrency();
        this.transmitted = m.transmissionDateTime();
        this.stan = m.stan();
        this.localTime = m.localTime();
        this.localDate = m.localDate();
        this.mcc = m.mcc();
        this.posEntryMode = m.posEntryMode();
        this.acquirerId = m.acquirerId();
        this.rrn = m.retrievalReference();
        this.authId = m.authorizationId();
        this.terminalId = m.terminalId();
        this.merchantId = m.merchantId();
        if (m.cardAcceptor() != null) {
            this.acceptorName = m.cardAcceptor().name();
            this.acceptorCity = m.cardAcceptor().city();
            this.acceptorCountry = m.cardAcceptor().country();
        }
        this.tipMinor = m.tipMinor();
        if (m.original() != null) {
            this.origMti = m.original().mti();
            this.origStan = m.original().stan();
            this.origTransmitted = m.original().transmissionDateTime();
            this.origAcquirerId = m.original().acquirerId();
        }
        this.replacementAmountMinor = m.replacementAmountMinor();
        this.responseCode = responseCode;
        this.receivedAt = receivedAt;
    }

    static final String INSERT_SQL = "insert into card_message (id, message_key, mti, card_id, pan_token, key_version, "
            + "processing_code, amount_minor, currency, billing_amount_minor, billing_currency, transmitted, stan, "
            + "local_time, local_date, mcc, pos_entry_mode, acquirer_id, rrn, auth_id, terminal_id, merchant_id, "
            + "acceptor_name, acceptor_city, acceptor_country, tip_minor, orig_mti, orig_stan, orig_transmitted, "
            + "orig_acquirer_id, replacement_amount_minor, response_code, received_at) "
            + "values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

    void bind(java.sql.PreparedStatement ps, long newId) throws java.sql.SQLException {
        int i = 1;
        ps.setLong(i++, newId);
        ps.setString(i++, messageKey);
        ps.setString(i++, mti);
        ps.setLong(i++, cardId);
        ps.setString(i++, panToken);
        ps.setShort(i++, keyVersion);
        ps.setString(i++, processingCode);
        ps.setLong(i++, amountMinor);
        ps.setString(i++, currency);
        ps.setObject(i++, billingAmountMinor, java.sql.Types.BIGINT);
        ps.setString(i++, billingCurrency);
        ps.setString(i++, transmitted);
        ps.setString(i++, stan);
        ps.setString(i++, localTime);
        ps.setString(i++, localDate);
        ps.setString(i++, mcc);
        ps.setString(i++, posEntryMode);
        ps.setString(i++, acquirerId);
        ps.setString(i++, rrn);
        ps.setString(i++, authId);
        ps.setString(i++, terminalId);
        ps.setString(i++, merchantId);
        ps.setString(i++, acceptorName);
        ps.setString(i++, acceptorCity);
        ps.setString(i++, acceptorCountry);
        ps.setLong(i++, tipMinor);
        ps.setString(i++, origMti);
        ps.setString(i++, origStan);
        ps.setString(i++, origTransmitted);
        ps.setString(i++, origAcquirerId);
        ps.setObject(i++, replacementAmountMinor, java.sql.Types.BIGINT);
        ps.setString(i++, responseCode);
        ps.setObject(i, java.time.LocalDateTime.ofInstant(receivedAt, java.time.ZoneOffset.UTC));
    }

    public Long id() { return id; }
    public String messageKey() { return messageKey; }
    public String mti() { return mti; }
    public long cardId() { return cardId; }
    public long amountMinor() { return amountMinor; }
    public String currency() { return currency; }
    public String responseCode() { return responseCode; }
    public Instant receivedAt() { return receivedAt; }
}
