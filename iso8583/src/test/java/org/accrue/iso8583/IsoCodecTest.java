package org.accrue.iso8583;

import static org.assertj.core.api.Assertions.assertThat;

import org.jpos.iso.ISOException;
import org.jpos.iso.ISOMsg;
import org.jpos.iso.packager.ISO87APackagerBBitmap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IsoCodecTest {

    @Test
    void aCompletePurchaseDecodesIntoATypedMessage() {
        Decoded d = IsoCodec.decode(IsoMessages.purchase("0200"));
        assertThat(d).isInstanceOf(Decoded.Card.class);
        CardMessage m = ((Decoded.Card) d).message();
        assertThat(m.amountMinor()).isEqualTo(1250);
        assertThat(m.currency()).isEqualTo("840");
        assertThat(m.messageKey()).isEqualTo("02|12345678901|1122103000|000123|TERM0001");
        assertThat(m.cardAcceptor()).isEqualTo(new CardMessage.CardAcceptor("BLUE BOTTLE COFFEE", "OAKLAND", "US"));
        assertThat(m.panLast4()).isEqualTo("5556");
        assertThat(m.isOnline()).isFalse();
    }

    @ParameterizedTest(name = "DE{0} = ''{1}'' -> format error on DE{2}")
    @CsvSource(textBlock = """
            2,  '',               2
            2,  12345678901,      2
            2,  4000A56655665556, 2
            3,  '',               3
            3,  00000,            3
            4,  '',               4
            4,  0000000012X0,     4
            6,  000000001250,     51
            7,  '',               7
            7,  1322103000,       7
            7,  1131103000,       7
            7,  1122253000,       7
            11, '',               11
            11, 12345,            11
            12, 106000,           12
            13, 0230,             13
            18, 58,               18
            22, 0510,             22
            32, '',               32
            32, 123456789012,     32
            41, '',               41
            43, 'THIS NAME AND LOCATION IS FAR LONGER THAN FORTY', 43
            49, '',               49
            49, 8400,             49
            49, 820,              49
            49, 999,              49
            49, 000,              49
            51, 840,              6
            54, 0044840D00000,    54
            54, 00448400000000000100, 54
            95, 12AB,             95
            """)
    void theFirstBadElementIsNamed(int field, String value, int expected) throws ISOException {
        ISOMsg m = IsoMessages.purchase("0200");
        if (value.isEmpty()) {
            m.unset(field);
        } else {
            m.set(field, value);
        }
        Decoded d = IsoCodec.decode(m);
        assertThat(d).isInstanceOf(Decoded.FormatError.class);
        assertThat(((Decoded.FormatError) d).field()).isEqualTo(expected);
        assertThat(((Decoded.FormatError) d).reason()).doesNotContain(IsoMessages.PAN);
    }

    @Test
    void elementsAreCheckedInAscendingOrder() throws ISOException {
        ISOMsg m = IsoMessages.purchase("0200");
        m.unset(49);
        m.unset(4);
        assertThat(((Decoded.FormatError) IsoCodec.decode(m)).field()).isEqualTo(4);
    }

    @Test
    void aReversalNeedsDe90AndReadsItsParts() throws ISOException {
        ISOMsg m = IsoMessages.purchase("0400");
        CardMessage c = ((Decoded.Card) IsoCodec.decode(m)).message();
        assertThat(c.original()).isEqualTo(new CardMessage.OriginalData("0100", "000099", "1122103000", "00012345678", "00000000000"));
        assertThat(c.original().hasZeroFilledKey()).isFalse();
        m.unset(90);
        assertThat(((Decoded.FormatError) IsoCodec.decode(m)).field()).isEqualTo(90);
    }

    @Test
    void aZeroFilledDe90IsRecognised() throws ISOException {
        ISOMsg m = IsoMessages.purchase("0420");
        m.set(90, "0100" + "000000" + "0000000000" + "00012345678" + "00000000000");
        assertThat(((Decoded.Card) IsoCodec.decode(m)).message().original().hasZeroFilledKey()).isTrue();
    }

    @Test
    void de95GivesThePartialReversalsRemainingAmount() throws ISOException {
        ISOMsg m = IsoMessages.purchase("0400");
        m.set(95, "000000000500" + "0".repeat(30));
        assertThat(((Decoded.Card) IsoCodec.decode(m)).message().replacementAmountMinor()).isEqualTo(500);
    }

    @Test
    void theGratuityInDe54IsTheTipAndOtherAmountTypesAreNot() throws ISOException {
        ISOMsg m = IsoMessages.purchase("0200");
        m.set(54, "0044840D000000000200" + "0040840D000000000999" + "0044978D000000000777");
        assertThat(((Decoded.Card) IsoCodec.decode(m)).message().tipMinor()).isEqualTo(200);
    }

    @Test
    void billingAmountAndCurrencyComeTogether() throws ISOException {
        ISOMsg m = IsoMessages.purchase("0200");
        m.set(6, "000000001350");
        m.set(51, "978");
        CardMessage c = ((Decoded.Card) IsoCodec.decode(m)).message();
        assertThat(c.billingAmountMinor()).isEqualTo(1350);
        assertThat(c.billingCurrency()).isEqualTo("978");
    }

    @ParameterizedTest(name = "DE49 {0} is read")
    @CsvSource({"840", "978", "392", "048", "532"})
    void iso4217CurrenciesWithAMinorUnitAreRead(String currency) throws ISOException {
        ISOMsg m = IsoMessages.purchase("0200");
        m.set(49, currency);
        assertThat(((Decoded.Card) IsoCodec.decode(m)).message().currency()).isEqualTo(currency);
    }

    @ParameterizedTest(name = "DE51 {0} is a format error on 51")
    @CsvSource({"820", "999", "959"})
    void aBillingCurrencyThatIsNotAnIso4217CurrencyIsNamed(String currency) throws ISOException {
        ISOMsg m = IsoMessages.purchase("0200");
        m.set(6, "000000001350");
        m.set(51, currency);
        Decoded d = IsoCodec.decode(m);
        assertThat(d).isInstanceOf(Decoded.FormatError.class);
        assertThat(((Decoded.FormatError) d).field()).isEqualTo(51);
        assertThat(((Decoded.FormatError) d).reason()).isEqualTo("DE51 must be an ISO 4217 numeric currency code");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(textBlock = """
            0800, 0810, 301, Network
            0800, 0810, 999, FormatError
            0300, 0310, '',  Unsupported
            0500, 0510, '',  Unsupported
            0110, 0810, '',  Unsupported
            0130, 0810, '',  Unsupported
            """)
    void nonCardMessagesAreClassifiedAndGetTheirResponseMti(String mti, String responseMti, String de70, String kind)
            throws ISOException {
        ISOMsg m = IsoMessages.purchase("0200");
        m.setMTI(mti);
        if (!de70.isEmpty()) {
            m.set(70, de70);
        }
        assertThat(IsoCodec.decode(m).getClass().getSimpleName()).isEqualTo(kind);
        assertThat(IsoCodec.responseMti(mti)).isEqualTo(responseMti);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"0100,0110", "0101,0110", "0120,0130", "0121,0130", "0200,0210", "0201,0210", "0220,0230",
            "0221,0230", "0400,0410", "0401,0410", "0420,0430", "0421,0430", "0800,0810"})
    void theResponseMtiFollowsTheSpecTable(String request, String response) {
        assertThat(IsoCodec.responseMti(request)).isEqualTo(response);
    }

    @Test
    void aResponseEchoesTheKeyElementsAndNeverCarriesThePan() throws ISOException {
        ISOMsg request = IsoMessages.purchase("0200");
        ISOMsg r = IsoCodec.response(request, Acknowledgement.RECORDED);
        assertThat(r.getMTI()).isEqualTo("0210");
        for (int f : new int[] {3, 4, 7, 11, 32, 37, 41}) {
            assertThat(r.getString(f)).isEqualTo(request.getString(f));
        }
        assertThat(r.getString(39)).isEqualTo("00");
        assertThat(r.hasField(2)).isFalse();
        assertThat(r.hasField(44)).isFalse();
    }

    @Test
    void aFormatErrorResponseNamesTheFieldInDe44() {
        ISOMsg r = IsoCodec.response(IsoMessages.purchase("0100"), new Acknowledgement(ResponseCode.FORMAT_ERROR, 4));
        assertThat(r.getString(39)).isEqualTo("30");
        assertThat(r.getString(44)).isEqualTo("4");
    }

    @Test
    void anEmptySecondaryBitmapIsReadByTheSpecPackager() throws ISOException {
        byte[] frame = new byte[4 + 8 + 8 + 10 + 6 + 3];
        System.arraycopy("0800".getBytes(), 0, frame, 0, 4);
        frame[4] = (byte) 0x82; // bit 1 (secondary present) and bit 7
        frame[5] = (byte) 0x20; // bit 11
        // bytes 12..19: the secondary bitmap, present and empty
        System.arraycopy("1122103000".getBytes(), 0, frame, 20, 10);
        System.arraycopy("000042".getBytes(), 0, frame, 30, 6);
        ISOMsg m = new ISOMsg();
        m.setPackager(new ISO87APackagerBBitmap());
        m.unpack(java.util.Arrays.copyOf(frame, 36));
        assertThat(m.getString(11)).isEqualTo("000042");
        assertThat(IsoCodec.decode(m)).isEqualTo(new Decoded.FormatError(70, "DE70 must be 001, 002 or 301"));
    }

    @Test
    void aCardMessagePrintsNoPan() {
        CardMessage m = ((Decoded.Card) IsoCodec.decode(IsoMessages.purchase("0200"))).message();
        assertThat(m.toString()).doesNotContain(IsoMessages.PAN).contains("************5556");
    }
}
