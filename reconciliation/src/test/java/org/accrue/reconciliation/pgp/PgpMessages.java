/*
 * OpenPGP messages the product never writes, built by hand for the tests:
 * unsigned, without integrity protection, signed but not encrypted, or with
 * a signature over other bytes than the data (a tampered file re-encrypted by
 * someone who does not hold the signer's key).
 */
package org.accrue.reconciliation.pgp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;

import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePGPDataEncryptorBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePublicKeyKeyEncryptionMethodGenerator;

final class PgpMessages {
    private PgpMessages() {
    }

    /** Who signs, and over which bytes (normally the data itself). */
    record Signing(PgpKeys.Generated signer, char[] passphrase, byte[] signedBytes) {
    }

    /**
     * A message holding {@code data}: encrypted to {@code recipient} when it is not null (with or without the
     * MDC), signed as {@code signing} says when it is not null.
     */
    static byte[] build(PGPPublicKey recipient, boolean integrity, Signing signing, byte[] data)
            throws IOException, PGPException {
        return build(recipient, SymmetricKeyAlgorithmTags.AES_256, integrity, signing, data);
    }

    /** The same, with the symmetric cipher {@code cipher} (SymmetricKeyAlgorithmTags). */
    static byte[] build(PGPPublicKey recipient, int cipher, boolean integrity, Signing signing, byte[] data)
            throws IOException, PGPException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PGPEncryptedDataGenerator enc = null;
        OutputStream body = out;
        if (recipient != null) {
            enc = new PGPEncryptedDataGenerator(new JcePGPDataEncryptorBuilder(cipher)
                    .setWithIntegrityPacket(integrity).setSecureRandom(new SecureRandom()).setProvider(PgpKeys.BC));
            enc.addMethod(new JcePublicKeyKeyEncryptionMethodGenerator(recipient).setProvider(PgpKeys.BC));
            body = enc.open(out, new byte[1 << 12]);
        }
        PGPSignatureGenerator sig = null;
        if (signing != null) {
            PGPSecretKey key = PgpKeys.signingKey(new org.bouncycastle.openpgp.PGPSecretKeyRingCollection(
                    java.util.List.of(signing.signer().secret())));
            PGPPrivateKey priv = key.extractPrivateKey(new JcePBESecretKeyDecryptorBuilder().setProvider(PgpKeys.BC)
                    .build(signing.passphrase()));
            sig = new PGPSignatureGenerator(new JcaPGPContentSignerBuilder(key.getPublicKey().getAlgorithm(),
                    HashAlgorithmTags.SHA256).setProvider(PgpKeys.BC), key.getPublicKey());
            sig.init(PGPSignature.BINARY_DOCUMENT, priv);
            sig.generateOnePassVersion(false).encode(body);
            sig.update(signing.signedBytes());
        }
        PGPLiteralDataGenerator lit = new PGPLiteralDataGenerator();
        try (OutputStream l = lit.open(body, PGPLiteralData.BINARY, "f.txt", data.length, PGPLiteralData.NOW)) {
            l.write(data);
        }
        if (sig != null) {
            sig.generate().encode(body);
        }
        if (enc != null) {
            enc.close();
        }
        return out.toByteArray();
    }
}
