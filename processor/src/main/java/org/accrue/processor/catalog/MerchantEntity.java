package org.accrue.processor.catalog;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** A merchant's stored definition (the JSON the admin API took). */
@Entity
@Table(name = "merchant")
public class MerchantEntity {
    @Id
    @Column(name = "merchant_id", length = 64)
    private String merchantId;
    @Column(name = "name", nullable = false, length = 200)
    private String name;
    @Column(name = "definition", nullable = false, columnDefinition = "text")
    private String definition;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;
    @Version
    @Column(name = "row_version", nullable = false)
    private long rowVersion;

    protected MerchantEntity() {
    }

    MerchantEntity(String merchantId, String name, String definition, Instant at) {
        this.merchantId = merchantId;
        this.name = name;
        this.definition = definition;
        this.createdAt = at;
        this.updatedAt = at;
    }

    void redefine(String name, String definition, Instant at) {
        this.name = name;
        this.definition = definition;
        this.updatedAt = at;
    }

    String definition() {
        return definition;
    }
}
