package org.accrue.processor.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
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

@ExtendWith(ProcessorExtension.class)
@NodeSettings("accrue.iso.idle-timeout-ms=1000")
class IdleConnectionTest {

    @Test
    void aConnectionStuckMidFrameIsClosedAndTheListenerGoesOn(Node node) throws Exception {
        try (Socket stuck = new Socket("127.0.0.1", node.processor().isoPort())) {
            stuck.setSoTimeout(15_000);
            stuck.getOutputStream().write(0x00); // half of a length prefix, then nothing
            stuck.getOutputStream().flush();
            assertThat(stuck.getInputStream().read()).isEqualTo(-1);
        }
        // Every connection is held to the same idle limit, so the next issuer connects after the close.
        try (IssuerConnection healthy = new IssuerConnection("127.0.0.1", node.processor().isoPort())) {
            WireMessage echo = healthy.send(WireMessage.of("0800", Map.of(7, Requests.DE7, 11, Requests.nextStan(), 70, "301")))
                    .get(10, TimeUnit.SECONDS);
            assertThat(echo.get(39)).isEqualTo("00");
        }
    }

    @Test
    void aConnectionSilentForTheIdleTimeoutIsClosedAndCounted(Node node) throws IOException {
        Api api = new Api(node.processor().httpPort());
        double idleClosedBefore = api.metric("accrue_iso_connections_idle_closed_total");
        try (Socket silent = new Socket("127.0.0.1", node.processor().isoPort())) {
            silent.setSoTimeout(15_000);
            assertThat(silent.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(api.metric("accrue_iso_connections_idle_closed_total")).isEqualTo(idleClosedBefore + 1);
    }

    @Test
    void aTruncatedFrameFollowedBySilenceIsClosed(Node node) throws IOException {
        try (Socket s = new Socket("127.0.0.1", node.processor().isoPort())) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(new byte[] {0x00, 0x40, '0', '2', '0', '0'}); // declares 64 bytes, sends 4
            s.getOutputStream().flush();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }
}
