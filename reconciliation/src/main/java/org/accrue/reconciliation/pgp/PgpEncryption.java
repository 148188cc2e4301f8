/*
 * Encrypt-and-sign, streaming (issuer-files.md: files are encrypted to the
 * receiver's public key and signed with the sender's key). The message is
 * the classic GnuPG layout every tool reads: a one-pass signature, the
 * literal data and the signature (SHA-256), optionally ZIP-compressed, inside
 * an AES-256 integrity-protected (MDC) packet for the recipient. Nothing is
 * held in memory beyond a buffer, whatever the size of the file.
 *
 * Our secret key is opened once, when this is built, so a wrong passphrase
 * fails at start-up rather than in the middle of a nightly file.
 */
package org.accrue.reconciliation.pgp;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.Objects;

import org.bouncycastle.bcpg.CompressionAlgorithmTags;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPCompressedDataGenerator;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePGPDataEncryptorBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePublicKeyKeyEncryptionMethodGenerator;

public final class PgpEncryption {
    /** Size of the OpenPGP partial-packet buffers, in bytes (a power of two, as the format requires). */
    private static final int BUFFER_BYTES = 1 << 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PGPPublicKey recipient;
    private final PGPPublicKey signerPublic;
    private final PGPPrivateKey signer;
    private final boolean compress;

    /** Encrypts to {@code recipient} and signs with our signing key; ZIP-compressed. */
    public PgpEncryption(PGPPublicKey recipient, PGPSecretKeyRingCollection ours, char[] passphrase) {
        this(recipient, ours, passphrase, true);
    }

    /** Encrypts to the encryption key of {@code recipient}'s ring and signs with our signing key. */
    public PgpEncryption(PGPPublicKeyRing recipient, PGPSecretKeyRingCollection ours, char[] passphrase, boolean compress) {
        this(PgpKeys.encryptionKey(recipient), ours, passphrase, compress);
    }

    /**
     * @param recipient the issuer's encryption key ({@link PgpKeys#readPublicKey})
     * @param ours our secret key ring; its signing key is chosen by {@link PgpKeys#signingKey}
     * @throws IllegalArgumentException when the recipient key cannot encrypt, we have no signing key, or the
     *                                  passphrase does not open it
     */
    public PgpEncryption(PGPPublicKey recipient, PGPSecretKeyRingCollection ours, char[] passphrase, boolean compress) {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(passphrase, "passphrase");
        if (!recipient.isEncryptionKey()) {
            throw new IllegalArgumentException("OpenPGP key " + PgpKeys.fingerprint(recipient) + " cannot encrypt");
        }
        PGPSecretKey key = PgpKeys.signingKey(ours);
        try {
            this.signer = key.extractPrivateKey(new JcePBESecretKeyDecryptorBuilder().setProvider(PgpKeys.BC)
                    .build(passphrase));
        } catch (PGPException e) {
            throw new IllegalArgumentException("our OpenPGP signing key " + PgpKeys.fingerprint(key.getPublicKey())
                    + " does not open with the configured passphrase");
        }
        this.recipient = recipient;
        this.signerPublic = key.getPublicKey();
        this.compress = compress;
    }

    /** The key the files are encrypted to (public: fit for logs). */
    public PGPPublicKey recipient() {
        return recipient;
    }

    /**
     * A stream whose bytes are written signed and encrypted to {@code target}. Closing it finishes the message
     * (signature, packets, armor) and closes {@code target}; a stream that is not closed leaves an incomplete
     * message, which the writer deletes anyway.
     *
     * @param fileName the name stored in the literal data packet (what the receiver's tools offer to save as)
     */
    public OutputStream open(OutputStream target, String fileName, boolean armor) throws IOException {
        try {
            OutputStream base = armor ? PgpKeys.armoredStream(target) : target;
            PGPEncryptedDataGenerator enc = new PGPEncryptedDataGenerator(new JcePGPDataEncryptorBuilder(
                    SymmetricKeyAlgorithmTags.AES_256).setWithIntegrityPacket(true).setSecureRandom(RANDOM)
                    .setProvider(PgpKeys.BC));
            enc.addMethod(new JcePublicKeyKeyEncryptionMethodGenerator(recipient).setSecureRandom(RANDOM)
                    .setProvider(PgpKeys.BC));
            OutputStream encrypted = enc.open(base, new byte[BUFFER_BYTES]);
            PGPCompressedDataGenerator comp = compress ? new PGPCompressedDataGenerator(CompressionAlgorithmTags.ZIP) : null;
            OutputStream inner = compress ? comp.open(encrypted, new byte[BUFFER_BYTES]) : encrypted;
            PGPSignatureGenerator sig = new PGPSignatureGenerator(new JcaPGPContentSignerBuilder(
                    signerPublic.getAlgorithm(), HashAlgorithmTags.SHA256).setProvider(PgpKeys.BC), signerPublic);
            sig.init(PGPSignature.BINARY_DOCUMENT, signer);
            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            hashed.setIssuerFingerprint(false, signerPublic);
            sig.setHashedSubpackets(hashed.generate());
            sig.generateOnePassVersion(false).encode(inner);
            PGPLiteralDataGenerator lit = new PGPLiteralDataGenerator();
            // No modification time in the packet (NOW is "none"): the file's own header carries its time.
            OutputStream literal = lit.open(inner, PGPLiteralData.BINARY, fileName, PGPLiteralData.NOW,
                    new byte[BUFFER_BYTES]);
            return new FilterOutputStream(literal) {
                private boolean closed;

                @Override
                public void write(int b) throws IOException {
                    literal.write(b);
                    sig.update((byte) b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    literal.write(b, off, len);
                    sig.update(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    lit.close();
                    try {
                        sig.generate().encode(inner);
                    } catch (PGPException e) {
                        throw new IOException("could not sign the file: " + e.getClass().getSimpleName(), e);
                    }
                    if (compress) {
                        comp.close();
                    }
                    enc.close();
                    base.close();
                    if (armor) {
                        target.close(); // the armor stream finishes the armor but leaves its target open
                    }
                }
            };
        } catch (PGPException e) {
            throw new IOException("could not start the OpenPGP message: " + e.getClass().getSimpleName(), e);
        }
    }

    /** Names the keys, never the secret: this object holds our opened signing key. */
    @Override
    public String toString() {
        return "PgpEncryption[to " + PgpKeys.fingerprint(recipient) + ", signed by " + PgpKeys.fingerprint(signerPublic)
                + "]";
    }
}
