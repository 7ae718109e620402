package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deneb.sandbox.ControllerGroupOptions;
import dev.deneb.sandbox.ControllerGroupSandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller group as separate JVM processes on 127.0.0.1 (issue 2, "Done when" 3): writes
 * through a follower, reads from every member, leader SIGKILL, catch-up through a snapshot install
 * after the log was purged, and quorum arithmetic on a 5-member group.
 */
class ControllerGroupProcessTest {
  private static final Duration SETTLE = Duration.ofSeconds(60);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  @Test
  void threeMembersSurviveLeaderLossAndALaggardCatchesUpThroughASnapshot() throws Exception {
    ControllerGroupOptions options = ControllerGroupOptions.defaults()
        .withElectionTimeout(Duration.ofMillis(500), Duration.ofMillis(1000))
        .withSnapshotThreshold(40)
        .withSegmentSize("16KB");
    try (ControllerGroupSandbox group = ControllerGroupSandbox.start(3, dir, options)) {
      String leader = group.awaitLeader();
      String follower = group.memberIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      Api viaFollower = new Api(group.endpoint(follower));

      // Create and bootstrap through a follower: the write reaches the leader through Raft.
      assertThat(viaFollower.post("/v1/clusters", "{\"name\":\"orders\"}").status()).isEqualTo(201);
      for (int i = 1; i <= 3; i++) {
        assertThat(viaFollower.post("/v1/clusters/orders/nodes",
            "{\"node\":\"db" + i + "\",\"host\":\"127.0.0.1\",\"port\":" + (3306 + i) + "}").status()).isEqualTo(201);
      }
      Api.Response boot = viaFollower.post("/v1/clusters/orders/bootstrap", "{\"primary\":\"db1\"}");
      assertThat(boot.status()).as(boot.body().toString()).isEqualTo(200);
      assertThat(boot.body().get("epoch").asLong()).isEqualTo(1);

      // Every member answers the same primary, linearizably and (once applied) from local state.
      for (String id : group.memberIds()) {
        Api api = new Api(group.endpoint(id));
        assertPrimary(api.get("/v1/clusters/orders/primary"), 1, "db1");
        await().atMost(SETTLE).until(() -> isPrimary(api.getOrNull("/v1/clusters/orders/primary?stale=true"), 1, "db1"));
      }
      JsonNode before = viaFollower.get("/v1/clusters/orders").body();

      // SIGKILL the leader: a new one is elected and the survivors answer with the same state.
      long killedApplied = group.probe(leader).appliedIndex();
      group.kill(leader);
      String newLeader = group.awaitLeader();
      assertThat(newLeader).isNotEqualTo(leader);
      List<String> survivors = group.memberIds().stream().filter(id -> !id.equals(leader)).toList();
      for (String id : survivors) {
        Api api = new Api(group.endpoint(id));
        assertPrimary(api.get("/v1/clusters/orders/primary"), 1, "db1");
        assertThat(api.get("/v1/clusters/orders").body()).isEqualTo(before);
      }

      // Write enough that the survivors snapshot and purge their logs past the dead member's position.
      Api viaNewLeader = new Api(group.endpoint(newLeader));
      writeClusters(viaNewLeader, "bulk", 150);
      for (String id : survivors) {
        Path data = group.member(id).dataDir();
        await().atMost(SETTLE).untilAsserted(() ->
            assertThat(RaftFiles.firstLogIndex(data).orElse(0)).as("first log index still held by " + id)
                .isGreaterThan(killedApplied + 1));
      }

      // The restarted member can only catch up through a snapshot install; it ends with the same state.
      group.restart(leader);
      Api restarted = new Api(group.endpoint(leader));
      try {
        await().atMost(SETTLE).until(() -> {
          Api.Response r = restarted.getOrNull("/v1/clusters/bulk-149?stale=true");
          return r != null && r.status() == 200;
        });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        Path kept = Path.of("target", "it-logs", "catch-up-" + leader + ".log");
        Files.createDirectories(kept.getParent());
        Files.copy(group.logOf(leader), kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        throw new AssertionError("restarted member " + leader + " did not catch up; its log is kept at "
            + kept.toAbsolutePath() + "; it ends:\n" + tail(group.logOf(leader), 40), e);
      }
      assertThat(restarted.get("/v1/clusters/orders?stale=true").body()).isEqualTo(before);
      assertPrimary(restarted.get("/v1/clusters/orders/primary"), 1, "db1");
      assertThat(RaftFiles.snapshotCount(group.member(leader).dataDir())).isPositive();
      assertThat(Files.readString(group.logOf(leader))).containsIgnoringCase("snapshot");
    }
  }

  @Test
  void fiveMembersWriteWithTwoDownAndRefuseWithThreeDown() throws Exception {
    ControllerGroupOptions options = ControllerGroupOptions.defaults()
        .withElectionTimeout(Duration.ofMillis(500), Duration.ofMillis(1000))
        .withRequestTimeout(Duration.ofSeconds(3));
    try (ControllerGroupSandbox group = ControllerGroupSandbox.start(5, dir, options)) {
      String leader = group.awaitLeader();
      List<String> ids = new ArrayList<>(group.memberIds());
      // Kill the leader and one more: three of five remain, still a majority.
      ids.remove(leader);
      String second = ids.remove(0);
      group.kill(leader);
      group.kill(second);
      Api survivor = new Api(group.endpoint(ids.get(0)));
      await().atMost(SETTLE).until(() -> {
        Api.Response r = survivor.postOrNull("/v1/clusters", "{\"name\":\"two-down\"}");
        return r != null && (r.status() == 201 || r.status() == 409);
      });
      assertThat(survivor.get("/v1/clusters/two-down").status()).isEqualTo(200);

      // A third member down: two of five cannot commit. The API says so, clearly, and commits nothing.
      group.kill(ids.get(1));
      Api.Response refused = survivor.post("/v1/clusters", "{\"name\":\"three-down\"}");
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.code()).isEqualTo("NO_QUORUM");
      assertThat(refused.error()).contains("majority");
      Api.Response read = survivor.get("/v1/clusters/two-down");
      assertThat(read.status()).isEqualTo(503);
      // Stale reads still answer from the member's applied state.
      assertThat(survivor.get("/v1/clusters/two-down?stale=true").status()).isEqualTo(200);
      assertThat(survivor.get("/v1/clusters/three-down?stale=true").status()).isEqualTo(404);
    }
  }

  private static void writeClusters(Api api, String prefix, int count) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      // ~2 KB per entry, so 150 entries fill and close several 16 KB segments (only closed ones are purged).
      String dnsNames = String.join(",", java.util.Collections.nCopies(40, "\"" + "n".repeat(40) + ".example.com\""));
      for (int i = 0; i < count; i++) {
        String body = "{\"name\":\"" + prefix + "-" + i + "\",\"dnsNames\":[" + dnsNames + "]}";
        results.add(pool.submit(() -> api.post("/v1/clusters", body).status()));
      }
      for (Future<Integer> f : results) {
        assertThat(f.get()).isEqualTo(201);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static String tail(Path log, int lines) throws java.io.IOException {
    List<String> all = Files.readAllLines(log);
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  private static void assertPrimary(Api.Response r, long epoch, String node) {
    assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
    assertThat(r.body().get("epoch").asLong()).isEqualTo(epoch);
    assertThat(r.body().get("node").asText()).isEqualTo(node);
  }

  private static boolean isPrimary(Api.Response r, long epoch, String node) {
    return r != null && r.status() == 200 && r.body().get("epoch").asLong() == epoch
        && r.body().get("node").asText().equals(node);
  }
}
