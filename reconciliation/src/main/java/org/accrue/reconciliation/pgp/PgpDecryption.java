/*
 * Decrypt-and-verify, streaming. The plain bytes are written to the caller's
 * stream as they are decrypted, and ONLY A NORMAL RETURN SAYS THEY MAY BE
 * TRUSTED: the integrity packet (MDC) and the signature can only be checked
 * once the whole message has been read. On PgpFileException the caller
 * discards everything written: decrypt to a temporary file, say, and read
 * it only after this returns.
 *
 * Accepted: binary or ASCII-armored input; a message encrypted to one of our
 * keys, integrity protected, optionally compressed, holding one-pass
 * signature(s), exactly one literal packet and the signature(s), one of them
 * by a key of the expected signer's ring. Everything else fails with a
 * stable reason, checked in the order the message is read: NOT_PGP,
 * NOT_ENCRYPTED, WRONG_KEY, INTEGRITY_FAILURE (no MDC at all), BAD_PASSPHRASE,
 * UNSIGNED, BAD_SIGNATURE (another signer), TOO_LARGE, CORRUPT (damaged or
 * misplaced packets), INTEGRITY_FAILURE (MDC mismatch), BAD_SIGNATURE (does
 * not verify). Recipients hidden behind a wildcard key id are not tried.
 */
package org.accrue.reconciliation.pgp;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPEncryptedData;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPOnePassSignature;
import org.bouncycastle.openpgp.PGPOnePassSignatureList;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.jcajce.JcaPGPObjectFactory;
import org.bouncycastle.openpgp.operator.PublicKeyDataDecryptorFactory;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentVerifierBuilderProvider;
import org.bouncycastle.openpgp.operator.jcajce.JcePBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePublicKeyDataDecryptorFactoryBuilder;

public final class PgpDecryption {
    /** Default limit on the plain content, in bytes: a confirmation file at its line limit is far smaller. */
    public static final long PLAIN_BYTES_MAX_DEFAULT = 8L << 30;
    private static final int BUFFER_BYTES = 1 << 16;
    /** The JDK's provider for the bulk cipher (AES): it runs on the CPU's AES instructions. */
    private static final String JDK_CIPHERS = "SunJCE";
    private static final java.util.Set<Integer> AES = java.util.Set.of(SymmetricKeyAlgorithmTags.AES_128,
            SymmetricKeyAlgorithmTags.AES_192, SymmetricKeyAlgorithmTags.AES_256);
    /** Bytes looked at to tell binary OpenPGP, armor and anything else apart. */
    private static final int SNIFF_BYTES = 64;

    private final PGPSecretKeyRingCollection ours;
    private final char[] passphrase;
    private final long plainBytesMax;
    /** Our secret keys once opened: the passphrase's key derivation is deliberately slow, files are many. */
    private final Map<Long, PGPPrivateKey> opened = new ConcurrentHashMap<>();

    /** What a verified message was: who signed it, the name in its literal packet (never use it as a path). */
    public record Verified(String signerFingerprint, String fileName, long plainBytes) {
    }

    public PgpDecryption(PGPSecretKeyRingCollection ours, char[] passphrase) {
        this(ours, passphrase, PLAIN_BYTES_MAX_DEFAULT);
    }

    public PgpDecryption(PGPSecretKeyRingCollection ours, char[] passphrase, long plainBytesMax) {
        this.ours = Objects.requireNonNull(ours, "ours");
        this.passphrase = Objects.requireNonNull(passphrase, "passphrase").clone();
        if (plainBytesMax < 1) {
            throw new IllegalArgumentException("plainBytesMax must be positive, was " + plainBytesMax);
        }
        this.plainBytesMax = plainBytesMax;
    }

    /**
     * Decrypts {@code in} with our keys and verifies it was signed by a key of {@code expectedSigner}.
     * Output written before an exception must be discarded.
     *
     * @throws PgpFileException the file is not to be trusted (see {@link PgpFileException.Reason})
     * @throws IOException      writing to {@code plain} failed (the file itself may be fine)
     */
    public static Verified decryptAndVerify(InputStream in, OutputStream plain, PGPSecretKeyRingCollection ours,
                                            char[] passphrase, PGPPublicKeyRing expectedSigner)
            throws PgpFileException, IOException {
        return new PgpDecryption(ours, passphrase).decryptAndVerify(in, plain, expectedSigner);
    }

    /** As the static form, with the expected signer's whole ring (the signature may be by a signing subkey). */
    public Verified decryptAndVerify(InputStream in, OutputStream plain, PGPPublicKeyRing expectedSigner)
            throws PgpFileException, IOException {
        Objects.requireNonNull(expectedSigner, "expectedSigner");
        return run(in, plain, expectedSigner::getPublicKey);
    }

    /** As the static form, with the one key the signature must be by. */
    public Verified decryptAndVerify(InputStream in, OutputStream plain, PGPPublicKey expectedSigner)
            throws PgpFileException, IOException {
        Objects.requireNonNull(expectedSigner, "expectedSigner");
        return run(in, plain, id -> id == expectedSigner.getKeyID() ? expectedSigner : null);
    }

    /** Whether bytes start like an OpenPGP message (a binary packet tag or ASCII armor). */
    public static boolean looksEncrypted(byte[] head, int length) {
        if (length <= 0) {
            return false;
        }
        if ((head[0] & 0x80) != 0) {
            return true; // an OpenPGP packet tag; plain files start with 'H'
        }
        return new String(head, 0, Math.min(length, SNIFF_BYTES), StandardCharsets.US_ASCII).stripLeading()
                .startsWith("-----BEGIN PGP ");
    }

    private Verified run(InputStream in, OutputStream plain, LongFunction<PGPPublicKey> signerKeys)
            throws PgpFileException, IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(plain, "plain");
        PGPEncryptedDataList list = encryptedDataList(in);
        try {
            PGPPublicKeyEncryptedData data = null;
            PGPSecretKey key = null;
            for (PGPEncryptedData d : list) {
                if (d instanceof PGPPublicKeyEncryptedData pk && !pk.getKeyIdentifier().isWildcard()) {
                    PGPSecretKey k = ours.getSecretKey(pk.getKeyIdentifier().getKeyId());
                    if (k != null && !k.isPrivateKeyEmpty()) {
                        data = pk;
                        key = k;
                        break;
                    }
                }
            }
            if (data == null) {
                throw new PgpFileException(PgpFileException.Reason.WRONG_KEY, "the file is not encrypted to any of our keys");
            }
            if (!data.isIntegrityProtected()) {
                // Without the MDC the ciphertext is malleable; modern tools never produce it.
                throw new PgpFileException(PgpFileException.Reason.INTEGRITY_FAILURE, "the file has no integrity protection");
            }
            PGPPrivateKey priv = open(key);
            // The session key with BouncyCastle; the bulk of the file, when it is AES, with the JDK's provider, whose
            // AES runs on the CPU's AES instructions (a million-line file: decrypt and verify 414 ms -> 150-180 ms).
            // Other ciphers an issuer's tool may choose (CAST5, Camellia, Twofish...) stay with BouncyCastle.
            PublicKeyDataDecryptorFactory bc = new JcePublicKeyDataDecryptorFactoryBuilder().setProvider(PgpKeys.BC)
                    .build(priv);
            PublicKeyDataDecryptorFactory factory = AES.contains(data.getSymmetricAlgorithm(bc))
                    ? new JcePublicKeyDataDecryptorFactoryBuilder().setProvider(PgpKeys.BC).setContentProvider(JDK_CIPHERS)
                            .build(priv)
                    : bc;
            InputStream clear = data.getDataStream(factory);
            JcaPGPObjectFactory outer = new JcaPGPObjectFactory(clear);
            JcaPGPObjectFactory inner = outer;
            Object msg = outer.nextObject();
            boolean compressed = msg instanceof PGPCompressedData;
            if (msg instanceof PGPCompressedData c) {
                inner = new JcaPGPObjectFactory(c.getDataStream());
                msg = inner.nextObject();
            }
            if (msg instanceof PGPLiteralData || msg instanceof PGPSignatureList) {
                throw new PgpFileException(PgpFileException.Reason.UNSIGNED, msg instanceof PGPLiteralData
                        ? "the file is not signed" : "the file is not signed in one pass (signature before the data)");
            }
            if (!(msg instanceof PGPOnePassSignatureList ops) || ops.isEmpty()) {
                throw corrupt("no signature or data where the message should start");
            }
            PGPOnePassSignature ops1 = null;
            PGPPublicKey signer = null;
            for (PGPOnePassSignature o : ops) {
                PGPPublicKey k = signerKeys.apply(o.getKeyID());
                if (k != null) {
                    ops1 = o;
                    signer = k;
                    break;
                }
            }
            if (ops1 == null) {
                throw new PgpFileException(PgpFileException.Reason.BAD_SIGNATURE, "the file is signed by key "
                        + PgpKeys.keyId(ops.get(0).getKeyID()) + ", not by the expected signer");
            }
            if (signer.hasRevocation()) {
                throw new PgpFileException(PgpFileException.Reason.BAD_SIGNATURE, "the signing key "
                        + PgpKeys.keyId(signer.getKeyID()) + " is revoked");
            }
            // The signature's digest runs over every byte of the file: the JDK's SHA-256 uses the CPU's SHA instructions.
            ops1.init(new JcaPGPContentVerifierBuilderProvider(), signer); // the JDK's providers (BC is not registered)
            if (!(inner.nextObject() instanceof PGPLiteralData literal)) {
                throw corrupt("no literal data after the one-pass signature");
            }
            long bytes = copy(literal.getInputStream(), plain, ops1);
            if (!(inner.nextObject() instanceof PGPSignatureList sigs)) {
                throw corrupt("no signature after the data");
            }
            PGPSignature sig = null;
            for (PGPSignature s : sigs) {
                if (s.getKeyID() == ops1.getKeyID()) {
                    sig = s;
                }
            }
            if (sig == null) {
                throw corrupt("the one-pass signature has no matching signature");
            }
            // Exactly one literal packet: a second one could carry content no signature covers.
            if (inner.nextObject() != null || (compressed && outer.nextObject() != null)) {
                throw corrupt("packets after the signature");
            }
            clear.transferTo(OutputStream.nullOutputStream()); // the MDC is checked over every byte
            boolean intact;
            try {
                intact = data.verify();
            } catch (PGPException | IOException e) {
                intact = false;
            }
            if (!intact) {
                throw new PgpFileException(PgpFileException.Reason.INTEGRITY_FAILURE, "the integrity check failed");
            }
            if (sig.getSignatureType() != PGPSignature.BINARY_DOCUMENT
                    && sig.getSignatureType() != PGPSignature.CANONICAL_TEXT_DOCUMENT) {
                throw new PgpFileException(PgpFileException.Reason.BAD_SIGNATURE, "the signature is not a document signature");
            }
            if (!ops1.verify(sig)) {
                throw new PgpFileException(PgpFileException.Reason.BAD_SIGNATURE, "the signature does not verify");
            }
            flush(plain);
            return new Verified(PgpKeys.fingerprint(signer), literal.getFileName(), bytes);
        } catch (OutputFailure e) {
            throw e.getCause();
        } catch (PGPException | IOException | RuntimeException e) {
            // BouncyCastle reports damage in many ways (EOF, zip errors, bad packets, illegal states).
            throw new PgpFileException(PgpFileException.Reason.CORRUPT, "the OpenPGP message is damaged: "
                    + e.getClass().getSimpleName(), e);
        }
    }

    private PGPPrivateKey open(PGPSecretKey key) throws PgpFileException {
        PGPPrivateKey priv = opened.get(key.getKeyID());
        if (priv != null) {
            return priv;
        }
        try {
            priv = key.extractPrivateKey(new JcePBESecretKeyDecryptorBuilder().setProvider(PgpKeys.BC).build(passphrase));
        } catch (PGPException e) {
            throw new PgpFileException(PgpFileException.Reason.BAD_PASSPHRASE,
                    "our secret key " + PgpKeys.keyId(key.getKeyID()) + " does not open with the passphrase");
        }
        opened.put(key.getKeyID(), priv);
        return priv;
    }

    /** The encrypted data list the message must start with, past armor and marker packets. */
    private static PGPEncryptedDataList encryptedDataList(InputStream in) throws PgpFileException {
        Object first;
        try {
            BufferedInputStream b = new BufferedInputStream(in, BUFFER_BYTES);
            b.mark(SNIFF_BYTES);
            byte[] head = b.readNBytes(SNIFF_BYTES);
            b.reset();
            if (!looksEncrypted(head, head.length)) {
                throw new PgpFileException(PgpFileException.Reason.NOT_PGP, head.length == 0
                        ? "the file is empty" : "not an OpenPGP message (neither a packet nor ASCII armor)");
            }
            InputStream decoded = (head[0] & 0x80) != 0 ? b : new ArmoredInputStream(b);
            JcaPGPObjectFactory f = new JcaPGPObjectFactory(decoded);
            do {
                first = f.nextObject();
            } while (first instanceof PGPMarker);
        } catch (IOException | RuntimeException e) {
            throw new PgpFileException(PgpFileException.Reason.NOT_PGP, "no readable OpenPGP packet: "
                    + e.getClass().getSimpleName(), e);
        }
        if (first instanceof PGPEncryptedDataList list) {
            return list;
        }
        if (first instanceof PGPCompressedData || first instanceof PGPOnePassSignatureList
                || first instanceof PGPSignatureList || first instanceof PGPLiteralData) {
            throw new PgpFileException(PgpFileException.Reason.NOT_ENCRYPTED, "an OpenPGP message that is not encrypted");
        }
        throw new PgpFileException(PgpFileException.Reason.NOT_PGP, "not an OpenPGP encrypted message");
    }

    private long copy(InputStream content, OutputStream plain, PGPOnePassSignature sig)
            throws IOException, PgpFileException {
        byte[] buf = new byte[BUFFER_BYTES];
        long total = 0;
        int n;
        while ((n = content.read(buf)) != -1) {
            total += n;
            if (total > plainBytesMax) {
                throw new PgpFileException(PgpFileException.Reason.TOO_LARGE,
                        "the plain content is larger than " + plainBytesMax + " bytes");
            }
            sig.update(buf, 0, n);
            try {
                plain.write(buf, 0, n);
            } catch (IOException e) {
                throw new OutputFailure(e);
            }
        }
        return total;
    }

    private static void flush(OutputStream plain) throws OutputFailure {
        try {
            plain.flush();
        } catch (IOException e) {
            throw new OutputFailure(e);
        }
    }

    private static PgpFileException corrupt(String message) {
        return new PgpFileException(PgpFileException.Reason.CORRUPT, message);
    }

    /** The caller's output failed: not the file's fault, so not a PgpFileException. */
    private static final class OutputFailure extends IOException {
        OutputFailure(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }
}
