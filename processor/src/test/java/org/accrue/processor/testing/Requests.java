package org.accrue.processor.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.accrue.iso8583.simulator.WireMessage;

/** Wire requests for tests: realistic elements, unique STAN per call. */
public final class Requests {
    private static final AtomicInteger STAN = new AtomicInteger(100);
    public static final String DE7 = "1122103000";

    private Requests() {
    }

    public static String nextStan() {
        return String.format("%06d", STAN.getAndIncrement() % 1_000_000);
    }

    /** A full message of {@code mti} for {@code pan}: every element the spec reads, reversals with DE90. */
    public static WireMessage of(String mti, String pan, long amountMinor) {
        String stan = nextStan();
        Map<Integer, String> f = new TreeMap<>();
        f.put(2, pan);
        f.put(3, "000000");
        f.put(4, String.format("%012d", amountMinor));
        f.put(7, DE7);
        f.put(11, stan);
        f.put(12, "103000");
        f.put(13, "1122");
        f.put(18, "5814");
        f.put(22, "051");
        f.put(32, "12345678901");
        f.put(37, "RRN" + stan + "XYZ");
        f.put(38, "A" + stan.substring(1));
        f.put(41, "TERM0001");
        f.put(42, "MID000000000001");
        f.put(43, "BLUE BOTTLE COFFEE       OAKLAND      US");
        f.put(49, "840");
        if (mti.startsWith("04")) {
            f.put(90, "0100" + "000099" + DE7 + "00012345678" + "00000000000");
        }
        return WireMessage.of(mti, f);
    }
}
