/*
 * An issuer that remembers everything: N connections with W requests in
 * flight on each send 0200 purchases with unique message keys (DE41 a fresh
 * terminal per connection, DE11 counting up), and every message sent is kept
 * with the first code it got (or none: the connection died, or no answer came
 * within the answer timeout). A connection that ends is opened again, over
 * and over, until the client is stopped: a killed node's port comes back
 * with the restarted node. Every answer is also kept on a time line, so a
 * fault's window can be read afterwards (what came back while the store was
 * paused, when the first 00 came after it).
 *
 * Resending (the cluster scenario's issuer): a message whose connection ended
 * before its answer is sent again on the next connection as the repeat MTI
 * (0200 -> 0201, same key: DE7, DE11, DE32, DE41), as the interface asks an
 * issuer to do; the node answers a repeat as it answered the first (00 when
 * the first was stored) or stores it now as a first. Each lane resends its
 * own message before sending anything new, a bounded number of times, and
 * on stop finishes the one it holds. Optionally paced to a total rate.
 */
package org.accrue.bench.faults;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.accrue.bench.LoadGenerator;
import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;

public final class RecordingClient implements AutoCloseable {
    static final long ANSWER_TIMEOUT_MS = 30_000;
    private static final long RECONNECT_PAUSE_MS = 100;
    private static final long BACK_OFF_MS = 50;
    /**
     * How often one message is sent again as a repeat before the lane gives it up: with the back-off below, at
     * least a minute of links that end at once (HAProxy with no node UP accepts a link and closes it).
     */
    static final int REPEATS_MAX = 600;
    /** On stop, how long a lane may still try to get its unanswered message answered. */
    private static final long DRAIN_MS = 20_000;
    /** The suite's merchant (the load generator's): the offer the suite creates rewards every purchase there. */
    static final String ACQUIRER = LoadGenerator.ACQUIRER;
    static final String MID = LoadGenerator.MID;
    static final String MCC = LoadGenerator.MCC;

    /** One message sent and what it got first; {@code code} stays null when no answer came. */
    public static final class Sent {
        final WireMessage message;
        final long sentNanos;
        volatile String code;
        volatile long answeredNanos;
        volatile int repeats;
        volatile String repeatCode;
        volatile long repeatAnsweredNanos;
        /** What became of each attempt that got no answer, in order (what an unanswered message's report shows). */
        final java.util.Queue<String> failures = new ConcurrentLinkedQueue<>();

        Sent(WireMessage message, long sentNanos) {
            this.message = message;
            this.sentNanos = sentNanos;
        }

        public String id() {
            return idOf(message.get(41), message.get(11));
        }

        public String code() {
            return code;
        }

        /** The code of the last repeat (null when none was sent or none was answered). */
        public String repeatCode() {
            return repeatCode;
        }

        public int repeats() {
            return repeats;
        }

        /** Acknowledged: 00 to the first or to a repeat. */
        public boolean acked() {
            return "00".equals(code) || "00".equals(repeatCode);
        }

        public long sentNanos() {
            return sentNanos;
        }

        /** When the repeat that got an answer was answered (0 when none). */
        public long repeatAnsweredNanos() {
            return repeatAnsweredNanos;
        }

        public WireMessage message() {
            return message;
        }

        /** Each attempt that got no answer: when (ms after the first send) and why, then why the lane gave it up. */
        public List<String> failures() {
            return List.copyOf(failures);
        }

        void failed(long atNanos, String why) {
            failures.add("+" + (atNanos - sentNanos) / 1_000_000 + " ms " + why);
        }
    }

    /** An answer on the time line: when it came, its code, and how long it took. */
    public record Answer(long atNanos, String code, long latencyMicros) {
    }

    private static final AtomicInteger TERMINALS = new AtomicInteger();
    /** DE37 unique per message: a purchase with the RRN of an earlier one on the same card is that one's clearing. */
    private static final java.util.concurrent.atomic.AtomicLong RRNS = new java.util.concurrent.atomic.AtomicLong(
            System.currentTimeMillis() % 1_000_000 * 1_000_000);

    private final String host;
    private final int port;
    private final List<String> pans;
    private final ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final List<Thread> lanes = new ArrayList<>();
    private final boolean resend;
    /** Nanoseconds between two sends of one lane; 0 = as fast as answers come. */
    private final long laneIntervalNanos;
    private volatile boolean stopped;
    private volatile long drainDeadlineNanos;

    private RecordingClient(String host, int port, List<String> pans, boolean resend, long laneIntervalNanos) {
        this.host = host;
        this.port = port;
        this.pans = List.copyOf(pans);
        this.resend = resend;
        this.laneIntervalNanos = laneIntervalNanos;
    }

    /** Starts {@code connections} x {@code inFlight} lanes of traffic; they run until {@link #stop()}. */
    public static RecordingClient start(String host, int port, List<String> pans, int connections, int inFlight, long seed) {
        return start(host, port, pans, connections, inFlight, seed, false, 0);
    }

    /**
     * As above; with {@code resend} a message left unanswered by a connection that ended is sent again as a repeat
     * (0201) on the next one; {@code ratePerSecond} paces all lanes together (0 = unpaced).
     */
    public static RecordingClient start(String host, int port, List<String> pans, int connections, int inFlight, long seed,
                                        boolean resend, int ratePerSecond) {
        long interval = ratePerSecond <= 0 ? 0 : 1_000_000_000L * connections * inFlight / ratePerSecond;
        RecordingClient c = new RecordingClient(host, port, pans, resend, interval);
        for (int i = 0; i < connections; i++) {
            Link link = c.new Link();
            for (int w = 0; w < inFlight; w++) {
                Random random = new Random(seed * 1_000_003L + i * 1_000L + w);
                link.joined();
                c.lanes.add(Thread.ofVirtual().name("fault-lane-" + i + "-" + w).start(() -> c.lane(link, random)));
            }
        }
        return c;
    }

    public static String idOf(String terminal, String stan) {
        return terminal.strip() + "|" + Integer.parseInt(stan.strip());
    }

    /** One connection shared by its lanes; a dead one is replaced by a new terminal on a new connection. */
    private final class Link {
        private IssuerConnection connection;
        private String terminal;
        private int stan;
        private int lanes;

        synchronized void joined() {
            lanes++;
        }

        /** The connection and the next terminal and STAN; null once stopped (unless {@code draining} and in time). */
        synchronized Object[] next(boolean draining) throws InterruptedException {
            while (going(draining) && (connection == null || !connection.isConnected())) {
                if (connection != null) {
                    connection.close();
                    connection = null;
                }
                try {
                    connection = new IssuerConnection(host, port);
                    terminal = String.format("F%07d", TERMINALS.incrementAndGet());
                    stan = 0;
                } catch (IOException down) {
                    wait(RECONNECT_PAUSE_MS); // the node is restarting: try again shortly
                }
            }
            if (!going(draining)) {
                return null;
            }
            stan++;
            return new Object[] {connection, terminal, String.format("%06d", stan)};
        }

        private boolean going(boolean draining) {
            return !stopped || (draining && System.nanoTime() < drainDeadlineNanos);
        }

        /** A lane is done; the last one closes the connection (closing it earlier would cut the others' answers). */
        synchronized void left() {
            if (--lanes == 0 && connection != null) {
                connection.close();
            }
        }
    }

    private void lane(Link link, Random random) {
        Sent pending = null; // sent, its connection ended before an answer: resent as a repeat first
        long nextSend = System.nanoTime();
        try {
            while (!stopped || pending != null) {
                Object[] n = link.next(pending != null);
                if (n == null) {
                    if (pending != null) {
                        pending.failed(System.nanoTime(), "given up: the drain deadline passed with no link");
                    }
                    break;
                }
                if (laneIntervalNanos > 0 && pending == null) {
                    nextSend += laneIntervalNanos;
                    long wait = nextSend - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing to the asked rate
                    } else {
                        nextSend = System.nanoTime(); // behind: no burst to catch up
                    }
                }
                IssuerConnection conn = (IssuerConnection) n[0];
                Sent s;
                WireMessage m;
                if (pending != null) {
                    s = pending;
                    m = s.message.withMti(repeatMti(s.message.mti()));
                    s.repeats++;
                } else {
                    m = purchase(pans.get(random.nextInt(pans.size())), (String) n[1], (String) n[2], random);
                    s = new Sent(m, System.nanoTime());
                    sent.add(s);
                }
                long at = System.nanoTime();
                try {
                    WireMessage r = conn.send(m).get(ANSWER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    long now = System.nanoTime();
                    String code = r.get(39);
                    if (s == pending) {
                        s.repeatCode = code;
                        s.repeatAnsweredNanos = now;
                        pending = null;
                    } else {
                        s.code = code;
                        s.answeredNanos = now;
                    }
                    answers.add(new Answer(now, code, (now - at) / 1_000));
                    if (!"00".equals(code)) {
                        Thread.sleep(BACK_OFF_MS); // as an issuer does after a 96: not a storm of messages into a store that is down
                    }
                } catch (TimeoutException | java.util.concurrent.ExecutionException noAnswer) {
                    // Kept with no code: the connection ended, or the node gave no answer in time. Either way the
                    // link gets a new connection (and a new terminal) for what comes next.
                    conn.close();
                    s.failed(System.nanoTime(), (s.repeats > 0 ? "repeat " + s.repeats : "first send") + ": "
                            + (noAnswer instanceof TimeoutException ? "no answer in " + ANSWER_TIMEOUT_MS + " ms"
                            : "link ended (" + noAnswer.getCause() + ")"));
                    pending = resend && s.repeats < REPEATS_MAX ? s : null;
                    if (pending != null && s.repeats > 0) {
                        Thread.sleep(RECONNECT_PAUSE_MS); // a repeat's link ended too: no storm of links while nothing serves
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            link.left();
        }
    }

    /** The repeat of a request MTI: 0200 -> 0201, 0220 -> 0221 (a repeat stays a repeat). */
    static String repeatMti(String mti) {
        return mti.substring(0, 3) + "1";
    }

    /**
     * Stops sending; waits for every lane's last message to be answered or given up (a lane holding an unanswered
     * message, when resending, tries it again for a bounded time).
     */
    public void stop() throws InterruptedException {
        drainDeadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MS);
        stopped = true;
        for (Thread t : lanes) {
            t.join(ANSWER_TIMEOUT_MS + DRAIN_MS + 5_000);
        }
    }

    public List<Sent> sent() {
        return List.copyOf(sent);
    }

    public List<Answer> answers() {
        return List.copyOf(answers);
    }

    /** Sends each message again, in order, on a few connections; returns the codes by message id. */
    public static Map<String, String> replay(String host, int port, List<Sent> messages, int connections) throws IOException {
        Map<String, String> codes = new java.util.concurrent.ConcurrentHashMap<>();
        List<IssuerConnection> conns = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) {
                conns.add(new IssuerConnection(host, port));
            }
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                IssuerConnection c = conns.get(i);
                int from = i;
                ts.add(Thread.ofVirtual().start(() -> {
                    for (int k = from; k < messages.size(); k += connections) {
                        Sent s = messages.get(k);
                        try {
                            codes.put(s.id(), c.send(s.message).get(ANSWER_TIMEOUT_MS, TimeUnit.MILLISECONDS).get(39));
                        } catch (Exception e) {
                            codes.put(s.id(), "none");
                        }
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            conns.forEach(IssuerConnection::close);
        }
        return codes;
    }

    /** The load generator's purchase, with a DE37 of its own: a purchase with an earlier one's RRN is its clearing. */
    static WireMessage purchase(String pan, String terminal, String stan, Random r) {
        return LoadGenerator.purchase(pan, terminal, stan, r).with(37, String.format("%012d", RRNS.incrementAndGet() % 1_000_000_000_000L));
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
