package org.accrue.bench.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.accrue.bench.node.NodeDir;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

/**
 * The deploy template rendered for two nodes passes `haproxy -c`, and the running proxy reads each node's health
 * endpoint: a node whose /api/v1/health answers 200 is UP, one whose HTTP port is closed goes DOWN within the
 * template's inter 1s fall 2.
 */
class HaProxyTest {
    @Test
    void theTemplateRepeatsTheServerLinePerNodeAndLeavesNoPlaceholder() throws Exception {
        String cfg = HaProxy.render(HaProxy.template(), "127.0.0.1", 9000, Path.of("/run/h.sock"),
                List.of(new HaProxy.Backend("n1", "127.0.0.1", 8583, 8080), new HaProxy.Backend("n2", "10.0.0.2", 8583, 8080)));
        assertThat(cfg).contains("bind 127.0.0.1:9000", "stats socket /run/h.sock",
                "server n1 127.0.0.1:8583 check port 8080", "server n2 10.0.0.2:8583 check port 8080",
                "balance leastconn", "option redispatch", "on-marked-down shutdown-sessions", "option tcpka");
        assertThatThrownBy(() -> HaProxy.render(HaProxy.template(), "127.0.0.1", 9000, Path.of("/s"), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNodeWhoseHealthAnswers200IsUpAndOneWhoseHealthPortIsClosedIsMarkedDown() throws Exception {
        HttpServer health = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        health.createContext("/api/v1/health", x -> {
            byte[] body = "{\"status\":\"UP\"}".getBytes();
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        health.start();
        Path dir = Path.of("target", "test-data", "haproxy-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        try (HaProxy h = HaProxy.start(dir, NodeDir.freePort(), List.of(
                new HaProxy.Backend("up", "127.0.0.1", NodeDir.freePort(), health.getAddress().getPort()),
                new HaProxy.Backend("down", "127.0.0.1", NodeDir.freePort(), NodeDir.freePort())))) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            var states = h.serverStates();
            while (System.nanoTime() < deadline && !(states.get("up").up() && states.get("down").status().equals("DOWN"))) {
                Thread.sleep(100); // polling HAProxy's view, bounded by the deadline
                states = h.serverStates();
            }
            assertThat(states.get("up").status()).startsWith("UP");
            assertThat(states.get("down").status()).isEqualTo("DOWN");
        } finally {
            health.stop(0);
        }
    }
}
