/*
 * Encrypt-and-sign, streaming (issuer-files.md: files are encrypted to the
 * receiver's public key and signed with the sender's key): a one-pass
 * signature, the literal data, and the signature, compressed, inside an
 * AES-256 integrity-protected packet for the recipient. Nothing is held in
 * memory beyond a buffer.
 */
package org.accrue.reconciliation.pgp;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.Date;
import java.util.Iterator;

import org.bouncycastle.bcpg.ArmoredOutputStream;
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
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePGPDataEncryptorBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePublicKeyKeyEncryptionMethodGenerator;

public final class PgpEncryption {
    private static final int BUFFER_BYTES = 1 << 16;

    private final PGPPublicKey recipient;
    private final PGPSecretKey signer;
    private final char[] passphrase;

    /** Encrypts to {@code recipient} and signs with the first signing key of {@code ours}. */
    public PgpEncryption(PGPPublicKey recipient, PGPSecretKeyRingCollection ours, char[] passphrase) {
        this.recipient = recipient;
        this.signer = signingKey(ours);
        this.passphrase = passphrase.clone();
    }

    static PGPSecretKey signingKey(PGPSecretKeyRingCollection ours) {
        for (Iterator<PGPSecretKeyRing> r = ours.getKeyRings(); r.hasNext(); ) {
            for (Iterator<PGPSecretKey> k = r.next().getSecretKeys(); k.hasNext(); ) {
                PGPSecretKey key = k.next();
                if (key.isSigningKey()) {
                    return key;
                }
            }
        }
        throw new IllegalArgumentException("no signing key in our OpenPGP secret key ring");
    }

    /**
     * A stream whose bytes are written signed and encrypted to {@code target}; closing it finishes the message
     * (signature, packets, armor) and closes {@code target}.
     */
    public OutputStream open(OutputStream target, String fileName, boolean armor) throws IOException {
        try {
            PGPPrivateKey key = signer.extractPrivateKey(new JcePBESecretKeyDecryptorBuilder().setProvider(PgpKeys.BC)
                    .build(passphrase));
            OutputStream base = armor ? new ArmoredOutputStream(target) : target;
            PGPEncryptedDataGenerator enc = new PGPEncryptedDataGenerator(new JcePGPDataEncryptorBuilder(
                    SymmetricKeyAlgorithmTags.AES_256).setWithIntegrityPacket(true).setSecureRandom(new SecureRandom())
                    .setProvider(PgpKeys.BC));
            enc.addMethod(new JcePublicKeyKeyEncryptionMethodGenerator(recipient).setProvider(PgpKeys.BC));
            OutputStream encrypted = enc.open(base, new byte[BUFFER_BYTES]);
            PGPCompressedDataGenerator comp = new PGPCompressedDataGenerator(CompressionAlgorithmTags.ZIP);
            OutputStream compressed = comp.open(encrypted);
            PGPSignatureGenerator sig = new PGPSignatureGenerator(new JcaPGPContentSignerBuilder(
                    signer.getPublicKey().getAlgorithm(), HashAlgorithmTags.SHA256).setProvider(PgpKeys.BC),
                    signer.getPublicKey());
            sig.init(PGPSignature.BINARY_DOCUMENT, key);
            sig.generateOnePassVersion(false).encode(compressed);
            PGPLiteralDataGenerator lit = new PGPLiteralDataGenerator();
            OutputStream literal = lit.open(compressed, PGPLiteralData.BINARY, fileName, new Date(), new byte[BUFFER_BYTES]);
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
                        sig.generate().encode(compressed);
                    } catch (PGPException e) {
                        throw new IOException("could not sign the file", e);
                    }
                    comp.close();
                    enc.close();
                    base.close();
                    if (armor) {
                        target.close();
                    }
                }
            };
        } catch (PGPException e) {
            throw new IOException("could not start the OpenPGP message: " + e.getClass().getSimpleName(), e);
        }
    }
}
