/*
 * The fault suite's promises, checked against the store once the faults are
 * over, and checked again after everything sent has been replayed to a
 * restarted node: every 00 stored, nothing stored twice, every stored
 * purchase rewarded exactly once; on the replay, a 00 again for every 00 and
 * every other message (96, or never answered) stored now as a first.
 *
 * The store is read with the served node stopped, through the same wiring as
 * every node (NodeDir.startOffline: Processor.builder, its matcher on to drain
 * the queue first). The drain waits while the matcher makes progress and
 * gives up only when it stalls.
 */
package org.accrue.bench.faults;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.accrue.bench.faults.RecordingClient.Sent;
import org.accrue.bench.node.NodeDir;
import org.accrue.bench.node.ServedNode;
import org.accrue.processor.Processor;

final class StoreCheck {
    /** The matcher must take at least one message off its queue in this long, or the check gives up. */
    private static final long DRAIN_STALL_MS = 120_000;

    /** Starts the suite's node, served the operator's way, on its data. */
    interface Serve {
        ServedNode start() throws IOException;
    }

    private final NodeDir node;
    private final Serve serve;
    private final int replayConnections;
    private final Consumer<String> out;

    StoreCheck(NodeDir node, Serve serve, int replayConnections, Consumer<String> out) {
        this.node = node;
        this.serve = serve;
        this.replayConnections = replayConnections;
        this.out = out;
    }

    /** What the store holds for the suite's messages, read after the matcher has drained its queue. */
    private record Stored(Set<String> messages, long rows, long rewardsDoubled, long messagesWithoutReward, long quarantined) {
    }

    private Stored readStore() throws Exception {
        try (Processor node = this.node.startOffline(true)) {
            var sf = node.store().sessionFactory();
            // Matching through the store runs at a few thousand purchases a second (issue 13): wait while it makes
            // progress, and give up only when it stalls.
            long left = count(sf, "select count(*) from match_queue");
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_STALL_MS);
            while (left > 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the matcher took nothing off its queue in " + DRAIN_STALL_MS
                            + " ms; " + left + " messages left");
                }
                Thread.sleep(200); // polling a condition with a deadline
                long now = count(sf, "select count(*) from match_queue");
                if (now < left) {
                    deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_STALL_MS);
                }
                left = now;
            }
            List<Object[]> rows = sf.fromSession(s -> s.createNativeQuery(
                    "select terminal_id, stan from card_message", Object[].class).getResultList());
            Set<String> ids = new HashSet<>();
            for (Object[] r : rows) {
                ids.add(RecordingClient.idOf((String) r[0], (String) r[1]));
            }
            long doubled = count(sf, "select count(*) from (select source_message_id from reward "
                    + "group by source_message_id having count(*) > 1) d");
            long without = count(sf, "select count(*) from card_message m "
                    + "where not exists (select 1 from reward r where r.source_message_id = m.id)");
            return new Stored(ids, rows.size(), doubled, without, 0);
        }
    }

    private static long count(org.hibernate.SessionFactory sf, String sql) {
        return sf.fromSession(s -> ((Number) s.createNativeQuery(sql, Object.class).getSingleResult()).longValue());
    }

    /**
     * The promises, checked twice: after the faults (every 00 stored once, every stored purchase rewarded once)
     * and after a replay of everything sent (a 00 again for every 00, everything stored now, still once).
     */
    void checkAndReplay(List<Sent> sent, Map<String, Object> f, List<String> broken) throws Exception {
        long acked = sent.stream().filter(s -> "00".equals(s.code())).count();
        long refused96 = sent.stream().filter(s -> "96".equals(s.code())).count();
        long none = sent.stream().filter(s -> s.code() == null).count();
        long other = sent.size() - acked - refused96 - none;
        f.put("sent", sent.size());
        f.put("00/96/other/none", acked + "/" + refused96 + "/" + other + "/" + none);
        Stored before = readStore();
        long lost = sent.stream().filter(s -> "00".equals(s.code()) && !before.messages().contains(s.id())).count();
        f.put("stored", before.rows());
        f.put("lost 00s", lost);
        f.put("doubled", before.rows() - before.messages().size());
        f.put("rewards doubled / missing", before.rewardsDoubled() + "/" + before.messagesWithoutReward());
        if (lost > 0) {
            broken.add(lost + " messages answered 00 are not stored");
        }
        if (before.rows() != before.messages().size()) {
            broken.add((before.rows() - before.messages().size()) + " messages stored twice");
        }
        if (before.rewardsDoubled() > 0 || before.messagesWithoutReward() > 0) {
            broken.add(before.rewardsDoubled() + " purchases rewarded twice, " + before.messagesWithoutReward() + " not rewarded");
        }
        out.accept("check before the replay: " + f);
        Map<String, String> replayed;
        try (ServedNode node = serve.start()) {
            replayed = RecordingClient.replay("127.0.0.1", this.node.isoPort(), sent, replayConnections);
            node.close();
        }
        long differs = 0;
        long notStoredNow = 0;
        for (Sent s : sent) {
            String again = replayed.get(s.id());
            if ("00".equals(s.code()) && !"00".equals(again)) {
                differs++;
            } else if (!"00".equals(again)) {
                notStoredNow++;
            }
        }
        Stored after = readStore();
        Set<String> all = new HashSet<>();
        sent.forEach(s -> all.add(s.id()));
        long missing = all.stream().filter(id -> !after.messages().contains(id)).count();
        f.put("replayed", sent.size());
        f.put("replay differs", differs);
        f.put("stored after replay", (all.size() - missing) + " of " + all.size());
        if (differs > 0 || notStoredNow > 0) {
            broken.add("replay: " + differs + " 00s answered otherwise, " + notStoredNow + " others not 00");
        }
        if (missing > 0 || after.rows() != after.messages().size()) {
            broken.add("after the replay " + missing + " messages missing, " + (after.rows() - after.messages().size()) + " doubled");
        }
        if (after.rewardsDoubled() > 0 || after.messagesWithoutReward() > 0) {
            broken.add("after the replay " + after.rewardsDoubled() + " rewarded twice, " + after.messagesWithoutReward()
                    + " not rewarded");
        }
    }
}
