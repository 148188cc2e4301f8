package org.accrue.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AccrueConfigTest {
    private static final String KEY = "base64:" + "A".repeat(44); // 33 bytes

    private static Map<String, String> minimal() {
        Map<String, String> m = new HashMap<>();
        m.put("accrue.pan.key.1", KEY);
        return m;
    }

    @Test
    void defaultsApplyWhenOnlyAPanKeyIsGiven() {
        AccrueConfig c = AccrueConfig.from(Settings.of(minimal()));
        assertThat(c.iso().port()).isEqualTo(8583);
        assertThat(c.iso().frameBytesMax()).isEqualTo(8192);
        assertThat(c.iso().backlog()).isEqualTo(1024);
        assertThat(c.iso().frameTimeoutMs()).isEqualTo(5000);
        assertThat(c.http().port()).isEqualTo(8080);
        assertThat(c.store().mode()).isEqualTo(AccrueConfig.StoreMode.EMBEDDED);
        assertThat(c.panKeys().currentVersion()).isEqualTo(1);
        assertThat(c.journal().commitDeadlineMs()).isEqualTo(5000);
    }

    @Test
    void anUnknownKeyFailsNamingIt() {
        Map<String, String> m = minimal();
        m.put("accrue.iso.prot", "9999");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("accrue.iso.prot");
    }

    @ParameterizedTest(name = "{0}={1} fails naming the key")
    @CsvSource(textBlock = """
            accrue.iso.port,              70000
            accrue.iso.port,              eighty
            accrue.iso.max-frame-bytes,   10
            accrue.iso.backlog,           0
            accrue.iso.backlog,           70000
            accrue.iso.frame-timeout-ms,  99
            accrue.iso.frame-timeout-ms,  600001
            accrue.journal.batch-size-max, 0
            accrue.journal.commit-deadline-ms, 99
            accrue.journal.commit-deadline-ms, 60001
            accrue.store.mode,            cloud
            accrue.store.embedded.restart-attempts-max, -1
            accrue.store.embedded.start-timeout-ms, 1000
            accrue.http.enabled,          maybe
            accrue.log.level,             LOUD
            accrue.rewards.tiers,         GOLD
            accrue.rewards.tier-currency, USD
            """)
    void aBadValueFailsNamingItsKey(String key, String value) {
        Map<String, String> m = minimal();
        m.put(key, value);
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m)))
                .isInstanceOf(ConfigException.class).hasMessageContaining(key);
    }

    @Test
    void aLiteralSecretIsRefusedAndTheMessageDoesNotEchoIt() {
        Map<String, String> m = new HashMap<>();
        m.put("accrue.pan.key.1", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("accrue.pan.key.1")
                .hasMessageNotContaining("c2VjcmV0");
    }

    @Test
    void aShortPanKeyIsRefused() {
        Map<String, String> m = new HashMap<>();
        m.put("accrue.pan.key.1", "base64:AAAA");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).hasMessageContaining("at least 32 bytes");
    }

    @Test
    void aPanKeyIsReadFromAFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("pan.key");
        Files.writeString(f, "B".repeat(44) + "\n");
        Map<String, String> m = new HashMap<>();
        m.put("accrue.pan.key.3", "file:" + f);
        AccrueConfig c = AccrueConfig.from(Settings.of(m));
        assertThat(c.panKeys().keys()).containsKey(3);
        assertThat(c.panKeys().toString()).doesNotContain("BBBB");
    }

    @Test
    void theCurrentKeyVersionMustHaveAKey() {
        Map<String, String> m = minimal();
        m.put("accrue.pan.current-key-version", "2");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).hasMessageContaining("accrue.pan.current-key-version");
    }

    @Test
    void anIssuerKeyMustNameAConfiguredIssuer() {
        Map<String, String> m = minimal();
        m.put("accrue.api-key.x.sha256", "a".repeat(64));
        m.put("accrue.api-key.x.role", "issuer");
        m.put("accrue.api-key.x.issuer", "NOPE");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).hasMessageContaining("accrue.api-key.x.issuer");
    }

    @Test
    void anIssuersPageLanguageIsEnglishUnlessSetToOneWithMessages() {
        Map<String, String> m = minimal();
        m.put("accrue.issuer.BANK1.name", "First Bank");
        m.put("accrue.issuer.BANK2.name", "Second Bank");
        m.put("accrue.issuer.BANK2.language", "nb");
        AccrueConfig c = AccrueConfig.from(Settings.of(m));
        assertThat(c.issuers().get("BANK1").language()).isEqualTo(AccrueConfig.Language.EN);
        assertThat(c.issuers().get("BANK2").language().tag()).isEqualTo("nb");
        m.put("accrue.issuer.BANK2.language", "de");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("accrue.issuer.BANK2.language").hasMessageContaining("[en, da, nb, tr]");
    }

    @Test
    void anIssuersTimeZoneIsUtcUnlessSetToAnIanaZone() {
        Map<String, String> m = minimal();
        m.put("accrue.issuer.BANK1.name", "First Bank");
        m.put("accrue.issuer.BANK2.name", "Second Bank");
        m.put("accrue.issuer.BANK2.time-zone", "Europe/Istanbul");
        AccrueConfig c = AccrueConfig.from(Settings.of(m));
        assertThat(c.issuers().get("BANK1").timeZone().getRules().getOffset(java.time.Instant.EPOCH))
                .isEqualTo(java.time.ZoneOffset.UTC);
        assertThat(c.issuers().get("BANK2").timeZone()).isEqualTo(java.time.ZoneId.of("Europe/Istanbul"));
        m.put("accrue.issuer.BANK2.time-zone", "Mars/Olympus");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("accrue.issuer.BANK2.time-zone").hasMessageContaining("Mars/Olympus");
    }

    @Test
    void apiKeysAndIssuersAreRead() {
        Map<String, String> m = minimal();
        m.put("accrue.issuer.BANK1.name", "First Bank");
        m.put("accrue.api-key.ops1.sha256", "b".repeat(64));
        m.put("accrue.api-key.ops1.role", "ops");
        AccrueConfig c = AccrueConfig.from(Settings.of(m));
        assertThat(c.issuers().get("BANK1").name()).isEqualTo("First Bank");
        assertThat(c.apiKeys()).singleElement().satisfies(k -> {
            assertThat(k.role()).isEqualTo(AccrueConfig.Role.OPS);
            assertThat(k.issuerId()).isNull();
        });
    }

    @Test
    void tiersAreReadAsThresholdsInMinorUnits() {
        Map<String, String> m = minimal();
        m.put("accrue.rewards.tiers", "SILVER=100000, GOLD=500000");
        AccrueConfig c = AccrueConfig.from(Settings.of(m));
        assertThat(c.rewards().tierThresholds()).containsEntry("SILVER", 100_000L).containsEntry("GOLD", 500_000L);
        assertThat(c.rewards().tierCurrency()).isEqualTo("840");
    }

    @Test
    void anExternalStoreNeedsAUrl() {
        Map<String, String> m = minimal();
        m.put("accrue.store.mode", "external");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).hasMessageContaining("accrue.store.url");
    }

    @Test
    void storeTlsVerifiesAgainstTheGivenCaFile(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        Map<String, String> m = external();
        m.put("accrue.store.tls", "verify-ca");
        m.put("accrue.store.tls-ca-file", ca.toString());
        AccrueConfig.Store store = AccrueConfig.from(Settings.of(m)).store();
        assertThat(store.tls()).isEqualTo(AccrueConfig.StoreTls.VERIFY_CA);
        assertThat(store.tlsCaFile()).isEqualTo(ca.toAbsolutePath());
        assertThat(AccrueConfig.from(Settings.of(external())).store().tls()).isEqualTo(AccrueConfig.StoreTls.DISABLE);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            verify-full | <none>          | accrue.store.tls=verify-full needs accrue.store.tls-ca-file
            verify-ca   | /nonexistent.pem | accrue.store.tls-ca-file /nonexistent.pem is not a readable file
            disable     | /nonexistent.pem | accrue.store.tls-ca-file is set but accrue.store.tls=disable
            required    | <none>          | accrue.store.tls must be one of [disable, verify_ca, verify_full]
            """)
    void aStoreTlsSettingThatCannotWorkStopsTheNodeNamingTheKey(String tls, String caFile, String message) {
        Map<String, String> m = external();
        m.put("accrue.store.tls", tls);
        if (!caFile.equals("<none>")) {
            m.put("accrue.store.tls-ca-file", caFile);
        }
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void theStoreUrlCarriesNeitherPasswordNorTlsOptions() {
        for (String options : new String[] {"?password=x", "?useBulkStmts=true&sslMode=trust", "?serverSslCert=/ca.pem"}) {
            Map<String, String> m = external();
            m.put("accrue.store.url", "jdbc:mariadb://db.example:3306/accrue" + options);
            assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m)))
                    .hasMessageStartingWith("accrue.store.url must not carry password, sslMode or serverSslCert")
                    .hasMessageNotContaining("=x");
        }
    }

    @Test
    void storeTlsIsForAnExternalStoreOnly(@TempDir Path dir) throws Exception {
        Map<String, String> m = minimal();
        m.put("accrue.store.tls", "verify-ca");
        m.put("accrue.store.tls-ca-file", Files.writeString(dir.resolve("ca.pem"), "x").toString());
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).hasMessageContaining("needs accrue.store.mode=external");
    }

    @Test
    void theStorePasswordIsReadFromAFileOrTheEnvironmentAndNeverPrinted(@TempDir Path dir) throws Exception {
        Map<String, String> m = external();
        m.put("accrue.store.password", "file:" + Files.writeString(dir.resolve("db.password"), "s3cret-from-file\n"));
        AccrueConfig.Store store = AccrueConfig.from(Settings.of(m)).store();
        assertThat(store.password()).isEqualTo("s3cret-from-file");
        assertThat(store.toString()).doesNotContain("s3cret");
        m.put("accrue.store.password", "env:ACCRUE_TEST_NO_SUCH_VARIABLE");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m)))
                .hasMessageContaining("accrue.store.password names environment variable ACCRUE_TEST_NO_SUCH_VARIABLE");
        m.put("accrue.store.password", "file:" + dir.resolve("missing"));
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).hasMessageContaining("accrue.store.password names a file");
    }

    private static Map<String, String> external() {
        Map<String, String> m = minimal();
        m.put("accrue.store.mode", "external");
        m.put("accrue.store.url", "jdbc:mariadb://db.example:3306/accrue");
        return m;
    }

    @Test
    void theStoreSocketTimeoutIsTenMinutesByDefaultNoneAtZeroAndNeverUnderTenSeconds() {
        assertThat(AccrueConfig.from(Settings.of(minimal())).store().socketTimeoutMs()).isEqualTo(600_000);
        Map<String, String> m = minimal();
        m.put("accrue.store.socket-timeout-ms", "0");
        assertThat(AccrueConfig.from(Settings.of(m)).store().socketTimeoutMs()).isZero();
        m.put("accrue.store.socket-timeout-ms", "10000");
        assertThat(AccrueConfig.from(Settings.of(m)).store().socketTimeoutMs()).isEqualTo(10_000);
        m.put("accrue.store.socket-timeout-ms", "9999");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).hasMessageContaining("accrue.store.socket-timeout-ms");
        m.put("accrue.store.socket-timeout-ms", "3600001");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).hasMessageContaining("accrue.store.socket-timeout-ms");
    }

    @Test
    void aConfirmationFileIsAppliedInFourPartsUnlessThePoolCannotHoldThem() {
        assertThat(AccrueConfig.from(Settings.of(minimal())).reconciliation().applyParts()).isEqualTo(4);
        Map<String, String> m = minimal();
        m.put("accrue.store.pool-size-max", "5");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).hasMessageContaining("accrue.reconciliation.apply-parts=4")
                .hasMessageContaining("needs 6 connections").hasMessageContaining("accrue.store.pool-size-max=5");
        m.put("accrue.reconciliation.apply-parts", "3");
        assertThat(AccrueConfig.from(Settings.of(m)).reconciliation().applyParts()).isEqualTo(3);
        m.put("accrue.reconciliation.apply-parts", "0");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).hasMessageContaining("accrue.reconciliation.apply-parts");
    }

    @Test
    void postingRunsFourWorkersUnlessThePoolLeavesLessRoomAndRefusesMoreThanItHolds() {
        assertThat(AccrueConfig.from(Settings.of(minimal())).jobs().postingWorkers()).isEqualTo(4);
        Map<String, String> m = minimal();
        m.put("accrue.store.pool-size-max", "4");
        m.put("accrue.reconciliation.apply-parts", "2");
        assertThat(AccrueConfig.from(Settings.of(m)).jobs().postingWorkers()).isEqualTo(2);
        m.put("accrue.jobs.posting.workers", "3");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).hasMessageContaining("accrue.jobs.posting.workers=3")
                .hasMessageContaining("needs 5 connections").hasMessageContaining("accrue.store.pool-size-max=4");
        m.put("accrue.store.pool-size-max", "16");
        m.put("accrue.jobs.posting.workers", "8");
        assertThat(AccrueConfig.from(Settings.of(m)).jobs().postingWorkers()).isEqualTo(8);
    }

    @Test
    void jobsHaveDefaultSchedulesThatConfigurationReplacesOrTurnsToManual() {
        Map<String, String> m = minimal();
        m.put("accrue.jobs.schedule.posting", "0 15 1 * * ?");
        m.put("accrue.jobs.schedule.tiers", "-");
        AccrueConfig c = AccrueConfig.from(Settings.of(m));
        assertThat(c.jobs().crons()).containsEntry(JobName.POSTING, "0 15 1 * * ?").containsEntry(JobName.TIERS, "-")
                .containsEntry(JobName.STATEMENT_FILE, "0 30 2 * * ?").containsOnlyKeys(JobName.values());
        assertThat(c.jobs().enabled()).isTrue();
        assertThat(c.jobs().instanceId()).isEqualTo("AUTO");
    }

    @ParameterizedTest(name = "{0}={1} fails naming the key")
    @CsvSource(delimiter = ';', textBlock = """
            accrue.jobs.schedule.posting;     every night
            accrue.jobs.schedule.payroll;     0 0 2 * * ?
            accrue.jobs.posting.workers;      0
            accrue.issuer.BANK.confirmation-window-days; 0
            """)
    void aBadJobSettingFailsNamingItsKey(String key, String value) {
        Map<String, String> m = minimal();
        m.put("accrue.issuer.BANK.name", "Bank");
        m.put(key, value);
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).isInstanceOf(ConfigException.class)
                .hasMessageContaining(key);
    }

    @Test
    void anAirlinePartnerNeedsAUrlAndAPrintableKeyAndKeepsTheKeyOutOfToString() {
        Map<String, String> m = minimal();
        m.put("accrue.airline.SKY.base-url", "https://partner.sky.test/api/");
        m.put("accrue.airline.SKY.api-key", "base64:c2t5LWtleS10ZXN0");
        AccrueConfig.Airline a = AccrueConfig.from(Settings.of(m)).airlines().get("SKY");
        assertThat(a.baseUrl()).isEqualTo("https://partner.sky.test/api");
        assertThat(a.attemptsMax()).isEqualTo(4);
        assertThat(a.toString()).doesNotContain("sky-key-test");

        m.put("accrue.airline.SKY.api-key", "base64:AAEC");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).hasMessageContaining("accrue.airline.SKY.api-key");
        m.remove("accrue.airline.SKY.api-key");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).hasMessageContaining("accrue.airline.SKY.api-key");
    }

    @Test
    void anIssuerWithAPgpKeyNeedsOurSecretKeyToSign() {
        Map<String, String> m = minimal();
        m.put("accrue.issuer.BANK.name", "Bank");
        m.put("accrue.issuer.BANK.pgp-public-key", "/keys/bank.asc");
        assertThatThrownBy(() -> AccrueConfig.from(Settings.of(m))).hasMessageContaining("accrue.pgp.secret-key");
    }

    @Test
    void anEnvironmentVariableNamesItsKeyWithDoubleUnderscoresForDashes() {
        assertThat(Settings.keyOfVariable("ACCRUE_ISO_PORT")).isEqualTo("accrue.iso.port");
        assertThat(Settings.keyOfVariable("ACCRUE_STORE_POOL__SIZE__MAX")).isEqualTo("accrue.store.pool-size-max");
        assertThat(Settings.keyOfVariable("ACCRUE_STORE_EMBEDDED_BUFFER__POOL__MB")).isEqualTo("accrue.store.embedded.buffer-pool-mb");
    }
}
