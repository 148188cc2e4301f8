package org.accrue.reconciliation.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.Optional;

import org.accrue.reconciliation.pgp.PgpDecryption;
import org.accrue.reconciliation.pgp.PgpEncryption;
import org.accrue.reconciliation.pgp.PgpKeys;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A statement credit file for an issuer with OpenPGP configured: what lands on disk, and what the issuer reads. */
class EncryptedStatementFileTest {
    private static final char[] PASS = "test passphrase".toCharArray();
    private static final PgpKeys.Generated ACCRUE = PgpKeys.generateEd25519("accrue <ops@accrue.test>", PASS);
    private static final PgpKeys.Generated ISSUER = PgpKeys.generateEd25519("bank-a <files@bank-a.test>", PASS);
    private static final Instant AT = Instant.parse("2026-11-22T03:00:00Z");
    private static final LocalDate DAY = LocalDate.parse("2026-11-22");

    @TempDir
    Path dir;

    private static PGPSecretKeyRingCollection secret(PgpKeys.Generated g) throws IOException {
        return PgpKeys.readSecretKeys(new ByteArrayInputStream(g.armoredSecret()));
    }

    @Test
    void anEncryptedFileIsNamedPgpHashedAsOnDiskAndDecryptsToThePlainFile() throws Exception {
        PgpEncryption pgp = new PgpEncryption(ISSUER.encryptionKey(), secret(ACCRUE), PASS);
        FileSummary s;
        try (var w = StatementCreditFileWriter.open(dir, "BANK_A", "F1", AT, DAY, 1, Optional.of(pgp))) {
            w.add(new StatementCredit("C1", "ACC-1", "4242", 1250, "EUR", "CASHBACK CAFE", "bb-10", DAY));
            s = w.finish();
        }
        byte[] onDisk = Files.readAllBytes(s.path());
        ByteArrayOutputStream plain = new ByteArrayOutputStream();

        PgpDecryption.Verified v;
        try (InputStream in = Files.newInputStream(s.path())) {
            v = PgpDecryption.decryptAndVerify(in, plain, secret(ISSUER), PASS, ACCRUE.publicRing());
        }

        assertThat(s.fileName()).isEqualTo("STMTCR_BANK_A_20261122_001.txt.pgp");
        assertThat(s.encrypted()).isTrue();
        assertThat(s.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(onDisk)));
        assertThat(v.fileName()).isEqualTo("STMTCR_BANK_A_20261122_001.txt");
        assertThat(plain.toString(StandardCharsets.UTF_8)).isEqualTo("""
                H|STMTCR|BANK_A|F1|2026-11-22T03:00:00Z|1
                D|C1|ACC-1|4242|1250|EUR|CASHBACK CAFE|bb-10|2026-11-22
                T|1|1250
                """);
        assertThat(new String(onDisk, StandardCharsets.ISO_8859_1)).doesNotContain("ACC-1");
    }

    @Test
    void anAbandonedEncryptedWriterLeavesNothing() throws Exception {
        PgpEncryption pgp = new PgpEncryption(ISSUER.encryptionKey(), secret(ACCRUE), PASS);
        try (var w = StatementCreditFileWriter.open(dir, "BANK_A", "F2", AT, DAY, 2, Optional.of(pgp))) {
            w.add(new StatementCredit("C1", "ACC-1", "4242", 1250, "EUR", "CASHBACK CAFE", "bb-10", DAY));
        }

        try (var files = Files.list(dir)) {
            assertThat(files.toList()).isEmpty();
        }
    }
}
