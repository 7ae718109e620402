package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deneb.sandbox.HaEnvironment;
import dev.deneb.sandbox.workload.Writer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4, Done when 4 (DESIGN S5): the controller leader is SIGKILLed right after it committed
 * {@code FAILOVER_BEGUN}; the new leader finishes that same workflow from its committed step and
 * exactly one new epoch results.
 *
 * <p>To hold the workflow at {@code BEGUN} long enough to kill the leader there, the primary's mysqld
 * is SIGKILLed and, once the leader has seen that report, the primary's agent is frozen (SIGSTOP):
 * the failover begins on the agent's last report, but the fence acknowledgement never comes, so the
 * leader waits at BEGUN for the lease lapse (§3.2 step 6). The new leader counts the lapse from its
 * own takeover, so it, too, waits at BEGUN before it goes on — the window this test needs.
 *
 * <p>Semi-sync durability: the candidate choice is then always SAFE (an async cluster could
 * promote a lossy candidate after {@code candidateWait}, a path that is not under test here), and
 * "no acknowledged write lost across the leader's death" is a real check.
 */
class LeaderKillDuringFailoverProcessTest {
  private static final Duration SETTLE = Duration.ofSeconds(90);
  /**
   * A longer downGrace than the default 500 ms gives the test room to freeze the agent between the
   * leader's first "mysqld down" report and the failover's start; reports stay evidence for 3 s so
   * the frozen agent's last one still counts when the grace ends.
   */
  private static final String FAILOVER_YAML = "failover:\n  downGrace: 1500ms\n  reportStaleAfter: 3s\n";

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) java.nio.file.Path dir;

  @Test
  void aNewLeaderFinishesTheSameWorkflowAndOnlyOneEpochResults() throws Exception {
    try (HaEnvironment env = HaEnvironment.start(dir, HaEnvironment.Options.defaults().withDurability("semi-sync")
        .withControllerYaml(FAILOVER_YAML))) {
      Writer writer = new Writer("w1", 1, env::primaryTarget).start();
      await().atMost(SETTLE).until(() -> writer.acks().size() > 100);
      String oldLeader = env.controllers().awaitLeader();
      Api leaderApi = new Api(env.controllers().endpoint(oldLeader));

      long killedAt = System.nanoTime();
      env.db("db1").kill();
      await().atMost(SETTLE).pollInterval(Duration.ofMillis(20)).until(() -> reason(leaderApi).equals("PRIMARY_DOWN_WITHIN_GRACE"));
      env.agent("db1").pause();
      long pausedAt = System.nanoTime();

      // BEGUN is committed; the leader now waits for a fence acknowledgement that cannot come.
      AtomicReference<JsonNode> begun = new AtomicReference<>();
      await().atMost(SETTLE).pollInterval(Duration.ofMillis(20)).until(() -> {
        Api.Response r = leaderApi.getOrNull("/v1/clusters/orders?stale=true");
        if (r == null || r.status() != 200 || !r.body().path("workflow").isObject()) return false;
        begun.set(r.body().get("workflow"));
        return true;
      });
      JsonNode w = begun.get();
      assertThat(w.get("step").asText()).as("the workflow must still be at BEGUN when the leader dies: " + w).isEqualTo("begun");
      assertThat(w.get("kind").asText()).isEqualTo("failover");
      assertThat(w.get("targetEpoch").asLong()).isEqualTo(2);
      assertThat(w.get("automatic").asBoolean()).isTrue();
      long begunSeenAt = System.nanoTime();
      env.controllers().kill(oldLeader);
      long leaderKilledAt = System.nanoTime();

      String newLeader = env.controllers().awaitLeader(SETTLE);
      long newLeaderAt = System.nanoTime();
      assertThat(newLeader).isNotEqualTo(oldLeader);
      Api newApi = new Api(env.controllers().endpoint(newLeader));

      // The same workflow (same begin time, same target epoch), still in flight under the new leader.
      JsonNode after = newApi.get("/v1/clusters/orders").body().get("workflow");
      assertThat(after.get("targetEpoch").asLong()).isEqualTo(2);
      assertThat(after.get("begunAtMillis").asLong()).isEqualTo(w.get("begunAtMillis").asLong());
      assertThat(after.get("reason").asText()).isEqualTo(w.get("reason").asText());

      // Watch every step the workflow passes through until it completes.
      List<String> steps = new ArrayList<>();
      await().atMost(SETTLE).pollInterval(Duration.ofMillis(50)).until(() -> {
        Api.Response r = newApi.getOrNull("/v1/clusters/orders?stale=true");
        if (r == null || r.status() != 200) return false;
        JsonNode wf = r.body().path("workflow");
        if (wf.isObject()) {
          assertThat(wf.get("begunAtMillis").asLong()).as("a second workflow was begun").isEqualTo(w.get("begunAtMillis").asLong());
          String step = wf.get("step").asText();
          if (steps.isEmpty() || !steps.get(steps.size() - 1).equals(step)) steps.add(step);
          return false;
        }
        return r.body().get("epoch").asLong() >= 2;
      });
      long completedAt = System.nanoTime();
      String second = env.api().primary("orders").orElseThrow().node();
      assertThat(second).isNotEqualTo("db1");

      // Exactly one new epoch: history is [1, 2] and stays so.
      JsonNode history = newApi.get("/v1/clusters/orders/history").body().get("history");
      List<Long> epochs = new ArrayList<>();
      history.forEach(h -> epochs.add(h.get("epoch").asLong()));
      assertThat(epochs).containsExactly(1L, 2L);
      assertThat(history.get(1).get("primary").asText()).isEqualTo(second);
      assertThat(newApi.get("/v1/clusters/orders").body().get("epoch").asLong()).isEqualTo(2);

      // The new leader continued from the committed step: it never began a workflow of its own.
      String log = Files.readString(env.controllers().logOf(newLeader));
      assertThat(log).contains("orchestrating 1 cluster(s) from their committed steps");
      assertThat(log).contains("CANDIDATE_SAFE").contains("PROMOTION_CONFIRMED").contains("WORKFLOW_DONE");
      // The frozen agent never confirms: the fence step was the lease lapse, committed by whichever
      // leader was in office when the bound passed.
      assertThat(Fixtures.anyLogContains(env.controllers(), "FENCED_BY_LEASE_LAPSE")).isTrue();
      assertThat(log).doesNotContain("committed BEGIN_WORKFLOW");
      // Another member decided the begin — on the agent's down reports or, once the frozen agent stops
      // reporting, on the lapsed lease (decision lines are logged before the commit; the "committed"
      // line may be lost to the SIGKILL). Leadership may have moved before the kill, so any member
      // other than the new leader will do.
      boolean decidedElsewhere = false;
      for (String id : env.controllers().memberIds()) {
        String other = Files.readString(env.controllers().logOf(id));
        if (!id.equals(newLeader) && (other.contains("PRIMARY_MYSQLD_DOWN —") || other.contains("LEASE_LAPSED —")
            || other.contains("committed BEGIN_WORKFLOW"))) {
          decidedElsewhere = true;
        }
      }
      assertThat(decidedElsewhere).as("a member other than the new leader decided the begin").isTrue();

      // Semi-sync: no write acknowledged before, during or after the leader's death is lost.
      await().atMost(SETTLE).until(() -> writer.acks().stream().filter(a -> a.epoch() == 2).count() > 50);
      writer.close();
      Set<Long> onNew = Probes.rows(env.appEndpoint(second));
      Set<Long> lost = writer.acks().stream().map(Writer.Ack::id).filter(id -> !onNew.contains(id)).collect(Collectors.toSet());
      assertThat(lost).as("acknowledged writes missing on the new primary").isEmpty();

      Fixtures.record("leader kill at BEGUN: steps under the new leader " + steps + "; agent frozen "
          + ms(pausedAt - killedAt) + " ms after the mysqld kill, BEGUN seen at " + ms(begunSeenAt - killedAt)
          + " ms, leader " + oldLeader + " SIGKILLed at " + ms(leaderKilledAt - killedAt) + " ms, new leader " + newLeader
          + " after " + ms(newLeaderAt - leaderKilledAt) + " ms, workflow complete " + ms(completedAt - leaderKilledAt)
          + " ms after the leader kill; writes accepted on " + second + " after " + writer.longestGapAfter(killedAt).toMillis()
          + " ms (client-observed); acks " + writer.acks().size() + ", lost 0");

      // Undo the freeze so the old primary's agent sees epoch 2 (and the environment closes cleanly).
      env.agent("db1").resume();
      assertThat(env.controllers().leaderId()).isPresent();
    }
  }

  private static String reason(Api api) {
    Api.Response r = api.getOrNull("/v1/clusters/orders/explain");
    return r == null || r.status() != 200 ? "" : r.body().path("reason").asText();
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }
}
