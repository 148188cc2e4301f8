package org.accrue.processor.testing;

import java.util.concurrent.atomic.AtomicInteger;

import org.accrue.iso8583.CardMessage;
import org.accrue.iso8583.Mti;

/** Typed card messages for tests that talk to the journal without a socket. */
public final class Messages {
    private static final AtomicInteger STAN = new AtomicInteger(1);

    private Messages() {
    }

    public static CardMessage purchase(String pan, long amountMinor) {
        return message("0200", pan, amountMinor, String.format("%06d", STAN.getAndIncrement() % 1_000_000));
    }

    public static CardMessage message(String mti, String pan, long amountMinor, String stan) {
        return new CardMessage(Mti.of(mti), pan, "000000", amountMinor, "840", null, null, "1122103000", stan,
                "103000", "1122", "5814", "051", "12345678901", "RRN" + stan, "A" + stan.substring(1), "TERM0001",
                "MID000000000001", new CardMessage.CardAcceptor("BLUE BOTTLE COFFEE", "OAKLAND", "US"), 0, null, null);
    }

    /** The same message key and content as {@code m}, with another amount. */
    public static CardMessage withAmount(CardMessage m, long amountMinor) {
        return new CardMessage(m.mti(), m.pan(), m.processingCode(), amountMinor, m.currency(), m.billingAmountMinor(),
                m.billingCurrency(), m.transmissionDateTime(), m.stan(), m.localTime(), m.localDate(), m.mcc(),
                m.posEntryMode(), m.acquirerId(), m.retrievalReference(), m.authorizationId(), m.terminalId(),
                m.merchantId(), m.cardAcceptor(), m.tipMinor(), m.original(), m.replacementAmountMinor());
    }

    /** The same message key and content as {@code m}, with another PAN. */
    public static CardMessage withPan(CardMessage m, String pan) {
        return new CardMessage(m.mti(), pan, m.processingCode(), m.amountMinor(), m.currency(), m.billingAmountMinor(),
                m.billingCurrency(), m.transmissionDateTime(), m.stan(), m.localTime(), m.localDate(), m.mcc(),
                m.posEntryMode(), m.acquirerId(), m.retrievalReference(), m.authorizationId(), m.terminalId(),
                m.merchantId(), m.cardAcceptor(), m.tipMinor(), m.original(), m.replacementAmountMinor());
    }

    /** The repeat (xxx1) of {@code m}: same key. */
    public static CardMessage repeat(CardMessage m) {
        return new CardMessage(Mti.of(m.mti().value().substring(0, 3) + "1"), m.pan(), m.processingCode(),
                m.amountMinor(), m.currency(), m.billingAmountMinor(), m.billingCurrency(), m.transmissionDateTime(),
                m.stan(), m.localTime(), m.localDate(), m.mcc(), m.posEntryMode(), m.acquirerId(),
                m.retrievalReference(), m.authorizationId(), m.terminalId(), m.merchantId(), m.cardAcceptor(),
                m.tipMinor(), m.original(), m.replacementAmountMinor());
    }
}
