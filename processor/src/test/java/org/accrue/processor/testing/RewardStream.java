/*
 * Drives real card messages through a test node to rewards, for the job
 * tests: a catalog with a cashback offer and a miles offer at one merchant,
 * cards enrolled over the API, messages over the ISO socket, the matcher
 * stepped by hand (the node's own matcher is off), and time moved on by
 * sweeping with a later clock.
 */
package org.accrue.processor.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.accrue.iso8583.Pans;
import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.matcher.RewardMatcher;

public final class RewardStream implements AutoCloseable {
    public static final String CATALOG = """
            {"merchants":[{"merchantId":"blue-bottle","name":"Blue Bottle","mids":[{"acquirerId":"12345678901","mid":"MID000000000001"}],
                           "descriptors":["BLUE BOTTLE*"],"mccs":["5814"]}],
             "offers":[{"id":"bb-10","merchantId":"blue-bottle","reward":{"type":"PERCENT","rateBps":1000},"currency":"USD",
                        "startsAt":"2026-01-01T00:00:00Z","returnPeriodDays":14,"commissionBps":2000},
                       {"id":"coffee-miles","mccs":["5814"],"reward":{"type":"MILES_PER_UNIT","milesPerUnit":2,"program":"SKY"},
                        "currency":"USD","stacking":"STACKABLE","startsAt":"2026-01-01T00:00:00Z","returnPeriodDays":14}]}""";
    private static final AtomicLong RRN = new AtomicLong(1);

    private final ProcessorExtension.Node node;
    private final IssuerConnection issuer;
    private final RewardMatcher matcher;

    public RewardStream(ProcessorExtension.Node node) throws Exception {
        this.node = node;
        if (node.processor().catalog().offer("bb-10").isEmpty()) {
            Path f = node.dataDir().resolve("catalog.json");
            Files.writeString(f, CATALOG);
            node.processor().catalog().importFile(f);
        }
        this.issuer = new IssuerConnection("127.0.0.1", node.processor().isoPort());
        this.matcher = new RewardMatcher(node.processor().store().sessionFactory(), node.processor().catalog(),
                InstantSource.system(), Duration.ofDays(10));
    }

    /** A fresh card number (Luhn-valid) that no other test uses. */
    public static String newPan() {
        return Pans.withCheckDigit("400000" + String.format("%09d", System.nanoTime() % 1_000_000_000L));
    }

    /** Enrolls a card with a SKY member for the issuer of {@code key}; returns the card's API id. */
    public String enroll(String key, String pan, String accountRef, String lastName) {
        Api.Response r = new Api(node.processor().httpPort()).post("/cards", key, "{\"pan\":\"" + pan
                + "\",\"accountRef\":\"" + accountRef + "\",\"lastName\":\"" + lastName
                + "\",\"airline\":{\"program\":\"SKY\",\"memberNumber\":\"AB1234567\"}}");
        assertThat(r.status()).as(r.body()).isIn(200, 201);
        return r.json().get("cardId").asText();
    }

    public long row(String cardId) {
        return node.processor().enrollment().internalId(null, cardId).orElseThrow();
    }

    /** A cleared purchase (0200) at the merchant; returns its DE37 for refunds. */
    public String purchase(String pan, long amountMinor) {
        String rrn = String.format("RRN%09d", RRN.getAndIncrement());
        send(Requests.of("0200", pan, amountMinor).with(37, rrn));
        return rrn;
    }

    /** A refund (processing code 20) of part of a purchase, by its DE37. */
    public void refund(String pan, long amountMinor, String rrn) {
        send(Requests.of("0200", pan, amountMinor).with(3, "200000").with(37, rrn));
    }

    private void send(WireMessage m) {
        assertThat(issuer.send(m).orTimeout(30, TimeUnit.SECONDS).join().get(39)).isEqualTo("00");
    }

    /** Matches everything stored so far. */
    public void match() {
        while (matcher.runOnce() > 0) {
            // one batch per call
        }
    }

    /** Matches, then lets the return period pass: cleared rewards become AVAILABLE. */
    public void matchAndMakeAvailable() {
        match();
        matcher.sweep(Instant.now().plus(Duration.ofDays(15)));
    }

    @Override
    public void close() {
        issuer.close();
    }
}
