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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN §3.8: the primary's agent process dies and restarts within the lease TTL — invisible to
 * clients: the restarted agent resumes the lease its lease row records, and no write fails. (The
 * TTL is 8 s here so that a JVM start on a loaded CI machine fits inside it.)
 */
class AgentRestartProcessTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  @Test
  void anAgentRestartWithinTheTtlIsInvisible() throws Exception {
    try (ProcessSupervisor agents = new ProcessSupervisor(Duration.ofSeconds(5));
        DatabaseSandbox dbs = DatabaseSandbox.start(1, dir.resolve("db"));
        ControllerGroupSandbox group = ControllerGroupSandbox.start(3, dir.resolve("controllers"),
            ControllerGroupOptions.defaults())) {
      Api api = new Api(group.endpoint(group.awaitLeader()));
      Fixtures.createCluster(api, dbs, "\"leaseTtlMs\":8000");
      Fixtures.bootstrap(api, "db1");
      Fixtures.prepareWrites(dbs);
      AgentProcess agent = AgentProcess.start(agents, dir.resolve("agent-db1"), "orders", "db1",
          Fixtures.agentAddresses(group), dbs.endpoint(1, dbs.admin()), "");
      DatabaseEndpoint app = dbs.endpoint(1, dbs.app());
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> Fixtures.tryWrite(app));
      // Let the lease row be refreshed with the 8 s TTL before the restart.
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(agent.log()).contains("making db1 writable"));

      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong failures = new AtomicLong();
      Thread writer = new Thread(() -> {
        while (running.get()) {
          if (!Fixtures.tryWrite(app)) failures.incrementAndGet();
        }
      }, "writer");
      writer.start();
      long killedAt = System.nanoTime();
      agent.kill();
      agent.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(agent.log()).contains("resumed, the database stays writable"));
      long resumedMs = (System.nanoTime() - killedAt) / 1_000_000;
      // Keep writing through more than one lease lifetime after the restart.
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      await().atMost(Duration.ofSeconds(30)).until(() -> System.nanoTime() > until);
      running.set(false);
      writer.join();
      Fixtures.record("agent restart: lease resumed " + resumedMs + " ms after SIGKILL, failed writes " + failures.get());
      assertThat(failures.get()).as("writes failed across an agent restart within the TTL").isZero();
    }
  }
}
