package org.accrue.iso8583;

import org.jpos.iso.ISOMsg;

/** Valid ISOMsg requests for codec tests. */
final class IsoMessages {
    static final String PAN = "4000056655665556";

    private IsoMessages() {
    }

    static ISOMsg purchase(String mti) {
        {
            ISOMsg m = new ISOMsg(mti);
            m.set(2, PAN);
            m.set(3, "000000");
            m.set(4, "000000001250");
            m.set(7, "1122103000");
            m.set(11, "000123");
            m.set(12, "103000");
            m.set(13, "1122");
            m.set(18, "5814");
            m.set(22, "051");
            m.set(32, "12345678901");
            m.set(37, "RRN000000123");
            m.set(38, "A00123");
            m.set(41, "TERM0001");
            m.set(42, "MID000000000001");
            m.set(43, "BLUE BOTTLE COFFEE       OAKLAND      US");
            m.set(49, "840");
            if (mti.startsWith("04")) {
                m.set(90, "0100" + "000099" + "1122103000" + "00012345678" + "00000000000");
            }
            return m;
        }
    }
}
