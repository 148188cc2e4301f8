package org.accrue.iso8583;

/**
 * What the processor answers to one card message: a response code and, for a
 * format error, the number of the first bad data element (DE44).
 */
public record Acknowledgement(ResponseCode code, int badField) {
    public static final Acknowledgement RECORDED = new Acknowledgement(ResponseCode.RECORDED, 0);

    public static Acknowledgement of(ResponseCode code) {
        return new Acknowledgement(code, 0);
    }
}
