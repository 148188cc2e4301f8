package org.accrue.iso8583.simulator;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import org.accrue.iso8583.Pans;

/**
 * An ISO 8583 message as MTI and data elements, for issuer-side code and
 * tests outside this module (which never see ISOMsg). toString masks DE2.
 */
public record WireMessage(String mti, SortedMap<Integer, String> fields) {

    public WireMessage {
        fields = new TreeMap<>(fields);
    }

    public static WireMessage of(String mti, Map<Integer, String> fields) {
        return new WireMessage(mti, new TreeMap<>(fields));
    }

    public String get(int field) {
        return fields.get(field);
    }

    public WireMessage with(int field, String value) {
        TreeMap<Integer, String> f = new TreeMap<>(fields);
        if (value == null) {
            f.remove(field);
        } else {
            f.put(field, value);
        }
        return new WireMessage(mti, f);
    }

    public WireMessage withMti(String newMti) {
        return new WireMessage(newMti, fields);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("WireMessage[").append(mti);
        fields.forEach((k, v) -> b.append(", ").append(k).append('=').append(k == 2 || k == 35 ? Pans.mask(v) : v));
        return b.append(']').toString();
    }
}
