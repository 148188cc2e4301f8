package org.accrue.processor.catalog;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** An offer's stored definition (the JSON the admin API took), with its status beside it for queries. */
@Entity
@Table(name = "offer")
public class OfferEntity {
    @Id
    @Column(name = "offer_id", length = 64)
    private String offerId;
    @Column(name = "merchant_id", length = 64)
    private String merchantId;
    @Column(name = "status", nullable = false, length = 16)
    private String status;
    @Column(name = "definition", nullable = false, columnDefinition = "text")
    private String definition;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;
    @Version
    @Column(name = "row_version", nullable = false)
    private long rowVersion;

    protected OfferEntity() {
    }

    OfferEntity(String offerId, String merchantId, String status, String definition, Instant at) {
        this.offerId = offerId;
        this.merchantId = merchantId;
        this.status = status;
        this.definition = definition;
        this.createdAt = at;
        this.updatedAt = at;
    }

    void redefine(String merchantId, String status, String definition, Instant at) {
        this.merchantId = merchantId;
        this.status = status;
        this.definition = definition;
        this.updatedAt = at;
    }

    String definition() {
        return definition;
    }
}
