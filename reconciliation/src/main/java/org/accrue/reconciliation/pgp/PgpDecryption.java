/*
 * Decrypt-and-verify, streaming: the plain bytes are written to the caller's
 * stream as they come, and only a normal return says they may be trusted (the
 * signature and the integrity packet are checked at the end). On any
 * exception the caller discards what was written. Binary and ASCII-armored
 * input are both accepted.
 */
package org.accrue.reconciliation.pgp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Iterator;

import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPOnePassSignature;
import org.bouncycastle.openpgp.PGPOnePassSignatureList;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.jcajce.JcaPGPObjectFactory;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentVerifierBuilderProvider;
import org.bouncycastle.openpgp.operator.jcajce.JcePBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePublicKeyDataDecryptorFactoryBuilder;

public final class PgpDecryption {
    private static final int BUFFER_BYTES = 1 << 16;

    private final PGPSecretKeyRingCollection ours;
    private final char[] passphrase;

    public PgpDecryption(PGPSecretKeyRingCollection ours, char[] passphrase) {
        this.ours = ours;
        this.passphrase = passphrase.clone();
    }

    /** Whether the input starts like an OpenPGP message (binary packet or ASCII armor), without consuming it. */
    public static boolean looksEncrypted(byte[] head, int length) {
        if (length <= 0) {
            return false;
        }
        if ((head[0] & 0x80) != 0) {
            return true; // an OpenPGP packet tag; plain files start with 'H'
        }
        String s = new String(head, 0, Math.min(length, 64), java.nio.charset.StandardCharsets.US_ASCII);
        return s.startsWith("-----BEGIN PGP MESSAGE-----");
    }

    /** Decrypts {@code in} to {@code plain} and verifies it was signed by {@code signer}. */
    public void decryptAndVerify(InputStream in, OutputStream plain, PGPPublicKey signer) throws PgpFileException {
        try {
            JcaPGPObjectFactory f = new JcaPGPObjectFactory(PGPUtil.getDecoderStream(in));
            Object o = f.nextObject();
            if (!(o instanceof PGPEncryptedDataList)) {
                o = o == null ? null : f.nextObject();
            }
            if (!(o instanceof PGPEncryptedDataList list)) {
                throw new PgpFileException(PgpFileException.Reason.NOT_PGP, "not an OpenPGP encrypted message");
            }
            PGPPublicKeyEncryptedData data = null;
            PGPSecretKey key = null;
            for (Iterator<?> it = list.getEncryptedDataObjects(); it.hasNext(); ) {
                Object d = it.next();
                if (d instanceof PGPPublicKeyEncryptedData pk) {
                    PGPSecretKey k = ours.getSecretKey(pk.getKeyIdentifier().getKeyId());
                    if (k != null) {
                        data = pk;
                        key = k;
                        break;
                    }
                }
            }
            if (data == null) {
                throw new PgpFileException(PgpFileException.Reason.WRONG_KEY, "the file is not encrypted to our key");
            }
            PGPPrivateKey priv;
            try {
                priv = key.extractPrivateKey(new JcePBESecretKeyDecryptorBuilder().setProvider(PgpKeys.BC).build(passphrase));
            } catch (PGPException e) {
                throw new PgpFileException(PgpFileException.Reason.BAD_PASSPHRASE, "our secret key does not open");
            }
            InputStream clear = data.getDataStream(new JcePublicKeyDataDecryptorFactoryBuilder().setProvider(PgpKeys.BC)
                    .build(priv));
            JcaPGPObjectFactory plainFactory = new JcaPGPObjectFactory(clear);
            Object msg = plainFactory.nextObject();
            if (msg instanceof PGPCompressedData c) {
                plainFactory = new JcaPGPObjectFactory(c.getDataStream());
                msg = plainFactory.nextObject();
            }
            if (!(msg instanceof PGPOnePassSignatureList ops)) {
                throw new PgpFileException(PgpFileException.Reason.UNSIGNED, "the file is not signed");
            }
            PGPOnePassSignature sig = ops.get(0);
            if (sig.getKeyID() != signer.getKeyID()) {
                throw new PgpFileException(PgpFileException.Reason.BAD_SIGNATURE, "the file is signed by another key");
            }
            sig.init(new JcaPGPContentVerifierBuilderProvider().setProvider(PgpKeys.BC), signer);
            if (!(plainFactory.nextObject() instanceof PGPLiteralData literal)) {
                throw new PgpFileException(PgpFileException.Reason.CORRUPT, "no literal data in the message");
            }
            try (InputStream content = literal.getInputStream()) {
                byte[] buf = new byte[BUFFER_BYTES];
                int n;
                while ((n = content.read(buf)) > 0) {
                    sig.update(buf, 0, n);
                    plain.write(buf, 0, n);
                }
            }
            if (!(plainFactory.nextObject() instanceof PGPSignatureList sigs) || sigs.isEmpty() || !sig.verify(sigs.get(0))) {
                throw new PgpFileException(PgpFileException.Reason.BAD_SIGNATURE, "the signature does not verify");
            }
            if (data.isIntegrityProtected() && !data.verify()) {
                throw new PgpFileException(PgpFileException.Reason.INTEGRITY_FAILURE, "the integrity check failed");
            }
            plain.flush();
        } catch (PGPException | IOException | RuntimeException e) {
            throw new PgpFileException(PgpFileException.Reason.CORRUPT, "the OpenPGP message is damaged: "
                    + e.getClass().getSimpleName(), e);
        }
    }
}
