package org.accrue.reconciliation.pgp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Encrypt-and-sign, then decrypt-and-verify, with Ed25519/X25519 keys made once for the class (milliseconds);
 * every way a file can be untrustworthy fails with its own reason and never with anything but PgpFileException.
 */
class PgpDecryptionTest {
    private static final char[] PASS = "test passphrase".toCharArray();
    private static final PgpKeys.Generated ACCRUE = PgpKeys.generateEd25519("accrue <ops@accrue.test>", PASS);
    private static final PgpKeys.Generated ISSUER = PgpKeys.generateEd25519("bank-a <files@bank-a.test>", PASS);
    private static final PgpKeys.Generated STRANGER = PgpKeys.generateEd25519("stranger <x@stranger.test>", PASS);
    private static final byte[] PLAIN = "H|STMTCONF|BANK_A|F1|2026-11-22T03:00:00Z|-\nT|0|0\n".getBytes(StandardCharsets.UTF_8);

    private static PGPSecretKeyRingCollection ring(PgpKeys.Generated g) throws IOException {
        return PgpKeys.readSecretKeys(new ByteArrayInputStream(g.armoredSecret()));
    }

    private static PgpEncryption encryption(PgpKeys.Generated signer, PgpKeys.Generated recipient, boolean compress)
            throws IOException {
        return new PgpEncryption(PgpKeys.readPublicKey(new ByteArrayInputStream(recipient.armoredPublic())), ring(signer),
                PASS, compress);
    }

    private static byte[] encrypt(PgpKeys.Generated signer, PgpKeys.Generated recipient, boolean armor, byte[] plain)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream w = encryption(signer, recipient, true).open(out, "f.txt", armor)) {
            w.write(plain);
        }
        return out.toByteArray();
    }

    /** One decryption per recipient and test, as the processor keeps one: it opens our secret key once. */
    private final PgpDecryption asIssuer = decryption(ISSUER);
    private final PgpDecryption asStranger = decryption(STRANGER);

    private static PgpDecryption decryption(PgpKeys.Generated us) {
        try {
            return new PgpDecryption(ring(us), PASS);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] decrypt(byte[] file, PgpKeys.Generated us, PgpKeys.Generated expectedSigner) throws Exception {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        (us == ISSUER ? asIssuer : asStranger).decryptAndVerify(new ByteArrayInputStream(file), plain,
                expectedSigner.publicRing());
        return plain.toByteArray();
    }

    private static PgpFileException.Reason reasonOf(ThrowingDecrypt d) {
        Throwable t = catchThrowable(d::run);
        assertThat(t).isInstanceOf(PgpFileException.class);
        assertThat(t.getMessage()).doesNotContain("BEGIN PGP", new String(PASS));
        return ((PgpFileException) t).reason();
    }

    @FunctionalInterface
    private interface ThrowingDecrypt {
        void run() throws Exception;
    }

    @ParameterizedTest(name = "armored {0}, compressed {1}")
    @CsvSource({"false, false", "false, true", "true, false", "true, true"})
    void aFileEncryptedToTheIssuerAndSignedByUsDecryptsAndVerifies(boolean armor, boolean compress) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream w = encryption(ACCRUE, ISSUER, compress).open(out, "STMTCR_BANK_A_20261122_001.txt", armor)) {
            w.write(PLAIN);
        }
        byte[] file = out.toByteArray();
        ByteArrayOutputStream plain = new ByteArrayOutputStream();

        PgpDecryption.Verified v = PgpDecryption.decryptAndVerify(new ByteArrayInputStream(file), plain, ring(ISSUER), PASS,
                ACCRUE.publicRing());

        assertThat(plain.toByteArray()).isEqualTo(PLAIN);
        assertThat(v).isEqualTo(new PgpDecryption.Verified(PgpKeys.fingerprint(ACCRUE.publicKey()),
                "STMTCR_BANK_A_20261122_001.txt", PLAIN.length));
        assertThat(PgpDecryption.looksEncrypted(file, file.length)).isTrue();
        assertThat(new String(file, StandardCharsets.ISO_8859_1)).doesNotContain("STMTCONF");
        if (armor) {
            assertThat(new String(file, StandardCharsets.US_ASCII)).startsWith("-----BEGIN PGP MESSAGE-----")
                    .doesNotContain("Version:");
        }
    }

    @Test
    void theExpectedSignerMayBeGivenAsItsSigningKeyAlone() throws Exception {
        byte[] file = encrypt(ACCRUE, ISSUER, false, PLAIN);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();

        new PgpDecryption(ring(ISSUER), PASS).decryptAndVerify(new ByteArrayInputStream(file), plain, ACCRUE.publicKey());

        assertThat(plain.toByteArray()).isEqualTo(PLAIN);
    }

    @Test
    void aMultiMegabyteFileStreamsThrough() throws Exception {
        byte[] big = new byte[2 << 20];
        new Random(7).nextBytes(big);
        byte[] file = encrypt(ACCRUE, ISSUER, false, big);

        assertThat(decrypt(file, ISSUER, ACCRUE)).isEqualTo(big);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {SymmetricKeyAlgorithmTags.AES_128,
            SymmetricKeyAlgorithmTags.AES_256, SymmetricKeyAlgorithmTags.CAST5, SymmetricKeyAlgorithmTags.CAMELLIA_256,
            SymmetricKeyAlgorithmTags.TWOFISH, SymmetricKeyAlgorithmTags.TRIPLE_DES})
    void aFileInAnyCipherAnIssuersToolMayChooseDecrypts(int cipher) throws Exception {
        byte[] file = PgpMessages.build(ISSUER.encryptionKey(), cipher, true, new PgpMessages.Signing(ACCRUE, PASS, PLAIN),
                PLAIN);

        assertThat(decrypt(file, ISSUER, ACCRUE)).isEqualTo(PLAIN);
    }

    @Test
    void aFileEncryptedToSomeoneElseIsTheWrongKey() throws Exception {
        byte[] file = encrypt(ACCRUE, ISSUER, false, PLAIN);

        assertThat(reasonOf(() -> decrypt(file, STRANGER, ACCRUE))).isEqualTo(PgpFileException.Reason.WRONG_KEY);
    }

    @Test
    void aFileSignedByAnotherKeyIsABadSignature() throws Exception {
        byte[] file = encrypt(STRANGER, ISSUER, true, PLAIN);

        assertThat(reasonOf(() -> decrypt(file, ISSUER, ACCRUE))).isEqualTo(PgpFileException.Reason.BAD_SIGNATURE);
    }

    @Test
    void aFileWhoseContentIsNotWhatWasSignedIsABadSignature() throws Exception {
        byte[] tampered = "H|STMTCONF|BANK_A|F1|2026-11-22T03:00:00Z|-\nT|0|1\n".getBytes(StandardCharsets.UTF_8);
        byte[] file = PgpMessages.build(ISSUER.encryptionKey(), true, new PgpMessages.Signing(ACCRUE, PASS, PLAIN), tampered);

        assertThat(reasonOf(() -> decrypt(file, ISSUER, ACCRUE))).isEqualTo(PgpFileException.Reason.BAD_SIGNATURE);
    }

    @Test
    void anUnsignedFileIsRefused() throws Exception {
        byte[] file = PgpMessages.build(ISSUER.encryptionKey(), true, null, PLAIN);

        assertThat(reasonOf(() -> decrypt(file, ISSUER, ACCRUE))).isEqualTo(PgpFileException.Reason.UNSIGNED);
    }

    @Test
    void aFileWithoutIntegrityProtectionIsRefusedBeforeDecrypting() throws Exception {
        byte[] file = PgpMessages.build(ISSUER.encryptionKey(), false, new PgpMessages.Signing(ACCRUE, PASS, PLAIN), PLAIN);

        assertThat(reasonOf(() -> decrypt(file, ISSUER, ACCRUE))).isEqualTo(PgpFileException.Reason.INTEGRITY_FAILURE);
    }

    @Test
    void aSignedButUnencryptedFileIsRefused() throws Exception {
        byte[] file = PgpMessages.build(null, true, new PgpMessages.Signing(ACCRUE, PASS, PLAIN), PLAIN);

        assertThat(reasonOf(() -> decrypt(file, ISSUER, ACCRUE))).isEqualTo(PgpFileException.Reason.NOT_ENCRYPTED);
    }

    @Test
    void plainTextAndEmptyInputAreNotPgp() {
        assertThat(PgpDecryption.looksEncrypted(PLAIN, PLAIN.length)).isFalse();
        assertThat(reasonOf(() -> decrypt(PLAIN, ISSUER, ACCRUE))).isEqualTo(PgpFileException.Reason.NOT_PGP);
        assertThat(reasonOf(() -> decrypt(new byte[0], ISSUER, ACCRUE))).isEqualTo(PgpFileException.Reason.NOT_PGP);
        byte[] fakeArmor = "-----BEGIN PGP MESSAGE-----\n\nnot base64 at all !!\n-----END PGP MESSAGE-----\n"
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(reasonOf(() -> decrypt(fakeArmor, ISSUER, ACCRUE))).isIn(PgpFileException.Reason.NOT_PGP,
                PgpFileException.Reason.CORRUPT);
    }

    @Test
    void ourKeyWithTheWrongPassphraseIsABadPassphrase() throws Exception {
        byte[] file = encrypt(ACCRUE, ISSUER, false, PLAIN);

        assertThat(reasonOf(() -> new PgpDecryption(ring(ISSUER), "wrong".toCharArray())
                .decryptAndVerify(new ByteArrayInputStream(file), OutputStream.nullOutputStream(), ACCRUE.publicRing())))
                .isEqualTo(PgpFileException.Reason.BAD_PASSPHRASE);
    }

    @Test
    void contentOverTheCallersLimitIsTooLarge() throws Exception {
        byte[] file = encrypt(ACCRUE, ISSUER, false, PLAIN);

        assertThat(reasonOf(() -> new PgpDecryption(ring(ISSUER), PASS, 10)
                .decryptAndVerify(new ByteArrayInputStream(file), OutputStream.nullOutputStream(), ACCRUE.publicRing())))
                .isEqualTo(PgpFileException.Reason.TOO_LARGE);
    }

    @Test
    void aFailingOutputIsAnIoExceptionNotABadFile() throws Exception {
        byte[] file = encrypt(ACCRUE, ISSUER, false, PLAIN);
        OutputStream full = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }
        };

        assertThatThrownBy(() -> new PgpDecryption(ring(ISSUER), PASS).decryptAndVerify(new ByteArrayInputStream(file), full,
                ACCRUE.publicRing())).isInstanceOf(IOException.class).hasMessage("disk full");
    }

    @Test
    void everyFlippedByteFailsWithAPgpFileExceptionAndNeverAnythingElse() throws Exception {
        for (boolean armor : new boolean[] {false, true}) {
            byte[] file = encrypt(ACCRUE, ISSUER, armor, PLAIN);
            int step = armor ? 5 : 1;
            for (int i = 0; i < file.length; i += step) {
                byte[] damaged = file.clone();
                damaged[i] ^= 0x01;
                try {
                    assertThat(decrypt(damaged, ISSUER, ACCRUE)).as("a damaged file that passes holds the signed content")
                            .isEqualTo(PLAIN);
                } catch (PgpFileException expected) {
                    assertThat(expected.reason()).isNotNull();
                }
            }
        }
    }

    @Test
    void everyTruncationFailsWithAPgpFileException() throws Exception {
        byte[] file = encrypt(ACCRUE, ISSUER, false, PLAIN);

        for (int len = 0; len < file.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(file, len);
            assertThat(catchThrowable(() -> decrypt(cut, ISSUER, ACCRUE))).as("cut at %d", len)
                    .isInstanceOf(PgpFileException.class);
        }
    }

    @Test
    void randomBytesFailWithAPgpFileException() {
        Random r = new Random(11);
        for (int i = 0; i < 300; i++) {
            byte[] junk = new byte[1 + r.nextInt(400)];
            r.nextBytes(junk);
            assertThat(catchThrowable(() -> decrypt(junk, ISSUER, ACCRUE))).isInstanceOf(PgpFileException.class);
        }
    }
}
