package org.accrue.rewards.matching;

import java.time.Instant;
import java.time.LocalDateTime;

import org.accrue.rewards.money.Money;

/**
 * A purchase as matching sees it: when (UTC and the merchant's local time),
 * how (online or in store), how much (transaction amount, optional billing
 * amount, tip in the transaction currency) and where (acquirer, MID, DE43
 * name, MCC, and DE43's country and city, for offers limited to a geography).
 */
public record Purchase(Instant at, LocalDateTime local, boolean online, Money amount, Money billingAmount,
                       long tipMinor, String acquirerId, String mid, String descriptor, String mcc,
                       String country, String city) { // DE43 country (2 letters) and city, null when absent

    /** A purchase without a DE43 location. */
    public Purchase(Instant at, LocalDateTime local, boolean online, Money amount, Money billingAmount,
                    long tipMinor, String acquirerId, String mid, String descriptor, String mcc) {
        this(at, local, online, amount, billingAmount, tipMinor, acquirerId, mid, descriptor, mcc, null, null);
    }
}
