package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.dialect.SemiSyncRole;
import dev.deneb.fencing.dialect.SemiSyncStatus;
import dev.deneb.sandbox.HaEnvironment;
import dev.deneb.sandbox.workload.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/durability.md, "Lost acknowledgements": replicas that reconnect while the primary takes
 * commits must not make it fall back to async. Five times under a continuous writer, both replicas
 * leave semi-sync (the agent-free way: role off, IO thread restarted) and at once take it again — so
 * a commit is received over an asynchronous connection and then never acknowledged, the case a
 * clean-clone CI run hit at bootstrap. The primary's agent nudges; every commit must still be
 * acknowledged by a replica.
 */
class SemiSyncReconnectProcessTest {
  private static final Duration SETTLE = Duration.ofSeconds(90);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  @Test
  void replicasRetakingTheirRoleUnderWritesNeverCostAFallbackToAsync() throws Exception {
    try (HaEnvironment env = HaEnvironment.start(dir, HaEnvironment.Options.defaults().withDurability("semi-sync"))) {
      FrozenPrimaryProcessTest.awaitSemiSyncPrimary(env);
      long asyncBefore = SemiSyncFallbackProcessTest.status(env).asyncTransactions();
      try (Writer writer = new Writer("w1", 1, env::primaryTarget).start()) {
        await().atMost(SETTLE).until(() -> writer.acks().size() > 100);
        for (int round = 0; round < 5; round++) {
          for (String replica : List.of("db2", "db3")) role(env, replica, SemiSyncRole.OFF);
          for (String replica : List.of("db2", "db3")) role(env, replica, SemiSyncRole.REPLICA);
          int seen = writer.acks().size();
          await().atMost(SETTLE).until(() -> writer.acks().size() > seen + 100);
        }
      }
      SemiSyncStatus after = SemiSyncFallbackProcessTest.status(env);
      String agentLog = Files.readString(env.agent("db1").log());
      Fixtures.record("semi-sync reconnects: 5 rounds of both replicas' IO threads restarted under a writer; commits "
          + "acknowledged without a replica: " + (after.asyncTransactions() - asyncBefore) + "; nudges logged: "
          + agentLog.lines().filter(l -> l.contains("nudging")).count());
      assertThat(agentLog).as("the agent never released commits to async").doesNotContain("releasing waiting commits");
      assertThat(after.asyncTransactions() - asyncBefore).as("commits acknowledged without a replica").isZero();
    }
  }

  private static void role(HaEnvironment env, String node, SemiSyncRole role) throws SQLException {
    try (Connection c = env.rootEndpoint(node).open()) {
      env.databases().dialect().configureSemiSync(c, role, Duration.ofSeconds(1));
    }
  }
}
