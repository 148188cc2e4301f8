package org.accrue.reconciliation.pgp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Encrypt-and-sign, then decrypt-and-verify, with keys the test made; every way to fail fails cleanly. */
class PgpRoundTripTest {
    private static final char[] PASS = "test passphrase".toCharArray();
    // Small keys keep the test fast; the product default is 3072 bits.
    private static final PgpKeys.Generated ACCRUE = PgpKeys.generate("accrue <ops@accrue.test>", PASS, 2048);
    private static final PgpKeys.Generated ISSUER = PgpKeys.generate("bank-a <files@bank-a.test>", PASS, 2048);
    private static final PgpKeys.Generated STRANGER = PgpKeys.generate("stranger <x@stranger.test>", PASS, 2048);
    private static final byte[] PLAIN = "H|STMTCR|BANK_A|F1|2026-11-22T03:00:00Z|1\nT|0|0\n".getBytes(StandardCharsets.UTF_8);

    private static PGPSecretKeyRingCollection ring(PgpKeys.Generated g) throws IOException {
        return PgpKeys.readSecretKeys(new ByteArrayInputStream(g.armoredSecret()));
    }

    private static byte[] encrypt(PgpKeys.Generated signer, PgpKeys.Generated recipient, boolean armor) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream w = new PgpEncryption(PgpKeys.readPublicKey(new ByteArrayInputStream(recipient.armoredPublic())),
                ring(signer), PASS).open(out, "f.txt", armor)) {
            w.write(PLAIN);
        }
        return out.toByteArray();
    }

    private static byte[] decrypt(byte[] file, PgpKeys.Generated us, PgpKeys.Generated expectedSigner) throws Exception {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        new PgpDecryption(ring(us), PASS).decryptAndVerify(new ByteArrayInputStream(file), plain,
                expectedSigner.publicKey());
        return plain.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aFileEncryptedToTheIssuerAndSignedByUsDecryptsAndVerifiesBinaryOrArmored(boolean armor) throws Exception {
        byte[] file = encrypt(ACCRUE, ISSUER, armor);

        assertThat(PgpDecryption.looksEncrypted(file, file.length)).isTrue();
        assertThat(decrypt(file, ISSUER, ACCRUE)).isEqualTo(PLAIN);
        assertThat(new String(file, StandardCharsets.ISO_8859_1)).doesNotContain("STMTCR");
    }

    @Test
    void theWrongRecipientKeyFailsCleanly() throws Exception {
        byte[] file = encrypt(ACCRUE, ISSUER, false);

        assertThatThrownBy(() -> decrypt(file, STRANGER, ACCRUE)).isInstanceOf(PgpFileException.class)
                .extracting(e -> ((PgpFileException) e).reason()).isEqualTo(PgpFileException.Reason.WRONG_KEY);
    }

    @Test
    void aFileSignedByAnotherKeyIsABadSignature() throws Exception {
        byte[] file = encrypt(STRANGER, ISSUER, true);

        assertThatThrownBy(() -> decrypt(file, ISSUER, ACCRUE)).isInstanceOf(PgpFileException.class)
                .extracting(e -> ((PgpFileException) e).reason()).isEqualTo(PgpFileException.Reason.BAD_SIGNATURE);
    }

    @Test
    void plainTextIsNotPgp() {
        assertThat(PgpDecryption.looksEncrypted(PLAIN, PLAIN.length)).isFalse();
        assertThatThrownBy(() -> decrypt(PLAIN, ISSUER, ACCRUE)).isInstanceOf(PgpFileException.class)
                .extracting(e -> ((PgpFileException) e).reason()).isIn(PgpFileException.Reason.NOT_PGP,
                        PgpFileException.Reason.CORRUPT);
    }

    @Test
    void everyFlippedByteFailsWithAPgpFileExceptionAndNeverAnythingElse() throws Exception {
        byte[] file = encrypt(ACCRUE, ISSUER, false);
        int failed = 0;
        for (int i = 0; i < file.length; i += Math.max(1, file.length / 60)) {
            byte[] damaged = file.clone();
            damaged[i] ^= 0x5A;
            try {
                byte[] out = decrypt(damaged, ISSUER, ACCRUE);
                assertThat(out).as("a damaged file either fails or still yields the signed content").isEqualTo(PLAIN);
            } catch (PgpFileException e) {
                failed++;
            }
        }
        assertThat(failed).isPositive();
    }
}
