package org.accrue.processor.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.accrue.iso8583.simulator.IssuerConnection;
import org.accrue.iso8583.simulator.WireMessage;
import org.accrue.processor.testing.Api;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.accrue.processor.testing.Requests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * accrue.iso.frame-timeout-ms over real sockets: once a frame's first byte is in, the whole frame must follow
 * within the frame timeout; between frames only the (much longer) idle timeout applies.
 */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.iso.frame-timeout-ms=500", "accrue.iso.idle-timeout-ms=600000"})
class FrameDeadlineTest {
    private static final long FRAME_TIMEOUT_MS = 500;
    private static final int CLOSE_WAIT_MS = 5_000; // far below the idle timeout, well above the frame timeout

    @Test
    void aFrameShorterThanItsDeclaredLengthIsClosedAtTheFrameDeadlineWhileAGoodConnectionGoesOn(Node node)
            throws IOException {
        Api api = new Api(node.processor().httpPort());
        double timeoutsBefore = api.metric("accrue_iso_frames_timed_out_total");
        try (IssuerConnection good = new IssuerConnection("127.0.0.1", node.processor().isoPort());
             Socket stuck = new Socket("127.0.0.1", node.processor().isoPort())) {
            assertThat(echo(good).get(39)).isEqualTo("00");
            stuck.setSoTimeout(CLOSE_WAIT_MS);
            byte[] partial = new byte[12];
            partial[1] = (byte) 200; // declares 200 bytes, sends 10
            Arrays.fill(partial, 2, 12, (byte) '0');
            long sent = System.nanoTime();
            Frames.write(stuck.getOutputStream(), partial);
            assertThat(echo(good).get(39)).isEqualTo("00");

            assertThat(Frames.closedByPeer(stuck)).as("closed within %d ms", CLOSE_WAIT_MS).isTrue();
            long closedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            assertThat(closedAfterMs).as("closed at the frame deadline, not before").isGreaterThanOrEqualTo(FRAME_TIMEOUT_MS - 50);
            assertThat(echo(good).get(39)).isEqualTo("00");
        }
        assertThat(api.metric("accrue_iso_frames_timed_out_total")).isEqualTo(timeoutsBefore + 1);
    }

    @Test
    void aFrameTrickledByteByByteIsClosedAtTheDeadlineThoughEachByteArrivesInTime(Node node) throws Exception {
        try (Socket trickle = new Socket("127.0.0.1", node.processor().isoPort())) {
            trickle.setSoTimeout(CLOSE_WAIT_MS);
            OutputStream out = trickle.getOutputStream();
            Frames.write(out, new byte[] {0x00, (byte) 200});
            // A byte every 100 ms keeps a per-read timeout of 500 ms happy for 20 s; the frame deadline does not.
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 200; i++) {
                        Thread.sleep(100); // pacing the sender, not waiting for the listener
                        Frames.write(out, new byte[] {'0'});
                    }
                } catch (IOException | InterruptedException closed) {
                    // the listener closed the connection: what the test expects
                }
            });
            try {
                assertThat(Frames.closedByPeer(trickle)).as("closed within %d ms", CLOSE_WAIT_MS).isTrue();
            } finally {
                writer.interrupt();
                writer.join();
            }
        }
    }

    @Test
    void aConnectionSilentBetweenFramesForLongerThanTheFrameTimeoutStaysOpen(Node node) throws IOException {
        try (Socket s = new Socket("127.0.0.1", node.processor().isoPort())) {
            s.setSoTimeout(10_000);
            Frames.write(s.getOutputStream(), Frames.framed(Frames.echo(Requests.nextStan())));
            assertThat(Frames.readMti(s)).isEqualTo("0810");

            s.setSoTimeout((int) (3 * FRAME_TIMEOUT_MS));
            assertThat(Frames.closedByPeer(s)).as("still open after three frame timeouts of silence").isFalse();

            s.setSoTimeout(10_000);
            Frames.write(s.getOutputStream(), Frames.framed(Frames.echo(Requests.nextStan())));
            assertThat(Frames.readMti(s)).isEqualTo("0810");
        }
    }

    @Test
    void aFrameArrivingInPiecesWithinTheDeadlineIsAnswered(Node node) throws IOException {
        try (Socket s = new Socket("127.0.0.1", node.processor().isoPort())) {
            s.setSoTimeout(10_000);
            byte[] frame = Frames.framed(Frames.echo(Requests.nextStan()));
            int half = frame.length / 2;
            Frames.write(s.getOutputStream(), Arrays.copyOfRange(frame, 0, 1)); // the length split too
            pause(100);
            Frames.write(s.getOutputStream(), Arrays.copyOfRange(frame, 1, half));
            pause(100);
            Frames.write(s.getOutputStream(), Arrays.copyOfRange(frame, half, frame.length));
            assertThat(Frames.readMti(s)).isEqualTo("0810");
        }
    }

    /** Pacing the sender (pieces 100 ms apart, 200 ms in all, within the 500 ms deadline), not waiting for the listener. */
    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static WireMessage echo(IssuerConnection c) {
        return c.send(WireMessage.of("0800", Map.of(7, Requests.DE7, 11, Requests.nextStan(), 70, "301")))
                .orTimeout(10, TimeUnit.SECONDS).join();
    }
}
