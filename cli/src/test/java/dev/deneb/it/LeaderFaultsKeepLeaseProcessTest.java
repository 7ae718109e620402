package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deneb.sandbox.ControllerGroupSandbox;
import dev.deneb.sandbox.HaEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Controller-leader faults never reach the primary (DESIGN §3.9 rules 2 and 3, §3.8 rows "a controller
 * minority lost or paused" and "the controller leader lost"; L3). With quorum leases the primary's
 * agent holds its lease while a majority of members granted a round, so losing any one member — the
 * leader included — must be invisible to clients.
 *
 * <p>Under a continuous writer on db1's direct connection, in a row: the current leader SIGKILLed and
 * restarted five times, the current leader SIGSTOPped for 10 s five times, then a follower SIGSTOPped
 * for 10 s. Before each fault the previous victim must be back: following a leader and granting db1's
 * lease again (otherwise the next fault would take a second member away, which is a majority loss).
 * Throughout, no write on db1 is refused, db1's agent never fences, and the epoch never changes.
 */
class LeaderFaultsKeepLeaseProcessTest {
  private static final Duration SETTLE = Duration.ofSeconds(90);
  /** How long a SIGSTOPped member stays frozen: more than three 3 s lease TTLs. */
  private static final Duration HOLD = Duration.ofSeconds(10);
  private static final int KILLS = 5;
  private static final int PAUSES = 5;
  /** What db1's agent logs when it fences its database or is told its lease is over (Agent, LeaseKeeper). */
  private static final List<String> FENCE_MARKS = List.of("fencing db1", "fencing it", ": fence db1",
      "LEASE_EXPIRING", "RENEWAL_REFUSED", "NOT_PRIMARY");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  @Test
  void leaderKillsLeaderPausesAndAFollowerPauseNeverFenceThePrimary() throws Exception {
    try (HaEnvironment env = HaEnvironment.start(dir, HaEnvironment.Options.defaults());
        DirectWriters writers = new DirectWriters(env, List.of("db1")).start()) {
      ControllerGroupSandbox group = env.controllers();
      Path agentLog = env.agent("db1").log();
      await().atMost(SETTLE).until(() -> writers.accepted("db1").size() > 50);
      for (String id : group.memberIds()) Probes.awaitGrantingDb1(group, id);
      assertThat(env.api().get("/v1/clusters/orders/history").body().get("history").size())
          .as("epochs before any fault (a failover already? see the controllers' logs for LEASE_LAPSED)").isEqualTo(1);
      long since = System.nanoTime();
      long acceptedBefore = writers.acceptedAfter("db1", 0);
      List<String> faults = new ArrayList<>();

      // ---- 5 × SIGKILL of the current leader, then its restart ----
      for (int i = 1; i <= KILLS; i++) {
        String leader = group.awaitLeader();
        long at = System.nanoTime();
        group.kill(leader);
        String next = group.awaitLeader();
        long electedMs = ms(System.nanoTime() - at);
        group.start(leader);
        Probes.awaitGrantingDb1(group, leader);
        faults.add("kill " + i + ": " + leader + " SIGKILLed, " + next + " led after " + electedMs + " ms, " + leader
            + " back and granting after " + ms(System.nanoTime() - at) + " ms");
        assertThat(violations(env, writers, since, agentLog)).as("after " + faults.get(faults.size() - 1)).isEmpty();
      }

      // ---- 5 × SIGSTOP of the current leader for 10 s ----
      for (int i = 1; i <= PAUSES; i++) {
        String leader = group.awaitLeader();
        String during = freeze(group, leader, env, writers, since, agentLog);
        faults.add("pause " + i + ": " + leader + " SIGSTOPped " + HOLD.toSeconds() + " s, " + during + " led meanwhile");
        assertThat(violations(env, writers, since, agentLog)).as("after " + faults.get(faults.size() - 1)).isEmpty();
      }

      // ---- SIGSTOP of one follower (a minority) for 10 s ----
      String leader = group.awaitLeader();
      String follower = group.memberIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      String during = freeze(group, follower, env, writers, since, agentLog);
      faults.add("follower pause: " + follower + " SIGSTOPped " + HOLD.toSeconds() + " s, leader " + leader + " (then "
          + during + ")");

      writers.close();
      long seconds = (System.nanoTime() - since) / 1_000_000_000L;
      faults.forEach(System.out::println);
      assertThat(violations(env, writers, since, agentLog)).as("what went wrong under the controller faults").isEmpty();
      assertThat(writers.acceptedAfter("db1", 0)).as("db1 kept accepting writes").isGreaterThan(acceptedBefore);
      assertThat(fenceLines(agentLog)).as("db1's agent log, whole run: it never fenced db1").isEmpty();
      assertThat(Fixtures.anyLogContains(group, "cluster orders epoch 1: LEASE_LAPSED"))
          .as("no leader ever found db1's lease lapsed").isFalse();
      JsonNode history = env.api().get("/v1/clusters/orders/history").body().get("history");
      assertThat(history.size()).as("the history has only the bootstrap epoch: " + history).isEqualTo(1);
      assertThat(env.api().primary("orders").orElseThrow()).as("the primary after the faults")
          .satisfies(p -> {
            assertThat(p.node()).isEqualTo("db1");
            assertThat(p.epoch()).isEqualTo(1);
          });
      Fixtures.record("leader faults keep the lease: " + KILLS + " leader SIGKILLs, " + PAUSES + " leader SIGSTOPs of "
          + HOLD.toSeconds() + " s, 1 follower SIGSTOP of " + HOLD.toSeconds() + " s in " + seconds + " s; "
          + writers.acceptedAfter("db1", since) + " writes accepted on db1, 0 refused, longest gap between them "
          + writers.longestGapMs("db1", since) + " ms; no fence, epoch 1 throughout");
    }
  }

  /**
   * SIGSTOPs {@code id} for {@link #HOLD}, checking all the while that nothing went wrong (the
   * Awaitility window is the hold: it ends early only on a violation, which then fails the test);
   * asks who leads while it is frozen, resumes it, and waits until it grants db1's lease again.
   *
   * @return the leader while {@code id} was frozen
   */
  private static String freeze(ControllerGroupSandbox group, String id, HaEnvironment env, DirectWriters writers, long since,
      Path agentLog) {
    List<String> seen = new CopyOnWriteArrayList<>();
    String during;
    group.pause(id);
    try {
      try {
        await().during(HOLD).atMost(HOLD.plusSeconds(10)).pollInterval(Duration.ofMillis(250)).until(() -> {
          List<String> v = violations(env, writers, since, agentLog);
          if (!v.isEmpty() && seen.isEmpty()) seen.addAll(v);
          return seen.isEmpty();
        });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("while " + id + " was SIGSTOPped: " + seen, e);
      }
      during = group.awaitLeader();
    } finally {
      group.resume(id);
    }
    Probes.awaitGrantingDb1(group, id);
    return during;
  }

  /** Every refused write on db1 since {@code since} and every fence line in its agent's log. */
  static List<String> violations(HaEnvironment env, DirectWriters writers, long since, Path agentLog)
      throws IOException {
    List<String> out = new ArrayList<>();
    writers.refusedAfter("db1", since).stream().limit(3)
        .forEach(r -> out.add("a write on db1 was refused " + ms(r.atNanos() - since) + " ms in: " + r.error()));
    fenceLines(agentLog).stream().limit(5).forEach(l -> out.add("db1's agent: " + l));
    return out;
  }

  static List<String> fenceLines(Path agentLog) throws IOException {
    return Files.readAllLines(agentLog).stream().filter(l -> FENCE_MARKS.stream().anyMatch(l::contains)).toList();
  }


  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }
}
