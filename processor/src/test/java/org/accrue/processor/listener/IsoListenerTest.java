package org.accrue.processor.listener;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.Requests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The listener over a real socket against a real MariaDB: every row of the spec's message table and every code. */
@ExtendWith(ProcessorExtension.class)
class IsoListenerTest {
    private static final String ENROLLED = "4000056655665556";
    private static final String NOT_ENROLLED = "4012888888881881";

    private Node node;
    private IssuerConnection issuer;

    @BeforeEach
    void connect(Node node) throws IOException {
        this.node = node;
        new Api(node.processor().httpPort()).enroll(KEY_ISSUER_A, ENROLLED, "ACC-1");
        issuer = new IssuerConnection("127.0.0.1", node.processor().isoPort());
    }

    @AfterEach
    void disconnect() {
        issuer.close();
    }

    private WireMessage send(WireMessage m) {
        return issuer.send(m).orTimeout(30, TimeUnit.SECONDS).join();
    }

    @ParameterizedTest(name = "{0} is answered {1} with 00 and stored")
    @CsvSource(textBlock = """
            0100, 0110
            0101, 0110
            0120, 0130
            0121, 0130
            0200, 0210
            0201, 0210
            0220, 0230
            0221, 0230
            0400, 0410
            0401, 0410
            0420, 0430
            0421, 0430
            """)
    void everyCardMessageOfTheTableIsAcknowledgedWithItsResponseMti(String mti, String responseMti) {
        long storedBefore = node.processor().stats().snapshot().stored();
        WireMessage request = Requests.of(mti, ENROLLED, 1250);
        WireMessage r = send(request);
        assertThat(r.mti()).isEqualTo(responseMti);
        assertThat(r.get(39)).isEqualTo("00");
        assertThat(r.get(2)).isNull();
        for (int echoed : new int[] {3, 4, 7, 11, 32, 37, 41}) {
            assertThat(r.get(echoed)).as("DE%d echoed", echoed).isEqualTo(request.get(echoed));
        }
        assertThat(node.processor().stats().snapshot().stored()).isEqualTo(storedBefore + 1);
    }

    @ParameterizedTest(name = "0800 with DE70 {0} is answered 0810 00")
    @CsvSource({"001", "002", "301"})
    void networkManagementIsAnsweredWithItsCode(String code) {
        WireMessage r = send(WireMessage.of("0800", java.util.Map.of(7, Requests.DE7, 11, Requests.nextStan(), 70, code)));
        assertThat(r.mti()).isEqualTo("0810");
        assertThat(r.get(39)).isEqualTo("00");
        assertThat(r.get(70)).isEqualTo(code);
    }

    @ParameterizedTest(name = "{0} is unsupported: {1} with 12")
    @CsvSource(textBlock = """
            0300, 0310
            0600, 0610
            0110, 0810
            """)
    void anUnsupportedMtiIsAnswered12AndNothingIsStored(String mti, String responseMti) {
        long storedBefore = node.processor().stats().snapshot().stored();
        WireMessage r = send(Requests.of("0200", ENROLLED, 100).withMti(mti));
        assertThat(r.mti()).isEqualTo(responseMti);
        assertThat(r.get(39)).isEqualTo("12");
        assertThat(node.processor().stats().snapshot().stored()).isEqualTo(storedBefore);
    }

    @ParameterizedTest(name = "DE{0} = ''{1}'' is a format error naming {0}")
    @CsvSource(textBlock = """
            2,  ''
            2,  41111111
            3,  ''
            4,  ''
            4,  00000000001X
            7,  1322103000
            32, ''
            41, ''
            49, ''
            49, 84
            12, 256000
            13, 0231
            """)
    void aMissingOrMalformedElementIs30WithDe44NamingIt(int field, String value) {
        WireMessage m = Requests.of("0200", ENROLLED, 100).with(field, value.isEmpty() ? null : value);
        WireMessage r = send(m);
        assertThat(r.get(39)).isEqualTo("30");
        assertThat(r.get(44)).isEqualTo(Integer.toString(field));
    }

    @Test
    void aClearingInACurrencyThatIsNotIso4217Is30NamingDe49AndIsNotStored() {
        // The incident of issue 12: a 0220 with DE49 820 was answered 00, stored, and stopped the matcher for good.
        long storedBefore = node.processor().stats().snapshot().stored();
        long rowsBefore = cardMessages();
        WireMessage r = send(Requests.of("0220", ENROLLED, 1250).with(49, "820"));
        assertThat(r.mti()).isEqualTo("0230");
        assertThat(r.get(39)).isEqualTo("30");
        assertThat(r.get(44)).isEqualTo("49");
        assertThat(node.processor().stats().snapshot().stored()).isEqualTo(storedBefore);
        assertThat(cardMessages()).isEqualTo(rowsBefore);
    }

    @Test
    void aBillingCurrencyThatIsNotIso4217Is30NamingDe51() {
        WireMessage r = send(Requests.of("0200", ENROLLED, 1250).with(6, "000000001300").with(51, "820"));
        assertThat(r.get(39)).isEqualTo("30");
        assertThat(r.get(44)).isEqualTo("51");
    }

    @Test
    void everyCurrencyTheListenerAcceptsIsOneTheMatcherCanReadAndNoOther() throws Exception {
        // One rule on both sides: the codec (iso8583) and Money (rewards) may not depend on each other, so the
        // agreement is checked here, where both are on the classpath, over every three-digit code.
        for (int code = 0; code <= 999; code++) {
            String numeric = String.format("%03d", code);
            org.jpos.iso.ISOMsg m = new org.jpos.iso.ISOMsg();
            Requests.of("0200", ENROLLED, 100).with(49, numeric).fields().forEach(m::set);
            m.setMTI("0200");
            boolean accepted = org.accrue.iso8583.IsoCodec.decode(m) instanceof org.accrue.iso8583.Decoded.Card;
            boolean readable;
            try {
                org.accrue.rewards.money.Money.zero(org.accrue.rewards.money.Money.alphaOf(numeric));
                readable = true;
            } catch (IllegalArgumentException e) {
                readable = false;
            }
            assertThat(accepted).as("DE49 %s accepted by the listener == readable by the matcher", numeric).isEqualTo(readable);
        }
    }

    private long cardMessages() {
        return node.processor().store().sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(
                "select count(*) from card_message", Object.class).getSingleResult()).longValue());
    }

    @Test
    void aReversalWithoutDe90IsAFormatErrorOn90() {
        WireMessage r = send(Requests.of("0400", ENROLLED, 100).with(90, null));
        assertThat(r.get(39)).isEqualTo("30");
        assertThat(r.get(44)).isEqualTo("90");
    }

    @Test
    void aDuplicateGetsTheIdenticalAnswerAndARepeatMtiIsADuplicate() {
        WireMessage m = Requests.of("0100", ENROLLED, 700);
        WireMessage first = send(m);
        WireMessage again = send(m);
        WireMessage repeat = send(m.withMti("0101"));
        assertThat(again).isEqualTo(first);
        assertThat(repeat).isEqualTo(first);
        assertThat(node.processor().stats().snapshot().duplicates()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void theSameKeyWithAnotherAmountIsAnswered94() {
        WireMessage m = Requests.of("0200", ENROLLED, 700);
        assertThat(send(m).get(39)).isEqualTo("00");
        assertThat(send(m.with(4, "000000000701")).get(39)).isEqualTo("94");
    }

    @Test
    void aCardNotEnrolledIsAcknowledged00AndNotStored() {
        long storedBefore = node.processor().stats().snapshot().stored();
        assertThat(send(Requests.of("0200", NOT_ENROLLED, 700)).get(39)).isEqualTo("00");
        assertThat(node.processor().stats().snapshot().stored()).isEqualTo(storedBefore);
    }

    @Test
    void manyMessagesInFlightOnOneConnectionAreAllAnswered() {
        var futures = java.util.stream.IntStream.range(0, 300)
                .mapToObj(i -> issuer.send(Requests.of("0200", ENROLLED, 100 + i))).toList();
        futures.forEach(f -> assertThat(f.orTimeout(30, TimeUnit.SECONDS).join().get(39)).isEqualTo("00"));
    }

    @Test
    void aSecondaryBitmapPresentButEmptyIsAccepted() throws IOException {
        // 0800 with bit 1 set and an all-zero secondary bitmap, then DE7, DE11 and DE70 in the primary... DE70 lives in
        // the secondary, so this frame carries DE7 and DE11 only in the primary and an empty secondary: a format error
        // on 70, answered (not a dropped connection), which shows the empty secondary bitmap was read.
        byte[] body = frame0800WithEmptySecondaryBitmap();
        try (Socket s = new Socket("127.0.0.1", node.processor().isoPort())) {
            s.setSoTimeout(10_000);
            writeFrame(s.getOutputStream(), body);
            byte[] answer = readFrame(new DataInputStream(s.getInputStream()));
            assertThat(new String(answer, 0, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("0810");
        }
    }

    @Test
    void anOversizedFrameClosesOnlyThatConnectionAndIsCounted() throws IOException {
        Api api = new Api(node.processor().httpPort());
        double oversizeBefore = api.metric("accrue_iso_frames_oversize_total");
        try (Socket s = new Socket("127.0.0.1", node.processor().isoPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {(byte) 0xFF, (byte) 0xFF}); // declares 65535 bytes, above the 8 KiB maximum
            out.write(new byte[100]);
            out.flush();
            assertThat(s.getInputStream().read()).isEqualTo(-1); // closed by the listener
        }
        assertThat(send(Requests.of("0200", ENROLLED, 100)).get(39)).isEqualTo("00");
        assertThat(api.metric("accrue_iso_frames_oversize_total")).isEqualTo(oversizeBefore + 1);
    }

    @Test
    void aGarbledFrameClosesOnlyThatConnection() throws IOException {
        try (Socket s = new Socket("127.0.0.1", node.processor().isoPort())) {
            s.setSoTimeout(10_000);
            byte[] garbage = "0200\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ffxx".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            writeFrame(s.getOutputStream(), garbage);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(send(Requests.of("0200", ENROLLED, 100)).get(39)).isEqualTo("00");
    }

    private static byte[] frame0800WithEmptySecondaryBitmap() {
        byte[] mti = "0800".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] primary = new byte[8];
        primary[0] = (byte) 0x82; // bit 1 (secondary present) and bit 7 (DE7)
        primary[1] = (byte) 0x20; // bit 11 (DE11)
        byte[] secondary = new byte[8]; // present, empty
        byte[] de7 = Requests.DE7.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] de11 = "000042".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes(mti);
        b.writeBytes(primary);
        b.writeBytes(secondary);
        b.writeBytes(de7);
        b.writeBytes(de11);
        return b.toByteArray();
    }

    private static void writeFrame(OutputStream out, byte[] body) throws IOException {
        out.write(new byte[] {(byte) (body.length >> 8), (byte) body.length});
        out.write(body);
        out.flush();
    }

    private static byte[] readFrame(DataInputStream in) throws IOException {
        int len = in.readUnsignedShort();
        byte[] b = new byte[len];
        in.readFully(b);
        return b;
    }
}
