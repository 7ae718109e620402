package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deneb.sandbox.ControllerGroupSandbox;
import dev.deneb.sandbox.HaEnvironment;
import dev.deneb.sandbox.netns.NetnsAvailability;
import dev.deneb.sandbox.netns.NetworkLab;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real network partitions between controller members (issue "Failsafe", DESIGN §3.8 rows "controller
 * leader isolated" and "asymmetric partition"): each member runs in its own network namespace, and
 * nftables drops packets between namespaces while the agents, the databases and this test — in the
 * host namespace — still reach every member.
 *
 * <p>Under a continuous writer on db1's direct connection: the leader cut off from both followers
 * (both ways) for 15 s — the followers elect another leader while the agents still talk to the old
 * one — then, after the heal, the new leader's packets to one follower dropped (one way only) for
 * 15 s. Throughout, every member keeps granting db1's lease from its own applied state, so no write
 * on db1 is refused, its agent never fences, no leader finds the lease lapsed and the epoch stays 1.
 *
 * <p>Needs network namespaces (root and nft): without them it fails with the reason, unless
 * {@code DENEB_NETNS=off} skips it on purpose.
 */
class ControllerPartitionProcessTest {
  private static final Duration HOLD = Duration.ofSeconds(15);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  @Test
  void anIsolatedLeaderAndAnAsymmetricCutNeverFenceThePrimary() throws Exception {
    NetnsAvailability.Available tools = requireNetns();
    try (NetworkLab lab = NetworkLab.create(3, tools);
        HaEnvironment env = HaEnvironment.start(dir, HaEnvironment.Options.defaults().withControllersIn(lab));
        DirectWriters writers = new DirectWriters(env, List.of("db1")).start()) {
      ControllerGroupSandbox group = env.controllers();
      Path agentLog = env.agent("db1").log();
      await().atMost(Duration.ofSeconds(90)).until(() -> writers.accepted("db1").size() > 50);
      for (String id : group.memberIds()) Probes.awaitGrantingDb1(group, id);
      long since = System.nanoTime();
      List<String> timeline = new ArrayList<>();

      // ---- isolate-leader: the leader cut from both followers, still reachable from the host ----
      String leader = group.awaitLeader();
      long cutAt = System.nanoTime();
      lab.isolateFromPeers(group.index(leader));
      String next = awaitOtherLeader(group, leader);
      timeline.add(leader + " cut from its followers: " + next + " led after " + ms(System.nanoTime() - cutAt) + " ms");
      hold(env, writers, since, agentLog, leader + " isolated from its followers");
      lab.heal();
      for (String id : group.memberIds()) Probes.awaitGrantingDb1(group, id);
      timeline.add("healed; every member granting db1 again " + ms(System.nanoTime() - cutAt) + " ms after the cut");

      // ---- partition-controllers-asymmetric: the leader's packets to one follower dropped ----
      String now = group.awaitLeader();
      String follower = group.memberIds().stream().filter(id -> !id.equals(now)).findFirst().orElseThrow();
      long asymAt = System.nanoTime();
      lab.cut(group.index(now), group.index(follower));
      hold(env, writers, since, agentLog, now + "'s packets to " + follower + " dropped");
      String during = group.awaitLeader();
      lab.heal();
      for (String id : group.memberIds()) Probes.awaitGrantingDb1(group, id);
      timeline.add(now + " -> " + follower + " dropped " + HOLD.toSeconds() + " s (leader then " + during
          + "); every member granting again " + ms(System.nanoTime() - asymAt) + " ms after the cut");

      writers.close();
      timeline.forEach(System.out::println);
      assertThat(LeaderFaultsKeepLeaseProcessTest.violations(env, writers, since, agentLog)).as("under the partitions").isEmpty();
      assertThat(LeaderFaultsKeepLeaseProcessTest.fenceLines(agentLog)).as("db1's agent never fenced").isEmpty();
      assertThat(Fixtures.anyLogContains(group, "cluster orders epoch 1: LEASE_LAPSED")).as("no leader found db1's lease lapsed")
          .isFalse();
      JsonNode history = env.api().get("/v1/clusters/orders/history").body().get("history");
      assertThat(history.size()).as("only the bootstrap epoch: " + history).isEqualTo(1);
      Fixtures.record("controller partitions (namespaces): " + String.join("; ", timeline) + "; "
          + writers.acceptedAfter("db1", since) + " writes on db1, 0 refused, longest gap " + writers.longestGapMs("db1", since)
          + " ms; no fence, epoch 1");
    }
  }

  /** Waits until a majority agrees on a leader other than {@code old} (the isolated one may still believe it leads). */
  private static String awaitOtherLeader(ControllerGroupSandbox group, String old) {
    String[] found = new String[1];
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
      String l = group.awaitLeader(Duration.ofSeconds(5));
      found[0] = l;
      return !l.equals(old);
    });
    return found[0];
  }

  /** {@link #HOLD} with the fault in place, failing at once on a refused write or a fence. */
  private static void hold(HaEnvironment env, DirectWriters writers, long since, Path agentLog, String fault) {
    List<String> seen = new CopyOnWriteArrayList<>();
    try {
      await().during(HOLD).atMost(HOLD.plusSeconds(10)).pollInterval(Duration.ofMillis(250)).until(() -> {
        List<String> v = LeaderFaultsKeepLeaseProcessTest.violations(env, writers, since, agentLog);
        if (!v.isEmpty() && seen.isEmpty()) seen.addAll(v);
        return seen.isEmpty();
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("while " + fault + ": " + seen, e);
    }
  }

  /** As the sandbox's namespace tests: fail with the reason where namespaces cannot be used, skip only on DENEB_NETNS=off. */
  static NetnsAvailability.Available requireNetns() {
    NetnsAvailability availability = NetnsAvailability.check();
    Assumptions.assumeFalse("off".equals(System.getenv("DENEB_NETNS")), "DENEB_NETNS=off: namespace tests skipped on purpose");
    if (availability instanceof NetnsAvailability.Unavailable u) {
      fail("this test needs network namespaces, which cannot be used here: " + u.reason() + " (DENEB_NETNS=off skips it)");
    }
    return (NetnsAvailability.Available) availability;
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }
}
