package org.accrue.processor.confirmations;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;

import org.accrue.config.AccrueConfig;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.reconciliation.pgp.PgpEncryption;
import org.accrue.reconciliation.pgp.PgpKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An issuer configured for OpenPGP: its confirmation files must be encrypted to our key and signed with its own.
 * A good file is applied; one signed by another key, encrypted to another key, or sent plain is quarantined whole.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings("accrue.rewards.matcher.enabled=false")
class EncryptedConfirmationTest {
    private static final char[] PASS = "test".toCharArray();
    private static final PgpKeys.Generated OURS = PgpKeys.generateEd25519("accrue", PASS);
    private static final PgpKeys.Generated BANK = PgpKeys.generateEd25519("bank", PASS);
    private static final PgpKeys.Generated STRANGER = PgpKeys.generateEd25519("stranger", PASS);
    private static final String FILE = "H|STMTCONF|BANK_P|CONF-P-1|2026-11-23T04:00:00Z|-\n"
            + "D|C424242|ACC-P|100|USD|POSTED|-|2026-11-23\nT|1|100\n";

    private Node node;
    private ConfirmationImports imports;

    @BeforeEach
    void setUp(Node node) throws Exception {
        this.node = node;
        Path bankKey = node.dataDir().resolve("bank-p.asc");
        Files.write(bankKey, BANK.armoredPublic());
        Map<String, AccrueConfig.Issuer> issuers = Map.of("BANK_P", new AccrueConfig.Issuer("BANK_P", "Bank P", false, bankKey, 3));
        imports = new ConfirmationImports(node.processor().store().dataSource(), InstantSource.system(), issuers,
                new AccrueConfig.Pgp(OURS.armoredSecret(), PASS), node.dataDir(), node.processor().config().reconciliation().applyParts());
    }

    private static byte[] encrypted(PgpKeys.Generated signer, PgpKeys.Generated recipient, String content) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream w = new PgpEncryption(PgpKeys.readPublicKey(new ByteArrayInputStream(recipient.armoredPublic())),
                PgpKeys.readSecretKeys(new ByteArrayInputStream(signer.armoredSecret())), PASS).open(out, "conf.txt", true)) {
            w.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private ConfirmationImports.Import importOf(byte[] bytes) throws Exception {
        return imports.process(imports.receive("BANK_P", new ByteArrayInputStream(bytes), "TEST", "conf.pgp", "test"));
    }

    @Test
    void aFileEncryptedToUsAndSignedByTheIssuerIsApplied() throws Exception {
        ConfirmationImports.Import i = importOf(encrypted(BANK, OURS, FILE));

        assertThat(i.status()).as(String.valueOf(i.detail())).isEqualTo(ConfirmationImports.Status.APPLIED);
        assertThat(i.encrypted()).isTrue();
        assertThat(i.outcomes().of(org.accrue.reconciliation.matching.Outcome.UNKNOWN))
                .isEqualTo(1); // no such credit was sent in this test
    }

    @Test
    void aFileSignedByAnotherKeyIsQuarantinedAsABadSignature() throws Exception {
        ConfirmationImports.Import i = importOf(encrypted(STRANGER, OURS, FILE.replace("CONF-P-1", "CONF-P-2")));

        assertThat(i.status()).isEqualTo(ConfirmationImports.Status.REJECTED);
        assertThat(i.reason()).isEqualTo("BAD_SIGNATURE");
        assertThat(Files.exists(node.dataDir().resolve("files/inbound/quarantine/" + i.importId() + ".bin"))).isTrue();
    }

    @Test
    void aFileEncryptedToAnotherKeyOrSentPlainIsRejectedWhole() throws Exception {
        ConfirmationImports.Import wrongKey = importOf(encrypted(BANK, STRANGER, FILE.replace("CONF-P-1", "CONF-P-3")));
        ConfirmationImports.Import plain = importOf(FILE.replace("CONF-P-1", "CONF-P-4").getBytes(StandardCharsets.UTF_8));

        assertThat(wrongKey.status()).isEqualTo(ConfirmationImports.Status.REJECTED);
        assertThat(wrongKey.reason()).isEqualTo("NOT_DECRYPTED");
        assertThat(wrongKey.detail()).contains("WRONG_KEY");
        assertThat(plain.reason()).isEqualTo("NOT_DECRYPTED");
        long raised = node.processor().store().sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(
                "select count(*) from processing_exception where type = 'FILE_REJECTED' and fingerprint in (:a, :b)", Object.class)
                .setParameter("a", wrongKey.importId()).setParameter("b", plain.importId()).getSingleResult()).longValue());
        assertThat(raised).isEqualTo(2);
    }

    @Test
    void aFileDamagedInTransitIsRejectedWholeAsNotDecryptedWhateverItsLinesSaid() throws Exception {
        byte[] bytes = encrypted(BANK, OURS, FILE.replace("CONF-P-1", "CONF-P-5"));
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 40);
        byte[] flipped = bytes.clone();
        flipped[bytes.length / 2] ^= 0x20;

        ConfirmationImports.Import cut = importOf(truncated);
        ConfirmationImports.Import bitFlip = importOf(flipped);

        assertThat(cut.status()).isEqualTo(ConfirmationImports.Status.REJECTED);
        assertThat(cut.reason()).as(String.valueOf(cut.detail())).isIn("NOT_DECRYPTED", "BAD_SIGNATURE");
        assertThat(bitFlip.status()).isEqualTo(ConfirmationImports.Status.REJECTED);
        assertThat(bitFlip.reason()).as(String.valueOf(bitFlip.detail())).isIn("NOT_DECRYPTED", "BAD_SIGNATURE");
        long applied = node.processor().store().sessionFactory().fromSession(s -> ((Number) s.createNativeQuery(
                "select count(*) from confirmation_line where import_id in (:a, :b)", Object.class)
                .setParameter("a", cut.importId()).setParameter("b", bitFlip.importId()).getSingleResult()).longValue());
        assertThat(applied).as("its one UNKNOWN line was rolled back with the rest").isZero();
    }
}
