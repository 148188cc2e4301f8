package org.accrue.iso8583;

/**
 * How the card was used, from DE22 (POS entry mode): 81x is e-commerce, anything else (or no DE22) in store. Offers'
 * channel rule (IN_STORE, ONLINE) is judged on it; the code is read here once, not matched as a string where it is used.
 */
public enum PurchaseChannel {
    IN_STORE, ONLINE;

    /** The channel of a DE22 value as sent (null when absent). */
    public static PurchaseChannel of(String posEntryMode) {
        return posEntryMode != null && posEntryMode.startsWith("81") ? ONLINE : IN_STORE;
    }
}
