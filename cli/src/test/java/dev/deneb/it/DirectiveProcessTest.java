package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.sandbox.AgentProcess;
import dev.deneb.sandbox.ControllerGroupOptions;
import dev.deneb.sandbox.ControllerGroupSandbox;
import dev.deneb.sandbox.DatabaseSandbox;
import dev.deneb.sandbox.ProcessSupervisor;
import java.nio.file.Files;
import java.nio.file.Path;
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
      Fixtures.createCluster(api, dbs, "");
      Fixtures.bootstrap(api, "db1");
      Fixtures.prepareWrites(dbs);
      Path agentDir = dir.resolve("agent-db1");
      AgentProcess agent = AgentProcess.start(agents, agentDir, "orders", "db1",
          Fixtures.agentAddresses(group), dbs.endpoint(1, dbs.admin()), "");
      DatabaseEndpoint app = dbs.endpoint(1, dbs.app());
      await().atMost(SETTLE).pollInterval(Duration.ofMillis(50)).until(() -> Fixtures.tryWrite(app));

      // A manual failover to db2 begins epoch 2: db1 is ordered to fence, does, and says so.
      Api.Response begun = api.post("/v1/clusters/orders/failover", "{\"to\":\"db2\",\"reason\":\"test\"}");
      assertThat(begun.status()).as(begun.body().toString()).isEqualTo(202);
      assertThat(begun.body().at("/workflow/targetEpoch").asLong()).isEqualTo(2);
      await().atMost(SETTLE).until(() -> !Fixtures.tryWrite(app));
      await().atMost(SETTLE).until(() -> Files.readString(agent.log()).contains("directive orders/2/fence/db1: fenced"));
      await().atMost(SETTLE).until(() -> Fixtures.anyLogContains(group, "acknowledged directive orders/2/fence/db1: done"));

      // Abort: epoch 2 now names db1 again; its agent renews for epoch 2 and lifts read-only.
      Api.Response aborted = api.post("/v1/clusters/orders/abort", "{\"reason\":\"test\"}");
      assertThat(aborted.status()).as(aborted.body().toString()).isEqualTo(200);
      assertThat(aborted.body().get("epoch").asLong()).isEqualTo(2);
      assertThat(aborted.body().get("primary").asText()).isEqualTo("db1");
      await().atMost(SETTLE).pollInterval(Duration.ofMillis(50)).until(() -> Fixtures.tryWrite(app));

      // An agent that has seen epoch 9 (persisted) refuses the fence order of epoch 3, and logs why.
      agent.kill();
      Files.writeString(agentDir.resolve("state").resolve("highest-epoch"), "9\n");
      agent.start();
      Api.Response again = api.post("/v1/clusters/orders/failover", "{\"to\":\"db2\"}");
      assertThat(again.status()).as(again.body().toString()).isEqualTo(202);
      await().atMost(SETTLE).until(() -> Files.readString(agent.log())
          .contains("refusing directive orders/3/fence/db1"));
      await().atMost(SETTLE).until(() -> Fixtures.anyLogContains(group, "refused directive orders/3/fence/db1 as stale"));
      assertThat(Files.readString(agent.log())).doesNotContain("directive orders/3/fence/db1: fenced");
    }
  }

}
