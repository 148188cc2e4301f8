package org.accrue.rewards.ledger;

/**
 * A ledger account: a type and its owner (a funder such as "MERCHANT:blue-bottle", a card id, an issuer id).
 * Amounts are signed: debits positive, credits negative. Assets (what funders owe) are debit-normal; the
 * cardholder and issuer accounts are liabilities, credit-normal.
 */
public record Account(Type type, String owner) {

    public enum Type {
        /** What the funder (merchant, issuer, partner) owes for rewards: an asset. */
        FUNDER_RECEIVABLE(true),
        /** Rewards matched but not yet available (waiting for clearing and the return period). */
        CARDHOLDER_PENDING(false),
        /** Rewards available for posting. */
        CARDHOLDER_AVAILABLE(false),
        /** Rewards handed to the issuer (statement credits in flight or posted) or airline. */
        ISSUER_SETTLEMENT(false);

        private final boolean debitNormal;

        Type(boolean debitNormal) {
            this.debitNormal = debitNormal;
        }

        public boolean debitNormal() {
            return debitNormal;
        }
    }

    public static Account funder(String funder) {
        return new Account(Type.FUNDER_RECEIVABLE, funder);
    }

    public static Account pending(String cardId) {
        return new Account(Type.CARDHOLDER_PENDING, cardId);
    }

    public static Account available(String cardId) {
        return new Account(Type.CARDHOLDER_AVAILABLE, cardId);
    }

    public static Account settlement(String issuerId) {
        return new Account(Type.ISSUER_SETTLEMENT, issuerId);
    }
}
