package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.sandbox.AgentProcess;
import dev.deneb.sandbox.ControllerGroupOptions;
import dev.deneb.sandbox.ControllerGroupSandbox;
import dev.deneb.sandbox.DatabaseSandbox;
import dev.deneb.sandbox.ProcessSupervisor;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent against controller faults on real processes (issue 3, "Done when" 3 and the agent-port
 * half of 7): the controller leader is SIGKILLed under a continuous writer with default Raft
 * settings; garbage on the agent port is logged and other agents keep their lease.
 */
class AgentControllerFaultsProcessTest {
  private static final Duration SETTLE = Duration.ofSeconds(90);

  @TempDir Path dir;

  @Test
  void leaderLossFencesNoPrimaryAndGarbageOnTheAgentPortHurtsNoOne() throws Exception {
    try (ProcessSupervisor agents = new ProcessSupervisor(Duration.ofSeconds(5));
        DatabaseSandbox dbs = DatabaseSandbox.start(1, dir.resolve("db"));
        ControllerGroupSandbox group = ControllerGroupSandbox.start(3, dir.resolve("controllers"),
            ControllerGroupOptions.defaults())) {
      String leader = group.awaitLeader();
      Api api = new Api(group.endpoint(leader));
      Fixtures.createCluster(api, dbs, "");
      Fixtures.bootstrap(api, "db1");
      Fixtures.prepareWrites(dbs);

      // Garbage on every member's agent port before the agent connects.
      for (String id : group.memberIds()) {
        try (Socket s = new Socket("127.0.0.1", group.member(id).agentPort())) {
          OutputStream out = s.getOutputStream();
          out.write("GET / HTTP/1.0\r\n\r\n\u0000\u0001\u0002 not grpc at all\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        }
      }

      AgentProcess agent = AgentProcess.start(agents, dir.resolve("agent-db1"), "orders", "db1",
          Fixtures.agentAddresses(group), dbs.endpoint(1, dbs.admin()), "");
      DatabaseEndpoint app = dbs.endpoint(1, dbs.app());
      await().atMost(SETTLE).pollInterval(Duration.ofMillis(50)).until(() -> Fixtures.tryWrite(app));
      for (String id : group.memberIds()) {
        await().atMost(SETTLE).until(() -> Files.readString(group.logOf(id)).contains("closed before a gRPC handshake"));
      }

      // A continuous writer, then SIGKILL the controller leader (default election timeouts, 3 s TTL).
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong failures = new AtomicLong();
      AtomicLong longestGapMs = new AtomicLong();
      Thread writer = new Thread(() -> {
        long lastOk = System.nanoTime();
        while (running.get()) {
          if (Fixtures.tryWrite(app)) {
            longestGapMs.accumulateAndGet((System.nanoTime() - lastOk) / 1_000_000, Math::max);
            lastOk = System.nanoTime();
          } else {
            failures.incrementAndGet();
          }
        }
      }, "writer");
      writer.start();
      long before = Files.readAllLines(agent.log()).size();
      group.kill(leader);
      String newLeader = group.awaitLeader();
      // Keep writing through at least two lease lifetimes after the new leader is known.
      long until = System.nanoTime() + Duration.ofSeconds(7).toNanos();
      await().atMost(Duration.ofSeconds(30)).until(() -> System.nanoTime() > until);
      running.set(false);
      writer.join();

      List<String> agentLog = Files.readAllLines(agent.log());
      List<String> during = agentLog.subList((int) before, agentLog.size());
      Fixtures.record("controller-leader SIGKILL: new leader " + newLeader + ", failed writes " + failures.get()
          + ", longest gap between successful writes " + longestGapMs.get() + " ms");
      assertThat(during).as("the agent fenced nothing while the leader changed").noneMatch(l -> l.contains("fencing db1"));
      assertThat(failures.get()).as("no client write failed").isZero();
      Api.Response p = new Api(group.endpoint(newLeader)).get("/v1/clusters/orders/primary");
      assertThat(p.body().get("node").asText()).isEqualTo("db1");
      assertThat(p.body().get("epoch").asLong()).isEqualTo(1);
    }
  }

}
