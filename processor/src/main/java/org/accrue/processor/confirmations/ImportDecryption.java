/*
 * Step 2 of a confirmation import: the file as received becomes the plain
 * file the reader reads. From an issuer configured for OpenPGP it must be
 * encrypted to us and signed with the issuer's key (a plain file from such an
 * issuer is refused: it could come from anyone); from any other issuer it
 * must be plain, and is copied as it is.
 */
package org.accrue.processor.confirmations;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.accrue.config.AccrueConfig;
import org.accrue.reconciliation.files.FileRejectedException;
import org.accrue.reconciliation.pgp.PgpDecryption;
import org.accrue.reconciliation.pgp.PgpFileException;
import org.accrue.reconciliation.pgp.PgpKeys;
import org.bouncycastle.openpgp.PGPPublicKeyRing;

final class ImportDecryption {
    /** Why the file was refused whole before it was read. */
    record Refused(FileRejectedException.Reason reason, String detail) {
    }

    private ImportDecryption() {
    }

    /** Writes {@code raw} as plain text to {@code plain}; null when it did, else why it was refused. */
    static Refused toPlain(AccrueConfig.Issuer issuer, AccrueConfig.Pgp pgp, boolean encrypted, Path raw, Path plain)
            throws IOException {
        if (issuer.pgpPublicKey() != null) {
            if (!encrypted) {
                return new Refused(FileRejectedException.Reason.NOT_DECRYPTED,
                        "the issuer sends OpenPGP files; a plain file is refused");
            }
            try (InputStream in = new BufferedInputStream(Files.newInputStream(raw), 1 << 16);
                 OutputStream out = Files.newOutputStream(plain)) {
                new PgpDecryption(PgpKeys.readSecretKeys(new java.io.ByteArrayInputStream(pgp.secretKeyRing())),
                        pgp.passphrase()).decryptAndVerify(in, out, issuerKey(issuer));
            } catch (PgpFileException e) {
                Files.deleteIfExists(plain); // never trusted, never kept
                return new Refused(e.reason() == PgpFileException.Reason.BAD_SIGNATURE
                        || e.reason() == PgpFileException.Reason.UNSIGNED
                        ? FileRejectedException.Reason.BAD_SIGNATURE : FileRejectedException.Reason.NOT_DECRYPTED,
                        "OpenPGP: " + e.reason() + ": " + e.getMessage());
            }
        } else if (encrypted) {
            return new Refused(FileRejectedException.Reason.NOT_DECRYPTED,
                    "an OpenPGP file from an issuer without a configured key");
        } else {
            Files.copy(raw, plain, StandardCopyOption.REPLACE_EXISTING);
        }
        return null;
    }

    /** The issuer's whole public key ring: its signing key verifies the files it sends. */
    private static PGPPublicKeyRing issuerKey(AccrueConfig.Issuer issuer) throws IOException {
        try (InputStream in = Files.newInputStream(issuer.pgpPublicKey())) {
            return PgpKeys.readPublicKeyRing(in);
        }
    }
}
