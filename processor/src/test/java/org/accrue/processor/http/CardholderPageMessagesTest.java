package org.accrue.processor.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

import org.accrue.config.AccrueConfig;
import org.accrue.rewards.matching.Reason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every language of the cardholder page says everything the English one does: every reason, why and reward status. */
class CardholderPageMessagesTest {

    private static Properties bundle(String suffix) throws IOException {
        Properties p = new Properties();
        try (InputStream in = CardholderPage.class.getResourceAsStream("/cardholder/messages" + suffix + ".properties")) {
            assertThat(in).as("bundle " + suffix).isNotNull();
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return p;
    }

    @ParameterizedTest
    @EnumSource(AccrueConfig.Language.class)
    void eachLanguageHasEveryMessageAndNoOther(AccrueConfig.Language language) throws IOException {
        Properties english = bundle("");
        Properties p = language == AccrueConfig.Language.EN ? english : bundle("_" + language.tag());
        assertThat(p.stringPropertyNames()).containsExactlyInAnyOrderElementsOf(english.stringPropertyNames());
        for (Reason r : Reason.values()) {
            assertThat(p.getProperty("reason." + r.name())).as(language + " " + r).isNotBlank();
        }
        for (org.accrue.processor.cardholder.Why.Kind k : org.accrue.processor.cardholder.Why.Kind.values()) {
            assertThat(p.getProperty("why." + k.name())).as(language + " " + k).isNotBlank();
        }
        for (org.accrue.rewards.ledger.Reward.Status st : org.accrue.rewards.ledger.Reward.Status.values()) {
            assertThat(p.getProperty("reward." + st.name())).as(language + " " + st).isNotBlank();
        }
        assertThat(p.values()).as("MessageFormat reads ' as a quote").noneMatch(v -> v.toString().contains("'"));
    }
}
