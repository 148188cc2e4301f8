package org.accrue.iso8583;

/**
 * A four-digit ISO 8583:1987 message type indicator. The spec's message
 * classes are 01 (authorization), 02 (financial), 04 (reversal), 08 (network).
 */
public record Mti(String value) {

    public Mti {
        if (value == null || value.length() != 4 || !value.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("MTI must be 4 digits");
        }
    }

    public static Mti of(String value) {
        return new Mti(value);
    }

    /** "01", "02", "04", "08". */
    public String messageClass() {
        return value.substring(0, 2);
    }

    /** A repeat (xxx1) is the same message sent again. */
    public boolean isRepeat() {
        return value.charAt(3) == '1';
    }

    /** The MTI without its repeat flag: 0101 -> 0100. */
    public Mti original() {
        return isRepeat() ? new Mti(value.substring(0, 3) + "0") : this;
    }

    public boolean isAuthorization() {
        return messageClass().equals("01");
    }

    public boolean isFinancial() {
        return messageClass().equals("02");
    }

    public boolean isReversal() {
        return messageClass().equals("04");
    }

    /** 0220/0221: completion or clearing of an earlier authorization. */
    public boolean isClearingAdvice() {
        return value.startsWith("022");
    }

    @Override
    public String toString() {
        return value;
    }
}
