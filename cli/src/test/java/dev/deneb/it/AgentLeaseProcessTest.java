package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.sandbox.AgentProcess;
import dev.deneb.sandbox.ControllerGroupOptions;
import dev.deneb.sandbox.ControllerGroupSandbox;
import dev.deneb.sandbox.DatabaseSandbox;
import dev.deneb.sandbox.ProcessSupervisor;
import dev.deneb.sandbox.ToxiproxySandbox;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The primary's lease end to end on real processes (issue 3, "Done when" 1 and 2): three controller
 * JVMs, three MariaDB servers, the primary's agent JVM, and a Toxiproxy link between the agent and
 * each controller member.
 */
class AgentLeaseProcessTest {
  private static final long TTL_MS = 3000;
  private static final Duration SETTLE = Duration.ofSeconds(90);

  @TempDir Path dir;

  @Test
  void theAgentFencesItsPrimaryWhenCutOffAndTheGuardFencesItWhenTheAgentDies() throws Exception {
    try (ProcessSupervisor agents = new ProcessSupervisor(Duration.ofSeconds(5));
        DatabaseSandbox dbs = DatabaseSandbox.start(3, dir.resolve("db"));
        ToxiproxySandbox toxiproxy = ToxiproxySandbox.start(dir.resolve("toxiproxy"));
        ControllerGroupSandbox group = ControllerGroupSandbox.start(3, dir.resolve("controllers"),
            ControllerGroupOptions.defaults().withElectionTimeout(Duration.ofMillis(500), Duration.ofMillis(1000)))) {
      String leader = group.awaitLeader();
      Api api = new Api(group.endpoint(leader));
      Fixtures.createCluster(api, dbs, "\"leaseTtlMs\":" + TTL_MS);
      String primary = dbs.node(1).id();
      Fixtures.bootstrap(api, primary);
      Fixtures.prepareWrites(dbs);

      // The agent reaches each controller member only through its own Toxiproxy link.
      List<ToxiproxySandbox.Link> links = new ArrayList<>();
      for (String id : group.memberIds()) {
        links.add(toxiproxy.proxy("agent-" + id, group.member(id).agentAddress()));
      }
      AgentProcess agent = AgentProcess.start(agents, dir.resolve("agent-" + primary), "orders", primary,
          links.stream().map(ToxiproxySandbox.Link::listenAddress).toList(), dbs.endpoint(1, dbs.admin()), "");
      DatabaseEndpoint app = dbs.endpoint(1, dbs.app());

      awaitWritable(app, agent, true);

      // 1. Cut every agent-controller link: the agent must fence before its lease TTL has passed since
      //    the last accepted renewal (which was at or before the cut).
      long cutAt = System.nanoTime();
      links.forEach(ToxiproxySandbox.Link::cut);
      awaitWritable(app, agent, false);
      long fenceDelayMs = (System.nanoTime() - cutAt) / 1_000_000;
      Fixtures.record("agent-partition fence delay " + fenceDelayMs + " ms (TTL " + TTL_MS + " ms)");
      assertThat(fenceDelayMs).as("fenced before the lease TTL ran out").isLessThan(TTL_MS);

      // While it has no lease, a crashed and restarted mysqld comes up read-only and stays so.
      dbs.node(1).kill();
      dbs.node(1).restart();
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> !Fixtures.tryWrite(app));

      // Restoring the links before any failover: the lease is renewed and the primary writable again
      // (the agent notices the restarted server is read-only and lifts it only now that it holds the lease).
      links.forEach(ToxiproxySandbox.Link::restore);
      awaitWritable(app, agent, true);

      // 2. SIGKILL the agent: the in-database guard makes the primary read-only within TTL + 1 s.
      long killedAt = System.nanoTime();
      agent.kill();
      awaitWritable(app, null, false);
      long guardDelayMs = (System.nanoTime() - killedAt) / 1_000_000;
      Fixtures.record("agent-SIGKILL guard delay " + guardDelayMs + " ms (TTL " + TTL_MS + " ms)");
      assertThat(guardDelayMs).as("the guard fenced within TTL + 1 s").isLessThan(TTL_MS + 1000);

      // The API still names the same primary and epoch throughout.
      Api.Response p = api.get("/v1/clusters/orders/primary");
      assertThat(p.body().get("node").asText()).isEqualTo(primary);
      assertThat(p.body().get("epoch").asLong()).isEqualTo(1);
    }
  }

  /** Polls with a real application write: the only test of "accepts writes" that cannot lie. */
  private static void awaitWritable(DatabaseEndpoint app, AgentProcess agent, boolean writable) {
    try {
      await().atMost(SETTLE).pollInterval(Duration.ofMillis(20)).until(() -> Fixtures.tryWrite(app) == writable);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      String log = "";
      try {
        if (agent != null) log = String.join("\n", Fixtures.tail(agent.log(), 40));
      } catch (java.io.IOException ignored) {
        // best effort: the assertion below says what failed either way
      }
      throw new AssertionError("primary did not become " + (writable ? "writable" : "read-only") + "; agent log:\n" + log, e);
    }
  }

}
