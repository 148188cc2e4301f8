package org.accrue.iso8583;

/**
 * What DE3 (processing code) makes of a card message: 00xxxx goods and services and 09xxxx purchase with cashback
 * are purchases, 20xxxx refunds, anything else is not rewarded. The code is read here once, for the listener's
 * CardMessage and for a message the processor reads back from its store.
 */
public enum TransactionKind {
    PURCHASE, REFUND, OTHER;

    /** The kind of a DE3 value as sent. */
    public static TransactionKind of(String processingCode) {
        return processingCode.startsWith("00") || processingCode.startsWith("09") ? PURCHASE
                : processingCode.startsWith("20") ? REFUND : OTHER;
    }
}
