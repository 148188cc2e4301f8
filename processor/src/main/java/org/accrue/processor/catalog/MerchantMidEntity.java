package org.accrue.processor.catalog;

import java.io.Serializable;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

/** One (acquirer, MID) claimed by one merchant; the primary key refuses a second claim. */
@Entity
@Table(name = "merchant_mid")
@IdClass(MerchantMidEntity.Key.class)
public class MerchantMidEntity {
    public record Key(String acquirerId, String mid) implements Serializable {
        public Key() {
            this(null, null);
        }
    }

    @Id
    @Column(name = "acquirer_id", length = 11)
    private String acquirerId;
    @Id
    @Column(name = "mid", length = 15)
    private String mid;
    @Column(name = "merchant_id", nullable = false, length = 64)
    private String merchantId;

    protected MerchantMidEntity() {
    }

    MerchantMidEntity(String acquirerId, String mid, String merchantId) {
        this.acquirerId = acquirerId;
        this.mid = mid;
        this.merchantId = merchantId;
    }

    String merchantId() {
        return merchantId;
    }

    Key key() {
        return new Key(acquirerId, mid);
    }
}
