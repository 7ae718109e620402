package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.fencing.dialect.ReadOnlyLevel;
import dev.deneb.sandbox.AgentProcess;
import dev.deneb.sandbox.ControllerGroupOptions;
import dev.deneb.sandbox.ControllerGroupSandbox;
import dev.deneb.sandbox.DatabaseSandbox;
import dev.deneb.sandbox.ProcessSupervisor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directives on real processes (issue 3, "Done when" 4, first half): a manual failover orders the
 * primary being replaced to fence (it does, and acknowledges); an abort hands it the new epoch and
 * it becomes writable again; an agent that has seen a higher epoch refuses the order and logs it (S3).
 */
class DirectiveProcessTest {
  private static final Duration SETTLE = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void fenceDirectivesAreCarriedOutAndStaleOnesRefused() throws Exception {
    try (ProcessSupervisor agents = new ProcessSupervisor(Duration.ofSeconds(5));
        DatabaseSandbox dbs = DatabaseSandbox.start(2, dir.resolve("db"));
        ControllerGroupSandbox group = ControllerGroupSandbox.start(3, dir.resolve("controllers"),
            ControllerGroupOptions.defaults().withElectionTimeout(Duration.ofMillis(500), Duration.ofMillis(1000)))) {
      String leader = group.awaitLeader();
      Api api = new Api(group.endpoint(leader));
      assertThat(api.post("/v1/clusters", "{\"name\":\"orders\"}").status()).isEqualTo(201);
      for (int i = 1; i <= 2; i++) {
        assertThat(api.post("/v1/clusters/orders/nodes", "{\"node\":\"db" + i + "\",\"host\":\"127.0.0.1\",\"port\":"
            + dbs.node(i).port() + "}").status()).isEqualTo(201);
      }
      assertThat(api.post("/v1/clusters/orders/bootstrap", "{\"primary\":\"db1\"}").status()).isEqualTo(200);
      try (Connection c = dbs.endpoint(1, dbs.root()).open(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE app.writes (id BIGINT AUTO_INCREMENT PRIMARY KEY)");
        dbs.dialect().setReadOnlyLevel(c, ReadOnlyLevel.READ_ONLY);
      }
      Path agentDir = dir.resolve("agent-db1");
      AgentProcess agent = AgentProcess.start(agents, agentDir, "orders", "db1",
          group.memberIds().stream().map(id -> group.member(id).agentAddress()).toList(), dbs.endpoint(1, dbs.admin()), "");
      DatabaseEndpoint app = dbs.endpoint(1, dbs.app());
      await().atMost(SETTLE).pollInterval(Duration.ofMillis(50)).until(() -> tryWrite(app));

      // A manual failover to db2 begins epoch 2: db1 is ordered to fence, does, and says so.
      Api.Response begun = api.post("/v1/clusters/orders/failover", "{\"to\":\"db2\",\"reason\":\"test\"}");
      assertThat(begun.status()).as(begun.body().toString()).isEqualTo(202);
      assertThat(begun.body().at("/workflow/targetEpoch").asLong()).isEqualTo(2);
      await().atMost(SETTLE).until(() -> !tryWrite(app));
      await().atMost(SETTLE).until(() -> Files.readString(agent.log()).contains("directive orders/2/fence/db1: fenced"));
      await().atMost(SETTLE).until(() -> anyLogContains(group, "acknowledged directive orders/2/fence/db1: done"));

      // Abort: epoch 2 now names db1 again; its agent renews for epoch 2 and lifts read-only.
      Api.Response aborted = api.post("/v1/clusters/orders/abort", "{\"reason\":\"test\"}");
      assertThat(aborted.status()).as(aborted.body().toString()).isEqualTo(200);
      assertThat(aborted.body().get("epoch").asLong()).isEqualTo(2);
      assertThat(aborted.body().get("primary").asText()).isEqualTo("db1");
      await().atMost(SETTLE).pollInterval(Duration.ofMillis(50)).until(() -> tryWrite(app));

      // An agent that has seen epoch 9 (persisted) refuses the fence order of epoch 3, and logs why.
      agent.kill();
      Files.writeString(agentDir.resolve("state").resolve("highest-epoch"), "9\n");
      agent.start();
      Api.Response again = api.post("/v1/clusters/orders/failover", "{\"to\":\"db2\"}");
      assertThat(again.status()).as(again.body().toString()).isEqualTo(202);
      await().atMost(SETTLE).until(() -> Files.readString(agent.log())
          .contains("refusing directive orders/3/fence/db1"));
      await().atMost(SETTLE).until(() -> anyLogContains(group, "refused directive orders/3/fence/db1 as stale"));
      assertThat(Files.readString(agent.log())).doesNotContain("directive orders/3/fence/db1: fenced");
    }
  }

  private static boolean anyLogContains(ControllerGroupSandbox group, String text) throws java.io.IOException {
    for (String id : group.memberIds()) {
      if (Files.readString(group.logOf(id)).contains(text)) return true;
    }
    return false;
  }

  private static boolean tryWrite(DatabaseEndpoint app) {
    try (Connection c = app.open(); Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO app.writes () VALUES ()");
      return true;
    } catch (SQLException e) {
      return false;
    }
  }
}
