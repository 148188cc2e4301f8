/*
 * OpenPGP keys with BouncyCastle: generation, reading and writing (binary or
 * ASCII armored), and choosing the right key of a ring for each job.
 *
 * Generated keys have the usual shape: a primary key that certifies and
 * signs, and a subkey that encrypts, the secret parts protected by the
 * passphrase (AES-256, iterated and salted S2K). RSA is the default because
 * every issuer's tooling reads it; Ed25519/X25519 is offered for tests and
 * for partners that take it (generation is milliseconds instead of seconds).
 *
 * Choosing keys follows the key flags of the self-signatures: the encryption
 * key is a subkey (else the primary) flagged to encrypt, the signing key one
 * flagged to sign; a key that states no flags at all falls back to what its
 * algorithm can do. Revoked keys are skipped. Binding signatures are not
 * verified here: keys are configuration that ops installed, not input.
 *
 * Key material and passphrases never go into a message, a log or toString().
 */
package org.accrue.reconciliation.pgp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.Provider;
import java.util.Date;
import java.util.HexFormat;
import java.util.Iterator;

import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.CompressionAlgorithmTags;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyPacket;
import org.bouncycastle.bcpg.SignatureSubpacketTags;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.Features;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPKeyRingGenerator;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketVector;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.PGPDigestCalculator;
import org.bouncycastle.openpgp.operator.PGPKeyPairGenerator;
import org.bouncycastle.openpgp.operator.jcajce.JcaKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPDigestCalculatorProviderBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPKeyPairGeneratorProvider;
import org.bouncycastle.openpgp.operator.jcajce.JcePBESecretKeyEncryptorBuilder;

public final class PgpKeys {
    /** One provider instance for the module; never registered globally (other modules may bring their own). */
    static final Provider BC = new BouncyCastleProvider();
    /** RSA key size for production keys. */
    public static final int RSA_BITS_DEFAULT = 3072;
    /** Smallest RSA key accepted for generation. */
    public static final int RSA_BITS_MIN = 2048;

    private static final int ENCRYPT_FLAGS = KeyFlags.ENCRYPT_COMMS | KeyFlags.ENCRYPT_STORAGE;
    /** A key's self-signatures state no key flags at all (old keys): use what its algorithm can do. */
    private static final int NO_FLAGS = -1;
    private static final int[] PRIMARY_SELF_SIGNATURES = {PGPSignature.DIRECT_KEY, PGPSignature.POSITIVE_CERTIFICATION,
            PGPSignature.CASUAL_CERTIFICATION, PGPSignature.NO_CERTIFICATION, PGPSignature.DEFAULT_CERTIFICATION};

    private PgpKeys() {
    }

    /** A generated key: the secret ring (ours to keep) and the public ring (to give to the other side). */
    public record Generated(PGPSecretKeyRing secret, PGPPublicKeyRing publicRing) {
        /** The primary key: certifies and signs; what the other side verifies our signatures with. */
        public PGPPublicKey publicKey() {
            return publicRing.getPublicKey();
        }

        /** The subkey the other side encrypts to. */
        public PGPPublicKey encryptionKey() {
            return PgpKeys.encryptionKey(publicRing);
        }

        public byte[] armoredPublic() {
            return armored(publicRing);
        }

        /** The secret ring, armored; still protected by the passphrase. */
        public byte[] armoredSecret() {
            return armored(secret);
        }

        /** The fingerprint only: a record's default toString() would be no leak, but stay explicit. */
        @Override
        public String toString() {
            return "PgpKeys.Generated[" + fingerprint(publicKey()) + "]";
        }
    }

    /** An RSA primary key (certify, sign) with an RSA encryption subkey, secret parts under {@code passphrase}. */
    public static Generated generate(String userId, char[] passphrase, int rsaBits) {
        if (rsaBits < RSA_BITS_MIN) {
            throw new IllegalArgumentException("rsaBits must be at least " + RSA_BITS_MIN + ", was " + rsaBits);
        }
        try {
            PGPKeyPairGenerator g = pairs();
            return ring(userId, passphrase, g.generateRsaKeyPair(rsaBits), g.generateRsaKeyPair(rsaBits));
        } catch (PGPException e) {
            throw new IllegalStateException("could not generate an OpenPGP key: " + e.getClass().getSimpleName(), e);
        }
    }

    /** An Ed25519 primary key (certify, sign) with an X25519 encryption subkey (v4, as GnuPG 2.2+ reads them). */
    public static Generated generateEd25519(String userId, char[] passphrase) {
        try {
            PGPKeyPairGenerator g = pairs();
            return ring(userId, passphrase, g.generateLegacyEd25519KeyPair(), g.generateLegacyX25519KeyPair());
        } catch (PGPException e) {
            throw new IllegalStateException("could not generate an OpenPGP key: " + e.getClass().getSimpleName(), e);
        }
    }

    private static PGPKeyPairGenerator pairs() {
        return new JcaPGPKeyPairGeneratorProvider().setProvider(BC).get(PublicKeyPacket.VERSION_4, new Date());
    }

    private static Generated ring(String userId, char[] passphrase, PGPKeyPair primary, PGPKeyPair encryption)
            throws PGPException {
        PGPDigestCalculator sha1 = new JcaPGPDigestCalculatorProviderBuilder().setProvider(BC).build()
                .get(HashAlgorithmTags.SHA1); // the v4 secret key checksum is SHA-1 by definition
        PGPSignatureSubpacketGenerator self = new PGPSignatureSubpacketGenerator();
        self.setKeyFlags(true, KeyFlags.CERTIFY_OTHER | KeyFlags.SIGN_DATA);
        self.setPreferredSymmetricAlgorithms(false, new int[] {SymmetricKeyAlgorithmTags.AES_256,
                SymmetricKeyAlgorithmTags.AES_128});
        self.setPreferredHashAlgorithms(false, new int[] {HashAlgorithmTags.SHA256, HashAlgorithmTags.SHA512});
        self.setPreferredCompressionAlgorithms(false, new int[] {CompressionAlgorithmTags.ZIP,
                CompressionAlgorithmTags.UNCOMPRESSED});
        self.setFeature(false, Features.FEATURE_MODIFICATION_DETECTION);
        PGPKeyRingGenerator gen = new PGPKeyRingGenerator(PGPSignature.POSITIVE_CERTIFICATION, primary, userId, sha1,
                self.generate(), null,
                new JcaPGPContentSignerBuilder(primary.getPublicKey().getAlgorithm(), HashAlgorithmTags.SHA256)
                        .setProvider(BC),
                new JcePBESecretKeyEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256, sha1).setProvider(BC)
                        .build(passphrase));
        PGPSignatureSubpacketGenerator sub = new PGPSignatureSubpacketGenerator();
        sub.setKeyFlags(true, ENCRYPT_FLAGS);
        gen.addSubKey(encryption, sub.generate(), null);
        return new Generated(gen.generateSecretKeyRing(), gen.generatePublicKeyRing());
    }

    /** The first public key ring of a binary or armored key file. */
    public static PGPPublicKeyRing readPublicKeyRing(InputStream in) throws IOException {
        try {
            Iterator<PGPPublicKeyRing> rings = new PGPPublicKeyRingCollection(PGPUtil.getDecoderStream(in),
                    new JcaKeyFingerprintCalculator()).getKeyRings();
            if (rings.hasNext()) {
                return rings.next();
            }
        } catch (PGPException | RuntimeException e) {
            throw new IOException("not an OpenPGP public key: " + e.getClass().getSimpleName(), e);
        }
        throw new IOException("no OpenPGP public key in the input");
    }

    /** The key to encrypt to, from a binary or armored public key file (see {@link #encryptionKey}). */
    public static PGPPublicKey readPublicKey(InputStream in) throws IOException {
        PGPPublicKeyRing ring = readPublicKeyRing(in);
        try {
            return encryptionKey(ring);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** A binary or armored secret key ring collection (the keys stay protected by their passphrase). */
    public static PGPSecretKeyRingCollection readSecretKeys(InputStream in) throws IOException {
        try {
            return new PGPSecretKeyRingCollection(PGPUtil.getDecoderStream(in), new JcaKeyFingerprintCalculator());
        } catch (PGPException | RuntimeException e) {
            throw new IOException("not an OpenPGP secret key ring: " + e.getClass().getSimpleName(), e);
        }
    }

    /**
     * The key of {@code ring} to encrypt to: a subkey flagged for encryption, else the primary if so flagged, else
     * (a key stating no flags) the first key whose algorithm encrypts. Revoked keys are skipped.
     *
     * @throws IllegalArgumentException when the ring has no usable encryption key
     */
    public static PGPPublicKey encryptionKey(PGPPublicKeyRing ring) {
        PGPPublicKey primaryFlagged = null;
        PGPPublicKey unflagged = null;
        for (Iterator<PGPPublicKey> it = ring.getPublicKeys(); it.hasNext(); ) {
            PGPPublicKey k = it.next();
            if (!k.isEncryptionKey() || k.hasRevocation()) {
                continue;
            }
            int flags = keyFlags(k);
            if (flags == NO_FLAGS) {
                unflagged = unflagged == null ? k : unflagged;
            } else if ((flags & ENCRYPT_FLAGS) != 0) {
                if (!k.isMasterKey()) {
                    return k;
                }
                primaryFlagged = k;
            }
        }
        if (primaryFlagged != null) {
            return primaryFlagged;
        }
        if (unflagged != null) {
            return unflagged;
        }
        throw new IllegalArgumentException("no usable encryption key in OpenPGP key " + fingerprint(ring.getPublicKey()));
    }

    /**
     * Our key to sign with: the first secret key with its secret part present, not revoked, flagged to sign
     * (or stating no flags and of a signing algorithm).
     *
     * @throws IllegalArgumentException when there is none
     */
    public static PGPSecretKey signingKey(PGPSecretKeyRingCollection ours) {
        for (Iterator<PGPSecretKeyRing> r = ours.getKeyRings(); r.hasNext(); ) {
            for (Iterator<PGPSecretKey> it = r.next().getSecretKeys(); it.hasNext(); ) {
                PGPSecretKey k = it.next();
                if (!k.isSigningKey() || k.isPrivateKeyEmpty() || k.getPublicKey().hasRevocation()) {
                    continue;
                }
                int flags = keyFlags(k.getPublicKey());
                if (flags == NO_FLAGS || (flags & KeyFlags.SIGN_DATA) != 0) {
                    return k;
                }
            }
        }
        throw new IllegalArgumentException("no signing key in our OpenPGP secret key ring");
    }

    /** The key flags the key's self-signatures (or subkey binding) state, or {@link #NO_FLAGS}. */
    static int keyFlags(PGPPublicKey key) {
        int flags = 0;
        boolean stated = false;
        int[] types = key.isMasterKey() ? PRIMARY_SELF_SIGNATURES : new int[] {PGPSignature.SUBKEY_BINDING};
        for (int type : types) {
            for (Iterator<PGPSignature> it = key.getSignaturesOfType(type); it.hasNext(); ) {
                PGPSignature s = it.next();
                if (key.isMasterKey() && s.getKeyID() != key.getKeyID()) {
                    continue; // someone else's certification says nothing about usage
                }
                PGPSignatureSubpacketVector hashed = s.getHashedSubPackets();
                if (hashed != null && hashed.hasSubpacket(SignatureSubpacketTags.KEY_FLAGS)) {
                    flags |= hashed.getKeyFlags();
                    stated = true;
                }
            }
        }
        return stated ? flags : NO_FLAGS;
    }

    /** The fingerprint as upper-case hex: public, fit for logs and messages. */
    public static String fingerprint(PGPPublicKey key) {
        return HexFormat.of().withUpperCase().formatHex(key.getFingerprint());
    }

    /** The key id (last 8 bytes of a v4 fingerprint) as hex, as one-pass signatures and PKESK packets name keys. */
    static String keyId(long id) {
        return HexFormat.of().withUpperCase().toHexDigits(id);
    }

    public static byte[] armored(PGPPublicKeyRing ring) {
        return armor(ring::encode);
    }

    /** The secret ring, armored; still protected by its passphrase. */
    public static byte[] armored(PGPSecretKeyRing ring) {
        return armor(ring::encode);
    }

    private interface Encoder {
        void encode(OutputStream out) throws IOException;
    }

    private static byte[] armor(Encoder e) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ArmoredOutputStream a = armoredStream(b)) {
            e.encode(a);
        } catch (IOException x) {
            throw new IllegalStateException("could not armor an OpenPGP key", x); // memory streams do not fail
        }
        return b.toByteArray();
    }

    /** ASCII armor without the "Version:" header (no need to tell the world our library version). */
    static ArmoredOutputStream armoredStream(OutputStream out) {
        return ArmoredOutputStream.builder().clearHeaders().build(out);
    }
}
