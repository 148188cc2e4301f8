package org.accrue.processor.http;

import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;

import org.accrue.processor.confirmations.ExceptionsQueue;
import org.accrue.processor.exceptions.Exceptions;
import org.accrue.processor.ids.Ids;
import org.accrue.processor.store.Sql;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.MovableClock;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.RewardStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The console tells time by the node's clock, never the machine's: ageing, session expiry and the statement month
 * all move when the node's clock does.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings("accrue.rewards.matcher.enabled=false")
@MovableClock.Used
class ConsoleClockTest {
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @Test
    void anExceptionsAgeIsCountedFromTheNodesClock(Node node, MovableClock clock) throws Exception {
        String marker = "console clock " + Ids.letters(12);
        boolean raised = Sql.inTransaction(node.processor().store().dataSource(), c -> Exceptions.raise(c,
                new Exceptions.Raise(Exceptions.Type.MID_SUGGESTION, marker, "BANK_A", null, null, null, null, marker),
                clock.instant()));
        assertThat(raised).isTrue();
        long id = node.processor().operations().exceptions().list(Exceptions.Status.OPEN, Exceptions.Type.MID_SUGGESTION,
                null, null, 500).stream().filter(e -> e.detail().equals(marker)).mapToLong(ExceptionsQueue.Item::id)
                .findFirst().orElseThrow();

        clock.moveBy(Duration.ofDays(4).plusHours(3));
        String cookie = signIn(node);

        String queue = get(node, "/console?type=MID_SUGGESTION", cookie).body();
        String row = queue.substring(queue.indexOf("<tr id='exception-" + id + "'"));
        assertThat(row.substring(0, row.indexOf("</tr>"))).as("older than three days: shown as old")
                .contains("<td class=old>4d 3h</td>");
        assertThat(get(node, "/console/exceptions/" + id, cookie).body()).contains("<td id='f-age'>4d 3h</td>");
    }

    @Test
    void theQueueIsChartedFilteredAndPagedByAgeOnTheNodesClock(Node node, MovableClock clock) throws Exception {
        String marker = "console age " + Ids.letters(12);
        raise(node, clock, marker + " old");
        clock.moveBy(Duration.ofDays(4));
        raise(node, clock, marker + " new a");
        raise(node, clock, marker + " new b");
        String cookie = signIn(node);

        String queue = get(node, "/console", cookie).body();
        assertThat(count(queue, "chart-age", "3-7 d")).as("the old one, 4 days on").isGreaterThanOrEqualTo(1);
        assertThat(count(queue, "chart-age", "<1 d")).isGreaterThanOrEqualTo(2);
        assertThat(queue).doesNotContainPattern("\\{[A-Z_]+=");

        String old = get(node, "/console?type=MID_SUGGESTION&age=DAYS_3_TO_7", cookie).body();
        assertThat(old).contains(marker + " old").doesNotContain(marker + " new");
        String young = get(node, "/console?type=MID_SUGGESTION&age=UNDER_1_DAY&issuer=BANK_A", cookie).body();
        assertThat(young).contains(marker + " new a").contains(marker + " new b").doesNotContain(marker + " old");
        assertThat(get(node, "/console?type=MID_SUGGESTION&age=UNDER_1_DAY&issuer=BANK_B", cookie).body())
                .doesNotContain(marker);

        String first = get(node, "/console?type=MID_SUGGESTION&age=UNDER_1_DAY&limit=1&offset=0", cookie).body();
        String second = get(node, "/console?type=MID_SUGGESTION&age=UNDER_1_DAY&limit=1&offset=1", cookie).body();
        assertThat(first).contains("id=next").doesNotContain("id=prev");
        assertThat(second).contains("id=prev");
        assertThat(first.contains(marker + " new a") ^ second.contains(marker + " new a"))
                .as("each row on one page only").isTrue();
        assertThat(get(node, "/console?age=SOON", cookie).statusCode()).isEqualTo(400);
    }

    private static void raise(Node node, MovableClock clock, String detail) {
        boolean raised = Sql.inTransaction(node.processor().store().dataSource(), c -> Exceptions.raise(c,
                new Exceptions.Raise(Exceptions.Type.MID_SUGGESTION, detail, "BANK_A", null, null, null, null, detail),
                clock.instant()));
        assertThat(raised).isTrue();
    }

    /** The count a bar of a chart shows. */
    private static long count(String page, String chart, String label) {
        String from = page.substring(page.indexOf("id='" + chart + "'"));
        String bar = from.substring(from.indexOf("data-label='" + label.replace("<", "&lt;").replace(">", "&gt;") + "'"));
        String c = bar.substring(bar.indexOf("data-count='") + 12);
        return Long.parseLong(c.substring(0, c.indexOf('\'')));
    }

    @Test
    void aSessionEndsEightHoursAfterSignInByTheNodesClock(Node node, MovableClock clock) throws Exception {
        String cookie = signIn(node);
        assertThat(get(node, "/console", cookie).statusCode()).isEqualTo(200);

        clock.moveBy(Duration.ofHours(7).plusMinutes(59));
        assertThat(get(node, "/console", cookie).statusCode()).as("7 h 59 min after sign-in").isEqualTo(200);

        clock.moveBy(Duration.ofMinutes(2));
        HttpResponse<String> late = get(node, "/console", cookie);
        assertThat(late.statusCode()).as("8 h 1 min after sign-in").isEqualTo(302);
        assertThat(late.headers().firstValue("Location")).hasValue("/console/login");
    }

    @Test
    void aCardsPageShowsTheStatementOfTheNodesMonth(Node node, MovableClock clock) throws Exception {
        String cardId = new Api(node.processor().httpPort()).enroll(KEY_ISSUER_A, RewardStream.newPan(), "ACC-CLOCK");
        YearMonth machine = YearMonth.now(ZoneOffset.UTC);

        clock.moveBy(Duration.ofDays(40));
        YearMonth nodes = YearMonth.from(clock.instant().atZone(ZoneOffset.UTC));

        String page = get(node, "/console/cards/" + cardId, signIn(node)).body();
        assertThat(nodes).isNotEqualTo(machine);
        assertThat(page).contains("<h2>Statement " + nodes + "</h2>").doesNotContain("Statement " + machine);
    }

    private String signIn(Node node) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base(node) + "/console/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("key=" + KEY_OPS)).build(), HttpResponse.BodyHandlers.ofString());
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        return cookie.substring(0, cookie.indexOf(';'));
    }

    private HttpResponse<String> get(Node node, String path, String cookie) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base(node) + path)).header("Cookie", cookie).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String base(Node node) {
        return "http://127.0.0.1:" + node.processor().httpPort();
    }
}
