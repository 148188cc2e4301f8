package org.accrue.processor.cardholder;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Page links open their card until they expire, and nothing else: not altered, not forged, not under a retired key. */
class PageLinksTest {
    private static final byte[] KEY_1 = "a-pan-token-key-of-32-bytes-or-more-1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEY_2 = "a-pan-token-key-of-32-bytes-or-more-2".getBytes(StandardCharsets.US_ASCII);
    private static final Instant NOW = Instant.parse("2026-12-03T09:00:00Z");

    @Test
    void aLinkOpensItsCardUntilItExpires() {
        PageLinks links = new PageLinks(1, Map.of(1, KEY_1));
        String link = links.sign("cd_abcdef", NOW.plusSeconds(3600));
        assertThat(links.verify(link, NOW)).contains(new PageLinks.Link("cd_abcdef", NOW.plusSeconds(3600)));
        assertThat(links.verify(link, NOW.plusSeconds(3600))).isEmpty();
        assertThat(link).matches("[A-Za-z0-9_.-]+");
    }

    @Test
    void anAlteredOrForgedLinkOpensNothing() {
        PageLinks links = new PageLinks(1, Map.of(1, KEY_1));
        String link = links.sign("cd_abcdef", NOW.plusSeconds(3600));
        String[] p = link.split("\\.");
        String otherCard = Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("1:cd_zzzzzz:" + NOW.plusSeconds(3600).getEpochSecond()).getBytes(StandardCharsets.UTF_8));
        assertThat(links.verify(p[0] + "." + otherCard + "." + p[2], NOW)).isEmpty();
        assertThat(links.verify(link + "x", NOW)).isEmpty();
        assertThat(links.verify("v1.." , NOW)).isEmpty();
        assertThat(links.verify("v2." + p[1] + "." + p[2], NOW)).isEmpty();
        assertThat(links.verify(new PageLinks(1, Map.of(1, KEY_2)).sign("cd_abcdef", NOW.plusSeconds(60)), NOW))
                .as("signed under another key").isEmpty();
        assertThat(links.verify("x".repeat(300), NOW)).isEmpty();
    }

    @Test
    void linksOfAnOlderKeyVersionOpenWhileItIsConfigured() {
        String old = new PageLinks(1, Map.of(1, KEY_1)).sign("cd_abcdef", NOW.plusSeconds(60));
        assertThat(new PageLinks(2, Map.of(1, KEY_1, 2, KEY_2)).verify(old, NOW)).isPresent();
        assertThat(new PageLinks(2, Map.of(2, KEY_2)).verify(old, NOW)).as("version 1 retired").isEmpty();
    }

    @Test
    void theCsrfTokenIsTheLinksOwn() {
        PageLinks links = new PageLinks(1, Map.of(1, KEY_1));
        String a = links.sign("cd_aaaaaa", NOW.plusSeconds(60));
        String b = links.sign("cd_bbbbbb", NOW.plusSeconds(60));
        assertThat(links.csrfMatches(a, links.csrf(a))).isTrue();
        assertThat(links.csrfMatches(a, links.csrf(b))).isFalse();
        assertThat(links.csrfMatches(a, null)).isFalse();
    }
}
