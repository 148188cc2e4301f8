/*
 * OpenPGP keys with BouncyCastle: generation (one RSA key that signs and
 * encrypts, its secret part protected by a passphrase with AES-256), and
 * reading and writing of public keys and secret key rings, binary or ASCII
 * armored. Key material is never logged or put in a message.
 */
package org.accrue.reconciliation.pgp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.util.Date;
import java.util.Iterator;

import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyPacket;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPKeyRingGenerator;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.PGPDigestCalculator;
import org.bouncycastle.openpgp.operator.jcajce.JcaKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPDigestCalculatorProviderBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPKeyPair;
import org.bouncycastle.openpgp.operator.jcajce.JcePBESecretKeyEncryptorBuilder;

public final class PgpKeys {
    /** One provider instance for the module; never registered globally. */
    static final Provider BC = new BouncyCastleProvider();
    public static final int RSA_BITS_DEFAULT = 3072;

    private PgpKeys() {
    }

    /** A generated key: the secret ring (keep it) and the public ring (give it to the other side). */
    public record Generated(PGPSecretKeyRing secret, PGPPublicKeyRing publicRing) {
        public PGPPublicKey publicKey() {
            return publicRing.getPublicKey();
        }

        public byte[] armoredPublic() {
            return armor(publicRing::encode);
        }

        public byte[] armoredSecret() {
            return armor(secret::encode);
        }
    }

    /** Generates an RSA key that signs and encrypts, its secret part encrypted under {@code passphrase}. */
    public static Generated generate(String userId, char[] passphrase, int rsaBits) {
        try {
            KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA", BC);
            kpg.initialize(rsaBits);
            PGPKeyPair kp = new JcaPGPKeyPair(PublicKeyPacket.VERSION_4, PGPPublicKey.RSA_GENERAL, kpg.generateKeyPair(), new Date());
            PGPDigestCalculator sha1 = new JcaPGPDigestCalculatorProviderBuilder().setProvider(BC).build()
                    .get(HashAlgorithmTags.SHA1);
            PGPSignatureSubpacketGenerator flags = new PGPSignatureSubpacketGenerator();
            flags.setKeyFlags(false, KeyFlags.CERTIFY_OTHER | KeyFlags.SIGN_DATA | KeyFlags.ENCRYPT_COMMS
                    | KeyFlags.ENCRYPT_STORAGE);
            PGPKeyRingGenerator gen = new PGPKeyRingGenerator(PGPSignature.POSITIVE_CERTIFICATION, kp, userId, sha1,
                    flags.generate(), null,
                    new JcaPGPContentSignerBuilder(kp.getPublicKey().getAlgorithm(), HashAlgorithmTags.SHA256).setProvider(BC),
                    new JcePBESecretKeyEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256, sha1).setProvider(BC)
                            .build(passphrase));
            return new Generated(gen.generateSecretKeyRing(), gen.generatePublicKeyRing());
        } catch (PGPException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("could not generate an OpenPGP key: " + e.getClass().getSimpleName(), e);
        }
    }

    /** The first encryption-capable public key in a (binary or armored) public key ring. */
    public static PGPPublicKey readPublicKey(InputStream in) throws IOException {
        try {
            PGPPublicKeyRingCollection rings = new PGPPublicKeyRingCollection(PGPUtil.getDecoderStream(in),
                    new JcaKeyFingerprintCalculator());
            for (Iterator<PGPPublicKeyRing> r = rings.getKeyRings(); r.hasNext(); ) {
                for (Iterator<PGPPublicKey> k = r.next().getPublicKeys(); k.hasNext(); ) {
                    PGPPublicKey key = k.next();
                    if (key.isEncryptionKey()) {
                        return key;
                    }
                }
            }
        } catch (PGPException e) {
            throw new IOException("not an OpenPGP public key", e);
        }
        throw new IOException("no encryption key in the OpenPGP public key");
    }

    /** A (binary or armored) secret key ring collection. */
    public static PGPSecretKeyRingCollection readSecretKeys(InputStream in) throws IOException {
        try {
            return new PGPSecretKeyRingCollection(PGPUtil.getDecoderStream(in), new JcaKeyFingerprintCalculator());
        } catch (PGPException e) {
            throw new IOException("not an OpenPGP secret key ring", e);
        }
    }

    private interface Encoder {
        void encode(OutputStream out) throws IOException;
    }

    private static byte[] armor(Encoder e) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ArmoredOutputStream a = new ArmoredOutputStream(b)) {
            e.encode(a);
        } catch (IOException x) {
            throw new IllegalStateException(x);
        }
        return b.toByteArray();
    }
}
