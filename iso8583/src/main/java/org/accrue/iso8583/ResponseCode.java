/*
 * DE39 values the listener answers with (iso8583-interface.md, "Response codes").
 * The names state the rule; the wire value is the two-character code.
 */
package org.accrue.iso8583;

public enum ResponseCode {
    /** Durably recorded, or deliberately ignored (card not enrolled, type not rewarded). */
    RECORDED("00"),
    UNSUPPORTED_MESSAGE_TYPE("12"),
    FORMAT_ERROR("30"),
    DUPLICATE_KEY_CONFLICT("94"),
    NOT_RECORDED_STORE_UNAVAILABLE("96");

    private final String wire;

    ResponseCode(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static ResponseCode fromWire(String wire) {
        for (ResponseCode c : values()) {
            if (c.wire.equals(wire)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown response code: " + wire);
    }
}
