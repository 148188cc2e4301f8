/*
 * Fuzzing the typed edge: committed seed frames (src/test/resources/fuzz-seeds,
 * test PANs only) mutated at random, and random bytes, go through the spec's
 * packager and then the codec. Unpacking may refuse a frame only with its own
 * ISOException; decoding never throws, and never puts a PAN in a reason.
 */
package org.accrue.iso8583;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import org.jpos.iso.ISOException;
import org.jpos.iso.ISOMsg;
import org.jpos.iso.packager.ISO87APackagerBBitmap;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class IsoCodecFuzzTest {
    private static final List<String> SEEDS = List.of("purchase-0200.hex", "auth-0100.hex", "reversal-0400.hex",
            "echo-0800.hex", "tip-0200.hex");
    /** Seeds the codec must refuse (mutated like the others): a clearing with DE49 820, numeric but not ISO 4217. */
    private static final List<String> REFUSED_SEEDS = List.of("clearing-0220-de49-820.hex");

    private static byte[] seed(String name) {
        try (InputStream in = IsoCodecFuzzTest.class.getResourceAsStream("/fuzz-seeds/" + name)) {
            return HexFormat.of().parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Property(tries = 1000)
    void mutatedSeedFramesNeverBreakTheCodec(@ForAll("mutatedSeeds") byte[] frame) {
        feed(frame);
    }

    @Property(tries = 500)
    void randomBytesNeverBreakTheCodec(@ForAll @Size(max = 300) byte[] frame) {
        feed(frame);
    }

    @Property(tries = 5)
    void everySeedDecodes(@ForAll("seedNames") String name) throws ISOException {
        ISOMsg m = new ISOMsg();
        m.setPackager(new ISO87APackagerBBitmap());
        m.unpack(seed(name));
        assertThat(IsoCodec.decode(m)).isNotInstanceOf(Decoded.FormatError.class);
    }

    @Property(tries = 1)
    void theNonIso4217CurrencySeedIsRefusedOnDe49(@ForAll("refusedSeedNames") String name) throws ISOException {
        ISOMsg m = new ISOMsg();
        m.setPackager(new ISO87APackagerBBitmap());
        m.unpack(seed(name));
        assertThat(IsoCodec.decode(m)).isEqualTo(new Decoded.FormatError(49, "DE49 must be an ISO 4217 numeric currency code"));
    }

    @Provide
    Arbitrary<String> refusedSeedNames() {
        return Arbitraries.of(REFUSED_SEEDS);
    }

    @Provide
    Arbitrary<String> seedNames() {
        return Arbitraries.of(SEEDS);
    }

    @Provide
    Arbitrary<byte[]> mutatedSeeds() {
        return Arbitraries.of(java.util.stream.Stream.concat(SEEDS.stream(), REFUSED_SEEDS.stream()).toList()).flatMap(name -> {
            byte[] s = seed(name);
            return Arbitraries.integers().between(0, s.length - 1).list().ofMinSize(1).ofMaxSize(6)
                    .flatMap(positions -> Arbitraries.bytes().list().ofSize(positions.size()).map(values -> {
                        byte[] copy = s.clone();
                        for (int i = 0; i < positions.size(); i++) {
                            copy[positions.get(i)] = values.get(i);
                        }
                        return copy;
                    }));
        });
    }

    private static void feed(byte[] frame) {
        ISOMsg m = new ISOMsg();
        m.setPackager(new ISO87APackagerBBitmap());
        try {
            m.unpack(frame);
        } catch (ISOException refused) {
            return; // the packager's own checked error: the listener closes that connection
        } catch (RuntimeException e) {
            // jPOS sometimes fails with an unchecked exception on garbage; the channel turns those into
            // an IOException and closes the connection, so they are tolerated here, never from the codec.
            return;
        }
        Decoded d = IsoCodec.decode(m);
        assertThat(d).isNotNull();
        if (d instanceof Decoded.FormatError f) {
            assertThat(f.reason()).doesNotContain("4000056655665556");
        }
        IsoCodec.response(m, Acknowledgement.RECORDED); // building an answer never throws either
    }
}
