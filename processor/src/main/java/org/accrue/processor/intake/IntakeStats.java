package org.accrue.processor.intake;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.MeterRegistry;

/** Counters of what the listener received and how it was answered; also published as metrics. */
public final class IntakeStats {
    private final LongAdder received = new LongAdder();
    private final LongAdder stored = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder conflicts = new LongAdder();
    private final LongAdder notEnrolled = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder batchesTimedOut = new LongAdder();
    private final Map<String, LongAdder> byResponseCode = new ConcurrentHashMap<>();
    private final Map<NotRecorded, LongAdder> notRecorded = new EnumMap<>(NotRecorded.class);

    public IntakeStats() {
        for (NotRecorded cause : NotRecorded.values()) {
            notRecorded.put(cause, new LongAdder());
        }
    }

    /** Counts so far; notRecorded: messages answered 96 by cause (tag). */
    public record Snapshot(long received, long stored, long duplicates, long conflicts, long notEnrolled,
                           long batches, Map<String, Long> byResponseCode, long batchesTimedOut,
                           Map<String, Long> notRecorded) {
    }

    void received() { received.increment(); }
    void stored(int n) { stored.add(n); }
    void duplicates(int n) { duplicates.add(n); }
    void conflicts(int n) { conflicts.add(n); }
    void notEnrolled(int n) { notEnrolled.add(n); }
    void batch() { batches.increment(); }
    void batchTimedOut() { batchesTimedOut.increment(); }
    void notRecorded(NotRecorded cause) { notRecorded.get(cause).increment(); }

    void answered(String responseCode) {
        byResponseCode.computeIfAbsent(responseCode, c -> new LongAdder()).increment();
    }

    /** Messages stored since start (cheap: no snapshot). */
    public long stored() {
        return stored.sum();
    }

    public Snapshot snapshot() {
        Map<String, Long> codes = new TreeMap<>();
        byResponseCode.forEach((k, v) -> codes.put(k, v.sum()));
        Map<String, Long> causes = new TreeMap<>();
        notRecorded.forEach((k, v) -> causes.put(k.tag(), v.sum()));
        return new Snapshot(received.sum(), stored.sum(), duplicates.sum(), conflicts.sum(), notEnrolled.sum(),
                batches.sum(), codes, batchesTimedOut.sum(), causes);
    }

    public void bindTo(MeterRegistry registry) {
        registry.more().counter("accrue.iso.messages.received", java.util.List.of(), received, LongAdder::sum);
        registry.more().counter("accrue.iso.messages.stored", java.util.List.of(), stored, LongAdder::sum);
        registry.more().counter("accrue.iso.messages.duplicates", java.util.List.of(), duplicates, LongAdder::sum);
        registry.more().counter("accrue.iso.messages.conflicts", java.util.List.of(), conflicts, LongAdder::sum);
        registry.more().counter("accrue.iso.messages.not_enrolled", java.util.List.of(), notEnrolled, LongAdder::sum);
        registry.more().counter("accrue.journal.batches", java.util.List.of(), batches, LongAdder::sum);
        registry.more().counter("accrue.journal.batches.timed_out", java.util.List.of(), batchesTimedOut, LongAdder::sum);
        notRecorded.forEach((cause, a) -> registry.more().counter("accrue.journal.not_recorded", java.util.List.of(
                io.micrometer.core.instrument.Tag.of("cause", cause.tag())), a, LongAdder::sum));
        for (String code : new String[] {"00", "12", "30", "94", "96"}) {
            LongAdder a = byResponseCode.computeIfAbsent(code, c -> new LongAdder());
            registry.more().counter("accrue.iso.responses", java.util.List.of(
                    io.micrometer.core.instrument.Tag.of("code", code)), a, LongAdder::sum);
        }
    }
}
