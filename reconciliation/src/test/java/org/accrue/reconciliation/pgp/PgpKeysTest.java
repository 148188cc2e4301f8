package org.accrue.reconciliation.pgp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.junit.jupiter.api.Test;

/**
 * RSA keys as production makes them: one key, 2048 bits here, made once for the class (RSA generation is the
 * slow part of this module's tests); the other side is Ed25519.
 */
class PgpKeysTest {
    private static final char[] PASS = "rsa test passphrase".toCharArray();
    private static final PgpKeys.Generated ISSUER = PgpKeys.generate("bank-a <files@bank-a.test>", PASS, 2048);
    private static final PgpKeys.Generated ACCRUE = PgpKeys.generateEd25519("accrue <ops@accrue.test>", PASS);

    private static PGPSecretKeyRingCollection secret(PgpKeys.Generated g) throws IOException {
        return PgpKeys.readSecretKeys(new ByteArrayInputStream(g.armoredSecret()));
    }

    @Test
    void aGeneratedKeySignsWithItsPrimaryAndEncryptsWithItsSubkey() throws Exception {
        PGPPublicKey encryption = PgpKeys.readPublicKey(new ByteArrayInputStream(ISSUER.armoredPublic()));
        PGPSecretKey signing = PgpKeys.signingKey(secret(ISSUER));

        assertThat(encryption.isMasterKey()).isFalse();
        assertThat(encryption.getKeyID()).isEqualTo(ISSUER.encryptionKey().getKeyID());
        assertThat(signing.isMasterKey()).isTrue();
        assertThat(signing.getKeyID()).isEqualTo(ISSUER.publicKey().getKeyID());
        assertThat(ISSUER.publicKey().getBitStrength()).isEqualTo(2048);
    }

    @Test
    void armoredKeysReadBackAsTheSameKeysAndCarryNoVersionHeader() throws Exception {
        String pub = new String(ISSUER.armoredPublic(), StandardCharsets.US_ASCII);
        String sec = new String(ISSUER.armoredSecret(), StandardCharsets.US_ASCII);

        assertThat(pub).startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----").doesNotContain("Version:");
        assertThat(sec).startsWith("-----BEGIN PGP PRIVATE KEY BLOCK-----");
        assertThat(PgpKeys.readPublicKeyRing(new ByteArrayInputStream(ISSUER.armoredPublic())).getPublicKey().getFingerprint())
                .isEqualTo(ISSUER.publicKey().getFingerprint());
        assertThat(secret(ISSUER).getSecretKey(ISSUER.publicKey().getKeyID())).isNotNull();
    }

    @Test
    void binaryKeysAreReadToo() throws Exception {
        ByteArrayOutputStream bin = new ByteArrayOutputStream();
        ISSUER.publicRing().encode(bin);

        assertThat(PgpKeys.readPublicKey(new ByteArrayInputStream(bin.toByteArray())).getKeyID())
                .isEqualTo(ISSUER.encryptionKey().getKeyID());
    }

    @Test
    void somethingThatIsNotAKeyIsAnIoException() {
        assertThatThrownBy(() -> PgpKeys.readPublicKey(new ByteArrayInputStream("hello".getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> PgpKeys.readSecretKeys(new ByteArrayInputStream(new byte[] {(byte) 0x99, 1, 2})))
                .isInstanceOf(IOException.class);
    }

    @Test
    void anRsaKeySignsAndDecryptsWhatWasEncryptedToIt() throws Exception {
        byte[] plain = "H|STMTCR|BANK_A|F1|2026-11-22T03:00:00Z|1\nT|0|0\n".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        try (OutputStream w = new PgpEncryption(ISSUER.publicRing(), secret(ISSUER), PASS, true).open(file, "f.txt", true)) {
            w.write(plain);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        PgpDecryption.decryptAndVerify(new ByteArrayInputStream(file.toByteArray()), out, secret(ISSUER), PASS,
                ISSUER.publicRing());

        assertThat(out.toByteArray()).isEqualTo(plain);
    }

    @Test
    void aWrongPassphraseFailsWhenEncryptionIsSetUpAndIsNeverInTheMessage() {
        assertThatThrownBy(() -> new PgpEncryption(ISSUER.encryptionKey(), secret(ACCRUE), "guess-me-not".toCharArray()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("passphrase")
                .message().doesNotContain("guess-me-not");
    }

    @Test
    void aSigningOnlyKeyIsRefusedAsRecipient() {
        assertThatThrownBy(() -> new PgpEncryption(ACCRUE.publicKey(), secret(ACCRUE), PASS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot encrypt");
    }

    @Test
    void keysSmallerThanTheMinimumAreNotGenerated() {
        assertThatThrownBy(() -> PgpKeys.generate("small", PASS, 1024)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void noToStringShowsKeyMaterialOrThePassphrase() throws Exception {
        String armoredBody = new String(ACCRUE.armoredSecret(), StandardCharsets.US_ASCII).lines().skip(2).findFirst().orElseThrow();
        String[] shown = {ACCRUE.toString(), new PgpEncryption(ISSUER.encryptionKey(), secret(ACCRUE), PASS).toString()};

        for (String s : shown) {
            assertThat(s).doesNotContain(armoredBody.substring(0, 16), new String(PASS), "BEGIN PGP")
                    .doesNotContain(Base64.getEncoder().encodeToString(ACCRUE.publicKey().getEncoded()).substring(0, 16));
            assertThat(s).contains(PgpKeys.fingerprint(ACCRUE.publicKey()));
        }
    }
}
