package dev.deneb.fencing.dialect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which process-list rows fencing kills; rows shaped as MariaDB 11.4 printed them. */
class SessionInfoTest {

  private static SessionInfo row(long id, String user, String command) {
    return new SessionInfo(id, user, "127.0.0.1:40000", null, command, 0, null);
  }

  @Test
  void clientConnectionsAreKilled() {
    assertThat(row(9, "app", "Query").isClientSession(1, Set.of())).isTrue();
    assertThat(row(9, "app", "Sleep").isClientSession(1, Set.of())).isTrue();
  }

  @Test
  void ownConnectionIsSpared() {
    assertThat(row(7, "root", "Query").isClientSession(7, Set.of())).isFalse();
  }

  @Test
  void replicationAndServerThreadsAreSpared() {
    assertThat(row(5, "system user", "Slave_IO").isClientSession(1, Set.of())).isFalse();
    assertThat(row(13, "system user", "Slave_SQL").isClientSession(1, Set.of())).isFalse();
    assertThat(row(2, "event_scheduler", "Daemon").isClientSession(1, Set.of())).isFalse();
    // A replica reading this server's binlog connects as an ordinary account.
    assertThat(row(20, "repl", "Binlog Dump").isClientSession(1, Set.of())).isFalse();
    assertThat(row(21, "repl", "Binlog Dump GTID").isClientSession(1, Set.of())).isFalse();
  }

  @Test
  void exemptUsersAreSpared() {
    assertThat(row(9, "deneb_monitor", "Sleep").isClientSession(1, Set.of("deneb_monitor"))).isFalse();
  }
}
