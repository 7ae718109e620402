package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.sandbox.HaEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The finding of the 30-minute semi-sync Jepsen run (docs/jepsen.md): the primary's host freezes
 * (agent and mysqld SIGSTOPped) with a client's write in flight; its lease lapses and a replica takes
 * over. When the old primary resumes it executes that write, and a replica still attached to it
 * would acknowledge it, so semi-sync would return it to the client as committed although the new
 * primary never has it (S4). With the replicas detached before the candidate is chosen, no one
 * acknowledges: the commit waits for the semi-sync timeout, and the resumed agent's fence kills the
 * session first. The write must never be reported committed.
 */
class FrozenPrimaryProcessTest {
  private static final Duration SETTLE = Duration.ofSeconds(90);
  private static final long WRITE_ID = 777_000_001L;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  @Test
  void aFrozenPrimaryThatResumesAfterAFailoverCannotAcknowledgeItsInFlightWrite() throws Exception {
    try (HaEnvironment env = HaEnvironment.start(dir, HaEnvironment.Options.defaults().withDurability("semi-sync"))) {
      awaitSemiSyncPrimary(env);
      // Long enough to outlive the freeze and the failover: the client waits for its answer.
      DatabaseEndpoint patient = env.appEndpoint("db1").withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(60));
      try (Connection c = patient.open(); Statement s = c.createStatement()) {
        env.agent("db1").pause();
        env.db("db1").pause();
        long frozeAt = System.nanoTime();
        CompletableFuture<Integer> inFlight = insertAsync(s, WRITE_ID);
        // Resume as soon as the candidate is chosen: the replicas are repointed only after discovery
        // names the new primary, so until then a replica that had not detached would still be
        // attached to db1 — the window the 30-minute run found.
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(20)).until(() -> Probes.workflowStep(env).map(st -> List.of(
            "candidate_chosen", "promoted", "discovery_published", "repointed").contains(st))
            .orElseGet(() -> env.api().primary("orders").filter(p -> p.epoch() == 2).isPresent()));
        long failedOverMs = (System.nanoTime() - frozeAt) / 1_000_000;
        String stepAtResume = Probes.workflowStep(env).orElse("done");
        // The host resumes as the Jepsen heal does it: mysqld first, then the agent.
        long resumedAt = System.nanoTime();
        env.db("db1").resume();
        env.agent("db1").resume();
        Throwable outcome = inFlight.handle((rows, error) -> error).get(60, TimeUnit.SECONDS);
        long answeredMs = (System.nanoTime() - resumedAt) / 1_000_000;
        assertThat(outcome).as("the write sent to the frozen primary must not be reported committed").isNotNull();

        await().atMost(SETTLE).until(() -> env.api().primary("orders").filter(p -> p.epoch() == 2).isPresent());
        String next = env.api().primary("orders").orElseThrow().node();
        String other = List.of("db2", "db3").stream().filter(n -> !n.equals(next)).findFirst().orElseThrow();
        // Both replicas stopped receiving from db1 before the choice, and the one not chosen
        // replicates from the new primary once the workflow is done.
        for (String replica : List.of(next, other)) {
          assertThat(Files.readString(env.agent(replica).log())).as(replica + "'s agent log")
              .contains("directive orders/2/detach/" + replica + ": stopped receiving from db1");
        }
        Probes.awaitReplicatingFrom(env, other, next);
        assertThat(Probes.rows(env.appEndpoint(next))).as("the old primary's late write never reaches the new primary")
            .doesNotContain(WRITE_ID);
        Fixtures.record("frozen primary (semi-sync): " + next + " chosen " + failedOverMs + " ms after the freeze; db1 resumed at "
            + stepAtResume + "; its in-flight write failed " + answeredMs + " ms later (" + rootMessage(outcome) + ")");
      }
    }
  }

  /**
   * The 30-minute run's second finding (docs/jepsen.md): a commit already waiting for its
   * acknowledgement when the host froze. The server timed that wait from the commit's start on its
   * wall clock, so when it resumed after the failover the timeout had long passed and it returned
   * the write as committed at once, before its agent could fence. The server now has no timeout of
   * its own; only the agent, while its lease runs, lets a stuck commit go.
   */
  @Test
  void aCommitWaitingForItsAcknowledgementWhenTheHostFreezesIsNotAcknowledgedAfterTheFailover() throws Exception {
    try (HaEnvironment env = HaEnvironment.start(dir, HaEnvironment.Options.defaults().withDurability("semi-sync"))) {
      awaitSemiSyncPrimary(env);
      DatabaseEndpoint patient = env.appEndpoint("db1").withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(60));
      try (Connection c = patient.open(); Statement s = c.createStatement(); Connection root = env.rootEndpoint("db1").open()) {
        // No replica receives any more, so the next commit waits for an acknowledgement.
        for (String replica : List.of("db2", "db3")) {
          try (Connection r = env.rootEndpoint(replica).open(); Statement st = r.createStatement()) {
            st.execute("STOP REPLICA IO_THREAD");
          }
        }
        // The host freezes the way pause-host freezes it, with the write already waiting: the agent
        // first (so it cannot let the commit go), then mysqld once the commit waits.
        env.agent("db1").pause();
        CompletableFuture<Integer> waiting = insertAsync(s, WRITE_ID + 1);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
            .until(() -> env.databases().dialect().semiSyncStatus(root).waitingSessions() >= 1);
        env.db("db1").pause();
        long frozeAt = System.nanoTime();
        await().atMost(SETTLE).until(() -> env.api().primary("orders").filter(p -> p.epoch() == 2).isPresent());
        long failedOverMs = (System.nanoTime() - frozeAt) / 1_000_000;
        long resumedAt = System.nanoTime();
        env.db("db1").resume();
        env.agent("db1").resume();
        Throwable outcome = waiting.handle((rows, error) -> error).get(60, TimeUnit.SECONDS);
        long answeredMs = (System.nanoTime() - resumedAt) / 1_000_000;
        assertThat(outcome).as("the write waiting when the host froze must not be reported committed").isNotNull();
        String next = env.api().primary("orders").orElseThrow().node();
        assertThat(Probes.rows(env.appEndpoint(next))).doesNotContain(WRITE_ID + 1);
        assertThat(Files.readString(env.agent("db1").log())).as("db1's agent never let the stuck commit go")
            .doesNotContain("semi-sync on db1: released");
        Fixtures.record("frozen primary with a commit waiting (semi-sync): " + next + " primary of epoch 2 " + failedOverMs
            + " ms after the freeze; the waiting write failed " + answeredMs + " ms after the resume ("
            + rootMessage(outcome) + ")");
      }
    }
  }

  /** db1 primary, both replicas receiving from it, and a write acknowledged by semi-sync. */
  static void awaitSemiSyncPrimary(HaEnvironment env) {
    Probes.awaitReplicatingFrom(env, "db2", "db1");
    Probes.awaitReplicatingFrom(env, "db3", "db1");
    await().atMost(SETTLE).until(() -> Fixtures.tryWrite(env.appEndpoint("db1")) && semiSyncActive(env, "db1"));
  }

  private static CompletableFuture<Integer> insertAsync(Statement s, long id) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return s.executeUpdate("INSERT INTO app.writes (id, node, epoch) VALUES (" + id + ", 'db1', 1)");
      } catch (SQLException e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    });
  }

  static boolean semiSyncActive(HaEnvironment env, String node) throws SQLException {
    try (Connection c = env.rootEndpoint(node).open()) {
      return env.databases().dialect().semiSyncStatus(c).primaryActive();
    }
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) t = t.getCause();
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
