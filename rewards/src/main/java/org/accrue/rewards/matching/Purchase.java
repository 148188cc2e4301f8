package org.accrue.rewards.matching;

import java.time.Instant;
import java.time.LocalDateTime;

import org.accrue.rewards.money.Money;

/**
 * A purchase as matching sees it: when (UTC and the merchant's local time),
 * how (online or in store), how much (transaction amount, optional billing
 * amount, tip in the transaction currency) and where (acquirer, MID, DE43
 * name, MCC).
 */
public record Purchase(Instant at, LocalDateTime local, boolean online, Money amount, Money billingAmount,
                       long tipMinor, String acquirerId, String mid, String descriptor, String mcc) {
}
