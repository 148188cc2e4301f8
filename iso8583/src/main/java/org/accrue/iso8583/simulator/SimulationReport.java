package org.accrue.iso8583.simulator;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What a simulation sent and what came back. Holds no PAN. */
public record SimulationReport(
        long sent,
        long answered,
        long timeouts,
        Map<String, Long> byResponseCode,
        Map<String, Long> byRequestMti,
        Map<String, Long> byScenario,
        List<String> mismatches,
        Duration elapsed) {

    /** True when every message was answered with what the simulator expected. */
    public boolean allAsExpected() {
        return timeouts == 0 && mismatches.isEmpty() && answered == sent;
    }

    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("sent %d, answered %d, timeouts %d in %.1f s%n", sent, answered, timeouts,
                elapsed.toMillis() / 1000.0));
        b.append("  by response code: ").append(byResponseCode).append('\n');
        b.append("  by request MTI:   ").append(byRequestMti).append('\n');
        b.append("  scenarios:        ").append(byScenario).append('\n');
        if (mismatches.isEmpty()) {
            b.append("  every answer was the expected one\n");
        } else {
            b.append("  unexpected answers (").append(mismatches.size()).append("):\n");
            mismatches.stream().limit(20).forEach(m -> b.append("    ").append(m).append('\n'));
        }
        return b.toString();
    }
}
