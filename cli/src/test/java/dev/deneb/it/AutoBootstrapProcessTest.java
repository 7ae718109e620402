package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deneb.sandbox.AgentProcess;
import dev.deneb.sandbox.ControllerGroupOptions;
import dev.deneb.sandbox.ControllerGroupSandbox;
import dev.deneb.sandbox.DatabaseSandbox;
import dev.deneb.sandbox.ProcessSupervisor;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3, "Controller side": with agents on every node of an unambiguous topology (db2 and db3
 * replicate from db1, which replicates from no one), the controllers bootstrap epoch 1 on db1 by
 * themselves.
 */
class AutoBootstrapProcessTest {
  @TempDir Path dir;

  @Test
  void anUnambiguousTopologyIsBootstrappedFromAgentReports() throws Exception {
    try (ProcessSupervisor agents = new ProcessSupervisor(Duration.ofSeconds(5));
        DatabaseSandbox dbs = DatabaseSandbox.start(3, dir.resolve("db"));
        ControllerGroupSandbox group = ControllerGroupSandbox.start(3, dir.resolve("controllers"),
            ControllerGroupOptions.defaults().withElectionTimeout(Duration.ofMillis(500), Duration.ofMillis(1000)))) {
      Api api = new Api(group.endpoint(group.awaitLeader()));
      Fixtures.createCluster(api, dbs, "");
      for (int i = 1; i <= 3; i++) {
        AgentProcess.start(agents, dir.resolve("agent-db" + i), "orders", "db" + i, Fixtures.agentAddresses(group),
            dbs.endpoint(i, dbs.admin()), "");
      }
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
          Api.Response r = api.getOrNull("/v1/clusters/orders/primary");
          return r != null && r.status() == 200;
        });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        StringBuilder why = new StringBuilder();
        for (String id : group.memberIds()) {
          for (String line : java.nio.file.Files.readAllLines(group.logOf(id))) {
            if (line.contains("bootstrap")) why.append(id).append(": ").append(line).append('\n');
          }
        }
        for (int i = 1; i <= 3; i++) {
          why.append("agent db").append(i).append(":\n").append(String.join("\n",
              Fixtures.tail(dir.resolve("agent-db" + i).resolve("agent.log"), 15))).append('\n');
        }
        throw new AssertionError("no automatic bootstrap; the controllers said:\n" + why, e);
      }
      Api.Response p = api.get("/v1/clusters/orders/primary");
      assertThat(p.body().get("epoch").asLong()).isEqualTo(1);
      assertThat(p.body().get("node").asText()).isEqualTo("db1");
      assertThat(api.get("/v1/clusters/orders/history").body().at("/history/0/reason").asText()).startsWith("automatic:");
    }
  }
}
