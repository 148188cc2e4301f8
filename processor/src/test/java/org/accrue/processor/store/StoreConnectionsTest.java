package org.accrue.processor.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class StoreConnectionsTest {

    @Test
    void onlyAServerThatCannotBeReachedIsTriedAgain() {
        assertThat(StoreConnections.unreachable(new SQLNonTransientConnectionException("refused", "08000"))).isTrue();
        assertThat(StoreConnections.unreachable(new SQLException("too many connections", "08004"))).isTrue();
        assertThat(StoreConnections.unreachable(new SQLTimeoutException("connect timed out"))).isTrue();
        assertThat(StoreConnections.unreachable(new SQLInvalidAuthorizationSpecException("access denied", "28000"))).isFalse();
        assertThat(StoreConnections.unreachable(new SQLSyntaxErrorException("unknown database", "42000"))).isFalse();
        assertThat(StoreConnections.unreachable(new SQLException("no state"))).isFalse();
    }

    @Test
    void aRefusedConnectIsTriedAgainEveryRetryStepUntilThePoolCloses() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: connects to it are refused
        }
        AtomicInteger asked = new AtomicInteger();
        // The pool "closes" on the fifth look: four refusals were tried again, the fifth is thrown.
        StoreConnections connections = new StoreConnections("jdbc:mariadb://127.0.0.1:" + port + "/accrue?connectTimeout=1000",
                "accrue", "", () -> asked.incrementAndGet() >= 5);
        long started = System.nanoTime();
        assertThatThrownBy(connections::getConnection).isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(StoreConnections.unreachable((SQLException) e)).isTrue());
        assertThat(asked.get()).isEqualTo(5);
        assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(4 * StoreConnections.RETRY_EVERY_MS * 1_000_000);
    }
}
