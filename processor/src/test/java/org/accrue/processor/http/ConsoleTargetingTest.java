package org.accrue.processor.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.accrue.rewards.offers.Targeting;
import org.junit.jupiter.api.Test;

/** The catalog page's "for" column: who and where an offer is for, in a line. */
class ConsoleTargetingTest {

    @Test
    void anOfferWithoutTargetingIsForEveryone() {
        assertThat(ConsoleTargeting.describe(Targeting.NONE)).contains("everyone");
    }

    @Test
    void everyKindOfTargetingIsNamedInOneLine() {
        Targeting t = new Targeting(Set.of("BANK_A"), List.of(new Targeting.BinRange("451700", "451799")), Set.of("GOLD"),
                new Targeting.EarlyAccess(Set.of("PLATINUM"), Instant.parse("2026-11-25T00:00:00Z")), Set.of("seg_abc"),
                Set.of("DK"), Set.of("Copenhagen"));
        assertThat(ConsoleTargeting.describe(t)).isEqualTo("issuers BANK_A; BINs 451700-451799; tiers GOLD; "
                + "early PLATINUM from 2026-11-25T00:00:00Z; segments seg_abc; in COPENHAGEN, DK");
    }

    @Test
    void namesAreEscaped() {
        Targeting t = new Targeting(Set.of(), List.of(), Set.of(), null, Set.of(), Set.of(), Set.of("<B>"));
        assertThat(ConsoleTargeting.describe(t)).doesNotContain("<B>").contains("&lt;B&gt;");
    }
}
