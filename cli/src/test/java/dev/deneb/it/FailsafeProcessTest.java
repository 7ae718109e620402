package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deneb.sandbox.ControllerGroupSandbox;
import dev.deneb.sandbox.HaEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failsafe (docs/lease.md "Failsafe" and "Relay"), on real processes: three MariaDB servers, three
 * controllers, an agent per node with its peer server, and a continuous writer on db1's direct
 * connection. In a row:
 * <ol>
 *   <li><b>Controller quorum loss.</b> Two of the three members SIGSTOPped for 30 s: db1's agent
 *       holds on its replicas' promises; no write is refused, db1 is never fenced, no failover.
 *   <li><b>Primary cut off from every controller</b> (its three agent links cut in Toxiproxy) for
 *       20 s while its replicas still reach them: the replicas relay db1's lease rounds; no write is
 *       refused, and the members count relayed rounds.
 *   <li><b>Quorum loss, then a replica's agent killed.</b> With a promise missing the hold ends: db1
 *       stops accepting writes within the lease TTL of the kill.
 * </ol>
 */
class FailsafeProcessTest {
  private static final Duration SETTLE = Duration.ofSeconds(90);
  private static final Duration OUTAGE = Duration.ofSeconds(30);
  private static final Duration CUT = Duration.ofSeconds(20);
  private static final Duration TTL = Duration.ofSeconds(3);
  private static final List<String> FENCE_MARKS = List.of("fencing db1", "fencing it", ": fence db1",
      "LEASE_EXPIRING", "RENEWAL_REFUSED", "NOT_PRIMARY");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  @Test
  void aPrimaryKeepsWritingThroughAControllerOutageAndFencesWhenAPromiseIsMissing() throws Exception {
    try (HaEnvironment env = HaEnvironment.start(dir, HaEnvironment.Options.defaults().withProxies().withFailsafePeers());
        DirectWriters writers = new DirectWriters(env, List.of("db1")).start()) {
      ControllerGroupSandbox group = env.controllers();
      Path agentLog = env.agent("db1").log();
      await().atMost(SETTLE).until(() -> writers.accepted("db1").size() > 50);
      for (String id : group.memberIds()) Probes.awaitGrantingDb1(group, id);
      awaitReplicasReadyToPromise(env);
      List<String> results = new ArrayList<>();

      // ---- 1. two of three members frozen for 30 s ----
      List<String> frozen = group.memberIds().subList(0, 2);
      String survivor = group.memberIds().get(2);
      long outageAt = System.nanoTime();
      double[] gauge = {0};
      frozen.forEach(group::pause);
      try {
        awaitNoViolation(writers, agentLog, outageAt, OUTAGE, "while " + frozen + " were SIGSTOPped",
            () -> gauge[0] = Math.max(gauge[0], Probes.metric(group, survivor, "deneb_failsafe_active")));
      } finally {
        frozen.forEach(group::resume);
      }
      assertThat(gauge[0]).as("deneb_failsafe_active on %s, the member left running, during the outage", survivor)
          .isEqualTo(1);
      long outageWrites = writers.acceptedAfter("db1", outageAt);
      assertThat(Files.readString(agentLog)).as("db1's agent logged that the failsafe hold engaged")
          .contains("failsafe on db1: FAILSAFE_HOLD");
      for (String id : group.memberIds()) Probes.awaitGrantingDb1(group, id);
      assertThat(violations(writers, agentLog, outageAt)).as("after the quorum came back").isEmpty();
      results.add("2 of 3 members SIGSTOPped " + OUTAGE.toSeconds() + " s: " + outageWrites + " writes on db1, 0 refused,"
          + " longest gap " + writers.longestGapMs("db1", outageAt) + " ms");

      // ---- 2. db1's agent cut off from every member; its replicas still reach them ----
      double relayedBefore = relayedRounds(group);
      long cutAt = System.nanoTime();
      group.memberIds().forEach(id -> env.agentLink("db1", id).cut());
      try {
        awaitNoViolation(writers, agentLog, outageAt, CUT, "while db1's agent was cut off from every controller", () -> 0);
      } finally {
        group.memberIds().forEach(id -> env.agentLink("db1", id).restore());
      }
      double relayed = relayedRounds(group) - relayedBefore;
      assertThat(relayed).as("rounds the members judged for db1 through its replicas (%s before the cut)", relayedBefore)
          .isGreaterThan(0);
      for (String id : group.memberIds()) Probes.awaitGrantingDb1(group, id);
      assertThat(history(env)).as("no failover so far").isEqualTo(1);
      results.add("db1's agent cut from all 3 members " + CUT.toSeconds() + " s: " + writers.acceptedAfter("db1", cutAt)
          + " writes on db1, 0 refused, " + (long) relayed + " rounds relayed by its replicas, longest gap "
          + writers.longestGapMs("db1", cutAt) + " ms");

      // ---- 3. quorum loss again; once the hold runs, db2's agent is killed ----
      long secondAt = System.nanoTime();
      frozen.forEach(group::pause);
      try {
        // The hold is engaged once the lease alone would have ended: past one TTL, db1 still writes.
        awaitNoViolation(writers, agentLog, outageAt, TTL.plusSeconds(2), "before db2's agent was killed", () -> 0);
        long killAt = System.nanoTime();
        env.agent("db2").kill();
        await().atMost(TTL.multipliedBy(3)).pollInterval(Duration.ofMillis(100))
            .until(() -> !writers.refusedAfter("db1", killAt).isEmpty());
        Optional<DirectWriters.Accepted> last = writers.last("db1");
        long lastWriteAfterKill = last.map(a -> (a.endNanos() - killAt) / 1_000_000).orElse(0L);
        results.add("quorum lost, then db2's agent SIGKILLed: db1's last accepted write ended " + lastWriteAfterKill
            + " ms after the kill (TTL " + TTL.toMillis() + " ms); " + writers.acceptedAfter("db1", secondAt)
            + " writes in the hold before it");
        assertThat(lastWriteAfterKill).as("db1 stops accepting writes within the TTL of a missing promise")
            .isLessThan(TTL.toMillis());
        assertThat(Files.readString(agentLog)).as("db1's agent says why the hold ended")
            .contains("FAILSAFE_ENDED");
      } finally {
        frozen.forEach(group::resume);
      }
      // After the heal: normal leases again, no failover, and nothing else ever became writable.
      long healedAt = System.nanoTime();
      await().atMost(SETTLE).until(() -> writers.firstAfter("db1", healedAt).isPresent());
      long backMs = (writers.firstAfter("db1", healedAt).orElseThrow().startNanos() - healedAt) / 1_000_000;
      // The lease needs no leader; a linearizable read does, and the group may still be electing one.
      int[] epochs = {0};
      await().atMost(SETTLE).ignoreExceptions().until(() -> {
        epochs[0] = history(env);
        return true;
      });
      assertThat(epochs[0]).as("no failover after the quorum came back").isEqualTo(1);
      for (String replica : List.of("db2", "db3")) {
        assertThat(Fixtures.tryWrite(env.appEndpoint(replica))).as("%s stayed read-only", replica).isFalse();
      }
      results.add("after the heal db1 accepted writes again " + backMs + " ms after the members resumed, epoch 1");
      results.forEach(System.out::println);
      Fixtures.record("failsafe: " + String.join("; ", results));
    }
  }

  /**
   * Done-when 3: a controller majority that cannot reach the primary while the primary holds on
   * promises. The leader keeps hearing the replicas' agents; the two followers hear no agent; db1's
   * agent reaches no member (all by Toxiproxy; Raft traffic between members is untouched, so the
   * group keeps its majority). db1's rounds reach nobody and its replicas reach no majority (so they
   * promise, not relay): db1 holds on their promises. The leader sees db1's lease lapse and begins a
   * failover; db1's agent is unreachable, so nothing but a witness's release may move it to FENCED,
   * and the replicas stay bound until their promises ran out. Checked: the gate engaged
   * ({@code AWAITING_FAILSAFE_RELEASE}), FENCED came only after it, and no two nodes ever accepted
   * writes at overlapping times (S1), with a writer on every node's direct connection.
   */
  @Test
  void aMajorityThatCannotReachThePrimaryReplacesItOnlyAfterThePromisesRanOut() throws Exception {
    try (HaEnvironment env = HaEnvironment.start(dir, HaEnvironment.Options.defaults().withProxies().withFailsafePeers());
        DirectWriters writers = new DirectWriters(env, List.of("db1", "db2", "db3")).start()) {
      ControllerGroupSandbox group = env.controllers();
      await().atMost(SETTLE).until(() -> writers.accepted("db1").size() > 50);
      for (String id : group.memberIds()) Probes.awaitGrantingDb1(group, id);
      awaitReplicasReadyToPromise(env);
      String leader = group.awaitLeader();
      List<String> followers = group.memberIds().stream().filter(id -> !id.equals(leader)).toList();

      long cutAt = System.nanoTime();
      for (String node : List.of("db1", "db2", "db3")) {
        for (String f : followers) env.agentLink(node, f).cut();
      }
      env.agentLink("db1", leader).cut();

      // Watch the workflow and the leader's reasons until it has chosen a candidate. The candidate
      // cannot take its lease while the followers hear no agent (its rounds reach one member of
      // three), so the links come back then, as when a partition heals.
      java.util.Map<String, Long> firstSeen = new java.util.LinkedHashMap<>();
      java.util.concurrent.Callable<Boolean> watch = () -> {
        long now = System.nanoTime();
        Probes.workflowStep(env).ifPresent(step -> firstSeen.putIfAbsent("step " + step, now));
        Probes.leaderExplain(env).ifPresent(x -> firstSeen.putIfAbsent("reason " + x.reason(), now));
        return writers.firstAfter("db2", cutAt).isPresent() || writers.firstAfter("db3", cutAt).isPresent();
      };
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> watch.call() || firstSeen.containsKey("step candidate_chosen"));
      long healAt = System.nanoTime();
      firstSeen.putIfAbsent("links restored", healAt);
      for (String node : List.of("db1", "db2", "db3")) {
        for (String id : group.memberIds()) env.agentLink(node, id).restore();
      }
      await().atMost(SETTLE).pollInterval(Duration.ofMillis(100)).until(watch);
      String newPrimary = writers.firstAfter("db2", cutAt).isPresent() ? "db2" : "db3";
      long firstNew = writers.firstAfter(newPrimary, cutAt).orElseThrow().startNanos();
      long lastOld = writers.last("db1").orElseThrow().endNanos();
      StringBuilder timeline = new StringBuilder("cut at 0 ms; db1's last accepted write ended at "
          + (lastOld - cutAt) / 1_000_000 + " ms");
      firstSeen.entrySet().stream().sorted(java.util.Map.Entry.comparingByValue()).forEach(e -> timeline.append("; ")
          .append(e.getKey()).append(" at ").append((e.getValue() - cutAt) / 1_000_000).append(" ms"));
      timeline.append("; ").append(newPrimary).append("'s first accepted write began at ").append((firstNew - cutAt) / 1_000_000)
          .append(" ms");
      System.out.println(timeline);

      assertThat(writers.overlaps(5)).as("S1: writes accepted on two nodes at overlapping times; " + timeline).isEmpty();
      assertThat(firstSeen).as("the leader waited for a witness's release (the promises binding the replicas); " + timeline)
          .containsKey("reason AWAITING_FAILSAFE_RELEASE");
      assertThat(firstSeen.get("step fenced")).as("FENCED only after the gate; " + timeline)
          .isGreaterThan(firstSeen.get("reason AWAITING_FAILSAFE_RELEASE"));
      assertThat(firstNew).as("the replacement took writes only after db1's last write ended; " + timeline)
          .isGreaterThan(lastOld);
      Fixtures.record("failsafe, a majority that cannot reach the primary: " + timeline);

      await().atMost(SETTLE).until(() -> env.api().primary("orders").map(p -> p.node().equals(newPrimary)).orElse(false));
      assertThat(writers.overlaps(5)).as("S1 after the heal").isEmpty();
    }
  }

  /**
   * Waits {@code window}, failing at once on a refused write or a fence line since {@code since};
   * {@code observe} runs at every poll (to read a metric while the fault lasts).
   */
  /**
   * A hold needs both replicas' agents to know epoch 1 and db1's agent to know where to ask them
   * (learned from its grants). Agents start one after another, and db1 can be writing before the
   * others are connected: a fault then finds no one to promise (seen once in CI).
   */
  private static void awaitReplicasReadyToPromise(HaEnvironment env) {
    Path db1Log = env.agent("db1").log();
    await().atMost(SETTLE).until(() -> Files.readString(env.agent("db2").log()).contains("failsafe is on for orders")
        && Files.readString(env.agent("db3").log()).contains("failsafe is on for orders")
        && Files.readString(db1Log).contains("failsafe: db2 takes promise requests at")
        && Files.readString(db1Log).contains("failsafe: db3 takes promise requests at"));
  }

  private static void awaitNoViolation(DirectWriters writers, Path agentLog, long since, Duration window, String what,
      java.util.concurrent.Callable<?> observe) {
    List<String> seen = new ArrayList<>();
    try {
      await().during(window).atMost(window.plusSeconds(10)).pollInterval(Duration.ofMillis(250)).until(() -> {
        try {
          observe.call();
        } catch (Exception e) {
          // A member that does not answer now is read at the next poll.
        }
        List<String> v = violations(writers, agentLog, since);
        if (!v.isEmpty() && seen.isEmpty()) seen.addAll(v);
        return seen.isEmpty();
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(what + ": " + seen, e);
    }
  }

  private static List<String> violations(DirectWriters writers, Path agentLog, long since) throws IOException {
    List<String> out = new ArrayList<>();
    writers.refusedAfter("db1", since).stream().limit(3)
        .forEach(r -> out.add("a write on db1 was refused " + (r.atNanos() - since) / 1_000_000 + " ms in: " + r.error()));
    Files.readAllLines(agentLog).stream().filter(l -> FENCE_MARKS.stream().anyMatch(l::contains)).limit(5)
        .forEach(l -> out.add("db1's agent: " + l));
    return out;
  }

  private static double relayedRounds(ControllerGroupSandbox group) throws Exception {
    double sum = 0;
    for (String id : group.memberIds()) sum += Probes.metric(group, id, "deneb_lease_relayed_rounds_total");
    return sum;
  }

  private static int history(HaEnvironment env) throws IOException {
    return env.api().get("/v1/clusters/orders/history").body().get("history").size();
  }

}
