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

        public WireMessage message() {
            return message;
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
    private volatile boolean stopped;

    private RecordingClient(String host, int port, List<String> pans) {
        this.host = host;
        this.port = port;
        this.pans = List.copyOf(pans);
    }

    /** Starts {@code connections} x {@code inFlight} lanes of traffic; they run until {@link #stop()}. */
    public static RecordingClient start(String host, int port, List<String> pans, int connections, int inFlight, long seed) {
        RecordingClient c = new RecordingClient(host, port, pans);
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

    static String idOf(String terminal, String stan) {
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

        synchronized Object[] next() throws InterruptedException {
            while (!stopped && (connection == null || !connection.isConnected())) {
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
            if (stopped) {
                return null;
            }
            stan++;
            return new Object[] {connection, terminal, String.format("%06d", stan)};
        }

        /** A lane is done; the last one closes the connection (closing it earlier would cut the others' answers). */
        synchronized void left() {
            if (--lanes == 0 && connection != null) {
                connection.close();
            }
        }
    }

    private void lane(Link link, Random random) {
        try {
            while (!stopped) {
                Object[] n = link.next();
                if (n == null) {
                    break;
                }
                IssuerConnection conn = (IssuerConnection) n[0];
                WireMessage m = purchase(pans.get(random.nextInt(pans.size())), (String) n[1], (String) n[2], random);
                Sent s = new Sent(m, System.nanoTime());
                sent.add(s);
                try {
                    WireMessage r = conn.send(m).get(ANSWER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    long now = System.nanoTime();
                    s.code = r.get(39);
                    s.answeredNanos = now;
                    answers.add(new Answer(now, s.code, (now - s.sentNanos) / 1_000));
                    if (!"00".equals(s.code)) {
                        Thread.sleep(BACK_OFF_MS); // as an issuer does after a 96: not a storm of messages into a store that is down
                    }
                } catch (TimeoutException | java.util.concurrent.ExecutionException noAnswer) {
                    // Kept with no code: the connection ended, or the node gave no answer in time. Either way the
                    // link gets a new connection (and a new terminal) for what comes next.
                    conn.close();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            link.left();
        }
    }

    /** Stops sending; waits for every lane's last message to be answered or given up. */
    public void stop() throws InterruptedException {
        stopped = true;
        for (Thread t : lanes) {
            t.join(ANSWER_TIMEOUT_MS + 5_000);
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
