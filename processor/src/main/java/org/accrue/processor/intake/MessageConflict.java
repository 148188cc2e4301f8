package org.accrue.processor.intake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

import org.accrue.iso8583.CardMessage;
import org.accrue.rewards.enrollment.PanTokenizer.PanToken;

/**
 * A message key that arrived again with another card number or amount (answered 94): the processing_exception
 * row it makes. The fingerprint (key, first PAN token, amount) makes the same conflicting message resent the same
 * row, which the insert then ignores.
 */
record MessageConflict(String fingerprint, String messageKey, String last4, long amountMinor, String currency,
                       String detail, Instant createdAt) {

    static MessageConflict of(CardMessage m, PanToken token, boolean samePan, JournalLookup.Seen before, Instant now) {
        String what = samePan ? "amount " + before.amountMinor() + " then " + m.amountMinor()
                : "a different card number";
        String detail = "message key " + m.messageKey() + " (MTI " + m.mti() + ") arrived again with " + what
                + "; answered 94, the first message stands";
        String fingerprint = sha256(m.messageKey() + "|" + token.keyVersion() + ":" + token.token() + "|" + m.amountMinor());
        return new MessageConflict(fingerprint, m.messageKey(), m.panLast4(), m.amountMinor(), m.currency(), detail, now);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
