/*
 * An issuer host, simulated: it sends a realistic day of card activity to a
 * listener over several connections and checks every answer. Each purchase
 * is a small script (auth then clearing, split clearings, single-message
 * purchases, refunds, full and partial reversals, zero-filled DE90,
 * reversals sent before their original, repeats) whose steps go in order;
 * purchases interleave, up to inFlight per connection. Optional deliberate
 * mistakes check that the listener answers 30, 12 and 94 where it must.
 * Deterministic for a seed (amounts, scenarios, cards), apart from DE7.
 */
package org.accrue.iso8583.simulator;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

public final class IssuerSimulator {
    public static final int CONNECTIONS_MAX = 256;
    public static final int IN_FLIGHT_MAX = 256;
    public static final int PURCHASES_MAX = 10_000_000;
    private static final DateTimeFormatter DE7 = DateTimeFormatter.ofPattern("MMddHHmmss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter LOCAL_TIME = DateTimeFormatter.ofPattern("HHmmss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter LOCAL_DATE = DateTimeFormatter.ofPattern("MMdd").withZone(ZoneOffset.UTC);

    /** A merchant the simulated cardholders shop at. */
    public record Merchant(String name, String city, String country, String acquirerId, String mid, String mcc,
                           boolean online, boolean tipping, String currency, long typicalAmountMinor) {
        String de43() {
            return String.format("%-25.25s%-13.13s%-2.2s", name, city, country);
        }
    }

    public static final List<Merchant> DEFAULT_MERCHANTS = List.of(
            new Merchant("BLUE BOTTLE COFFEE", "OAKLAND", "US", "12345678901", "BBC000000000001", "5814", false, true, "840", 650),
            new Merchant("GREENLEAF GROCERY", "PORTLAND", "US", "12345678901", "GLG000000000002", "5411", false, false, "840", 8_400),
            new Merchant("SKYWAYS AIRLINES", "DALLAS", "US", "22233344455", "SKY000000000003", "3001", true, false, "840", 42_000),
            new Merchant("PAGEPLUS BOOKS ONLINE", "SEATTLE", "US", "22233344455", "PPB000000000004", "5942", true, false, "840", 2_599),
            new Merchant("TRATTORIA ROMA", "NEW YORK", "US", "12345678901", "TRR000000000005", "5812", false, true, "840", 5_800),
            new Merchant("CAFE DE FLORE", "PARIS", "FR", "33344455566", "CDF000000000006", "5814", false, true, "978", 1_200));

    /** How to run: where to, how hard, how much, with which cards. */
    public record Options(String host, int port, int connections, int inFlight, int purchases, long seed,
                          List<String> enrolledPans, List<String> otherPans, boolean includeBadMessages,
                          List<Merchant> merchants, Duration responseTimeout, InstantSource clock) {
        public Options {
            if (connections < 1 || connections > CONNECTIONS_MAX) {
                throw new IllegalArgumentException("connections must be 1.." + CONNECTIONS_MAX);
            }
            if (inFlight < 1 || inFlight > IN_FLIGHT_MAX) {
                throw new IllegalArgumentException("inFlight must be 1.." + IN_FLIGHT_MAX);
            }
            if (purchases < 0 || purchases > PURCHASES_MAX) {
                throw new IllegalArgumentException("purchases must be 0.." + PURCHASES_MAX);
            }
            if (enrolledPans.isEmpty() && otherPans.isEmpty()) {
                throw new IllegalArgumentException("give at least one PAN");
            }
            enrolledPans = List.copyOf(enrolledPans);
            otherPans = List.copyOf(otherPans);
            merchants = List.copyOf(merchants);
        }

        public static Options of(String host, int port, List<String> enrolledPans) {
            return new Options(host, port, 4, 4, 200, 42, enrolledPans, List.of(), false, DEFAULT_MERCHANTS,
                    Duration.ofSeconds(30), InstantSource.system());
        }

        public Options withConnections(int n) {
            return new Options(host, port, n, inFlight, purchases, seed, enrolledPans, otherPans, includeBadMessages, merchants, responseTimeout, clock);
        }

        public Options withInFlight(int n) {
            return new Options(host, port, connections, n, purchases, seed, enrolledPans, otherPans, includeBadMessages, merchants, responseTimeout, clock);
        }

        public Options withPurchases(int n) {
            return new Options(host, port, connections, inFlight, n, seed, enrolledPans, otherPans, includeBadMessages, merchants, responseTimeout, clock);
        }

        public Options withSeed(long s) {
            return new Options(host, port, connections, inFlight, purchases, s, enrolledPans, otherPans, includeBadMessages, merchants, responseTimeout, clock);
        }

        public Options withOtherPans(List<String> pans) {
            return new Options(host, port, connections, inFlight, purchases, seed, enrolledPans, pans, includeBadMessages, merchants, responseTimeout, clock);
        }

        public Options withBadMessages(boolean b) {
            return new Options(host, port, connections, inFlight, purchases, seed, enrolledPans, otherPans, b, merchants, responseTimeout, clock);
        }
    }

    /** One message to send, what the answer must be, and (for reversals and repeats) how it is built from earlier steps. */
    private record Step(String label, java.util.function.Function<Script, WireMessage> build, String expectedCode,
                        String expectedDe44) {
    }

    /** The state of one purchase while its steps go out: the messages sent so far, by label. */
    private static final class Script {
        final String scenario;
        final List<Step> steps = new ArrayList<>();
        final Map<String, WireMessage> sent = new TreeMap<>();

        Script(String scenario) {
            this.scenario = scenario;
        }
    }

    private final Options options;
    private final LongAdder sent = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final Map<String, LongAdder> byCode = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> byMti = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> byScenario = new ConcurrentHashMap<>();
    private final List<String> mismatches = Collections.synchronizedList(new ArrayList<>());

    private IssuerSimulator(Options options) {
        this.options = options;
    }

    public static SimulationReport run(Options options) throws IOException {
        return new IssuerSimulator(options).go();
    }

    private SimulationReport go() throws IOException {
        Instant start = options.clock().instant();
        List<IssuerConnection> connections = new ArrayList<>();
        try {
            for (int c = 0; c < options.connections(); c++) {
                connections.add(new IssuerConnection(options.host(), options.port()));
            }
            List<ConcurrentLinkedQueue<Script>> queues = new ArrayList<>();
            for (int c = 0; c < options.connections(); c++) {
                queues.add(new ConcurrentLinkedQueue<>());
            }
            Random random = new Random(options.seed());
            for (int i = 0; i < options.purchases(); i++) {
                queues.get(i % options.connections()).add(script(random));
            }
            if (options.includeBadMessages() && !options.enrolledPans().isEmpty()) {
                queues.getFirst().add(badMessages(random));
            }
            List<Thread> lanes = new ArrayList<>();
            for (int c = 0; c < connections.size(); c++) {
                IssuerConnection conn = connections.get(c);
                Connection state = new Connection(conn, String.format("SIM%05d", c + 1));
                sendStep(state, echo(state));
                ConcurrentLinkedQueue<Script> queue = queues.get(c);
                for (int w = 0; w < options.inFlight(); w++) {
                    lanes.add(Thread.ofVirtual().start(() -> {
                        Script s;
                        while ((s = queue.poll()) != null) {
                            runScript(state, s);
                        }
                    }));
                }
            }
            for (Thread t : lanes) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            connections.forEach(IssuerConnection::close);
        }
        return new SimulationReport(sent.sum(), answered.sum(), timeouts.sum(), sums(byCode), sums(byMti),
                sums(byScenario), List.copyOf(mismatches), Duration.between(start, options.clock().instant()));
    }

    /** A connection's identity: its terminal id and its own STAN sequence, so message keys never collide. */
    private static final class Connection {
        final IssuerConnection channel;
        final String terminalId;
        final AtomicInteger stan = new AtomicInteger();

        Connection(IssuerConnection channel, String terminalId) {
            this.channel = channel;
            this.terminalId = terminalId;
        }

        String nextStan() {
            return String.format("%06d", stan.updateAndGet(s -> s >= 999_999 ? 1 : s + 1));
        }
    }

    private void runScript(Connection c, Script s) {
        byScenario.computeIfAbsent(s.scenario, k -> new LongAdder()).increment();
        for (Step step : s.steps) {
            WireMessage m = step.build().apply(s);
            if (m.get(11) == null) {
                m = m.with(11, c.nextStan());
            }
            m = m.with(41, c.terminalId);
            s.sent.put(step.label(), m);
            WireMessage answer = exchange(c, m, s.scenario + "/" + step.label());
            if (answer == null) {
                return; // timed out: the rest of this purchase would not make sense
            }
            String code = answer.get(39);
            if (!step.expectedCode().equals(code)
                    || (step.expectedDe44() != null && !step.expectedDe44().equals(answer.get(44)))) {
                mismatches.add(s.scenario + "/" + step.label() + " " + m.mti() + ": expected " + step.expectedCode()
                        + (step.expectedDe44() == null ? "" : " DE44=" + step.expectedDe44()) + ", got " + code
                        + (answer.get(44) == null ? "" : " DE44=" + answer.get(44)));
            }
        }
    }

    private void sendStep(Connection c, WireMessage m) {
        WireMessage a = exchange(c, m, "echo");
        if (a != null && !"00".equals(a.get(39))) {
            mismatches.add("echo 0800: expected 00, got " + a.get(39));
        }
    }

    private WireMessage exchange(Connection c, WireMessage m, String what) {
        sent.increment();
        byMti.computeIfAbsent(m.mti(), k -> new LongAdder()).increment();
        try {
            WireMessage a = c.channel.send(m).get(options.responseTimeout().toMillis(), TimeUnit.MILLISECONDS);
            answered.increment();
            byCode.computeIfAbsent(a.get(39), k -> new LongAdder()).increment();
            return a;
        } catch (TimeoutException e) {
            timeouts.increment();
            mismatches.add(what + " " + m.mti() + ": no answer within " + options.responseTimeout().toSeconds() + " s");
        } catch (ExecutionException e) {
            timeouts.increment();
            mismatches.add(what + " " + m.mti() + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    private WireMessage echo(Connection c) {
        Instant now = options.clock().instant();
        return WireMessage.of("0800", Map.of(7, DE7.format(now), 11, c.nextStan(), 70, "301", 41, c.terminalId));
    }

    // ---- scenarios -------------------------------------------------------------------------------------------

    private Script script(Random r) {
        boolean enrolled = options.otherPans().isEmpty() || (!options.enrolledPans().isEmpty() && r.nextInt(10) < 9);
        List<String> pool = enrolled ? options.enrolledPans() : options.otherPans();
        String pan = pool.get(r.nextInt(pool.size()));
        Merchant merchant = options.merchants().get(r.nextInt(options.merchants().size()));
        long amount = Math.max(1, merchant.typicalAmountMinor() / 2 + (long) (r.nextDouble() * merchant.typicalAmountMinor()));
        long tip = merchant.tipping() && r.nextInt(3) == 0 ? amount * 18 / 100 : 0;
        String rrn = String.format("%012d", Math.floorMod(r.nextLong(), 1_000_000_000_000L));
        String authId = String.format("%06d", r.nextInt(1_000_000));
        int roll = r.nextInt(100);
        String scenario;
        Script s;
        if (roll < 36) {
            s = new Script(scenario = "auth+clearing");
            s.steps.add(step("auth", x -> base("0100", pan, merchant, amount, tip, rrn, authId)));
            s.steps.add(step("clearing", x -> base("0220", pan, merchant, amount, tip, rrn, authId)));
        } else if (roll < 42) {
            s = new Script(scenario = "auth+split-clearing");
            long first = amount / 2;
            s.steps.add(step("auth", x -> base("0100", pan, merchant, amount, 0, rrn, authId)));
            s.steps.add(step("clearing-1", x -> base("0220", pan, merchant, first, 0, rrn, authId)));
            s.steps.add(step("clearing-2", x -> base("0220", pan, merchant, amount - first, 0, rrn, authId)));
        } else if (roll < 64) {
            s = new Script(scenario = "purchase-0200");
            s.steps.add(step("purchase", x -> base("0200", pan, merchant, amount, tip, rrn, authId)));
        } else if (roll < 72) {
            s = new Script(scenario = "purchase+refund");
            long refund = Math.max(1, amount / (1 + r.nextInt(3)));
            s.steps.add(step("auth", x -> base("0100", pan, merchant, amount, 0, rrn, authId)));
            s.steps.add(step("clearing", x -> base("0220", pan, merchant, amount, 0, rrn, authId)));
            s.steps.add(step("refund", x -> base("0200", pan, merchant, refund, 0, rrn, authId).with(3, "200000")));
        } else if (roll < 79) {
            s = new Script(scenario = "auth+full-reversal");
            s.steps.add(step("auth", x -> base("0100", pan, merchant, amount, 0, rrn, authId)));
            s.steps.add(step("reversal", x -> reversal("0400", x.sent.get("auth"), pan, merchant, amount, rrn, authId, false)));
        } else if (roll < 85) {
            s = new Script(scenario = "auth+partial-reversal+clearing");
            long remaining = amount * (40 + r.nextInt(50)) / 100;
            s.steps.add(step("auth", x -> base("0100", pan, merchant, amount, 0, rrn, authId)));
            s.steps.add(step("partial-reversal", x -> reversal("0400", x.sent.get("auth"), pan, merchant, amount, rrn, authId, false)
                    .with(95, String.format("%012d", remaining) + "0".repeat(30))));
            s.steps.add(step("clearing", x -> base("0220", pan, merchant, remaining, 0, rrn, authId)));
        } else if (roll < 89) {
            s = new Script(scenario = "auth+reversal-zero-filled-de90");
            s.steps.add(step("auth", x -> base("0100", pan, merchant, amount, 0, rrn, authId)));
            s.steps.add(step("reversal", x -> reversal("0420", x.sent.get("auth"), pan, merchant, amount, rrn, authId, true)));
        } else if (roll < 93) {
            // The reversal overtakes its authorization: it names the auth's STAN and DE7 before the auth is sent.
            s = new Script(scenario = "reversal-before-auth");
            String authStan = String.format("%06d", 900_000 + r.nextInt(99_999));
            s.steps.add(step("reversal", x -> reversal("0400", base("0100", pan, merchant, amount, 0, rrn, authId)
                    .with(11, authStan), pan, merchant, amount, rrn, authId, false)));
            s.steps.add(step("auth", x -> base("0100", pan, merchant, amount, 0, rrn, authId).with(11, authStan)
                    .with(7, x.sent.get("reversal").get(90).substring(10, 20))));
        } else {
            s = new Script(scenario = "auth+repeat");
            s.steps.add(step("auth", x -> base("0100", pan, merchant, amount, 0, rrn, authId)));
            s.steps.add(step("repeat", x -> x.sent.get("auth").withMti("0101")));
            s.steps.add(step("clearing", x -> base("0220", pan, merchant, amount, 0, rrn, authId)));
            s.steps.add(step("clearing-repeat", x -> x.sent.get("clearing").withMti("0221")));
        }
        return s;
    }

    private Script badMessages(Random r) {
        String pan = options.enrolledPans().getFirst();
        Merchant m = options.merchants().getFirst();
        Script s = new Script("deliberate-mistakes");
        s.steps.add(new Step("missing-de4", x -> base("0200", pan, m, 100, 0, "BAD000000001", "000001").with(4, null), "30", "4"));
        s.steps.add(new Step("unsupported-0300", x -> base("0200", pan, m, 100, 0, "BAD000000002", "000002").withMti("0300"), "12", null));
        s.steps.add(step("original", x -> base("0200", pan, m, 100, 0, "BAD000000003", "000003")));
        s.steps.add(new Step("conflicting-duplicate", x -> x.sent.get("original").with(4, "000000000999"), "94", null));
        return s;
    }

    private static Step step(String label, java.util.function.Function<Script, WireMessage> build) {
        return new Step(label, build, "00", null);
    }

    private WireMessage base(String mti, String pan, Merchant m, long amount, long tip, String rrn, String authId) {
        Instant now = options.clock().instant();
        Map<Integer, String> f = new TreeMap<>();
        f.put(2, pan);
        f.put(3, "000000");
        f.put(4, String.format("%012d", amount + tip));
        f.put(7, DE7.format(now));
        f.put(12, LOCAL_TIME.format(now));
        f.put(13, LOCAL_DATE.format(now));
        f.put(18, m.mcc());
        f.put(22, m.online() ? "810" : "051");
        f.put(32, m.acquirerId());
        f.put(37, rrn);
        f.put(38, authId);
        f.put(42, m.mid());
        f.put(43, m.de43());
        f.put(49, m.currency());
        if (tip > 0) {
            f.put(54, "0044" + m.currency() + "D" + String.format("%012d", tip));
        }
        if (!m.currency().equals("840")) {
            f.put(6, String.format("%012d", (amount + tip) * 108 / 100)); // billed in USD at the day's rate
            f.put(51, "840");
        }
        return WireMessage.of(mti, f);
    }

    private WireMessage reversal(String mti, WireMessage original, String pan, Merchant m, long amount, String rrn,
                                 String authId, boolean zeroFilled) {
        String stan = zeroFilled ? "000000" : original.get(11);
        String de7 = zeroFilled ? "0000000000" : original.get(7);
        String de90 = original.mti() + stan + de7 + String.format("%011d", Long.parseLong(m.acquirerId())) + "0".repeat(11);
        return base(mti, pan, m, amount, 0, rrn, authId).with(90, de90);
    }

    private static Map<String, Long> sums(Map<String, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

}
