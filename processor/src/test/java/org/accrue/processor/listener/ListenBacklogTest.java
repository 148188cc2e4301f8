package org.accrue.processor.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.Requests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** accrue.iso.backlog: the listening socket queues a burst of connections instead of overflowing and resetting them. */
@ExtendWith(ProcessorExtension.class)
@NodeSettings("accrue.iso.backlog=300")
class ListenBacklogTest {
    private static final int BACKLOG = 300;
    private static final int BURST = 64;
    private static final int MESSAGES_PER_CONNECTION = 10;

    @Test
    void theListeningSocketIsBoundWithTheConfiguredBacklog(Node node) throws Exception {
        Path somaxconn = Path.of("/proc/sys/net/core/somaxconn");
        assumeTrue(Files.isReadable(somaxconn), "Linux only: ss shows a listening socket's backlog as its Send-Q");
        int kernelCap = Integer.parseInt(Files.readAllLines(somaxconn).getFirst().strip()); // readString sees "4" of "4096" in procfs
        Process ss;
        try {
            ss = new ProcessBuilder("ss", "-Hltn", "sport = :" + node.processor().isoPort()).redirectErrorStream(true).start();
        } catch (IOException noSs) {
            assumeTrue(false, "ss (iproute2) is not installed");
            return;
        }
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(ss.waitFor(10, TimeUnit.SECONDS)).isTrue();
        // State Recv-Q Send-Q Local Peer; for a listening socket Send-Q is the backlog (the kernel caps it at somaxconn).
        String[] columns = out.strip().split("\\s+");
        assertThat(columns).as("ss output: %s", out).hasSizeGreaterThanOrEqualTo(4);
        assertThat(Integer.parseInt(columns[2])).as("ss output: %s", out).isEqualTo(Math.min(BACKLOG, kernelCap));
    }

    @Test
    void aBurstOfConnectionsOpenedAtOnceIsAllAnswered(Node node) throws Exception {
        CyclicBarrier together = new CyclicBarrier(BURST);
        List<Future<Integer>> answered = new ArrayList<>();
        try (ExecutorService issuers = Executors.newFixedThreadPool(BURST)) {
            for (int i = 0; i < BURST; i++) {
                answered.add(issuers.submit(() -> {
                    together.await(30, TimeUnit.SECONDS);
                    try (IssuerConnection c = new IssuerConnection("127.0.0.1", node.processor().isoPort())) {
                        List<CompletableFuture<WireMessage>> replies = new ArrayList<>();
                        for (int m = 0; m < MESSAGES_PER_CONNECTION; m++) {
                            replies.add(c.send(WireMessage.of("0800",
                                    Map.of(7, Requests.DE7, 11, Requests.nextStan(), 70, "301"))));
                        }
                        int ok = 0;
                        for (CompletableFuture<WireMessage> r : replies) {
                            ok += "00".equals(r.get(30, TimeUnit.SECONDS).get(39)) ? 1 : 0;
                        }
                        return ok;
                    }
                }));
            }
            int total = 0;
            for (Future<Integer> f : answered) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(BURST * MESSAGES_PER_CONNECTION);
        }
    }
}
