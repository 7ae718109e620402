package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deneb.sandbox.HaEnvironment;
import dev.deneb.sandbox.ToxiproxySandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The primary's agent cut off from the controller leader only (DESIGN §3.8 row "the controller leader
 * cut off from the primary's agent, followers still reach it"; §3.9 rule 3): the agent's renewal
 * rounds still reach a majority (the two followers), so it keeps its lease, and the leader — which
 * hears neither renewals nor reports from it — must not take the silence of one member for the
 * group's. Under a continuous writer on db1's direct connection, the agent's Toxiproxy link to the
 * current leader is faulted for 12 s (four 3 s lease TTLs), once as a cut (the proxy disabled: both
 * ends see the connection close) and once as a black hole (connections stay open, every byte is
 * dropped). Throughout: no write on db1 is refused, its agent never fences, the epoch stays 1, and
 * the leader's {@code explain} never says LEASE_LAPSED.
 */
class AgentCutFromLeaderProcessTest {
  private static final Duration SETTLE = Duration.ofSeconds(90);
  /** Four lease TTLs (3 s): a lease kept alive only through the leader would have lapsed three times over. */
  private static final Duration WINDOW = Duration.ofSeconds(12);
  /** What the leader may say while it does not hear db1's agent (or, once healed, hears it again). */
  private static final Set<String> EXPECTED = Set.of("PRIMARY_HEALTHY", "LEASE_HELD_PRIMARY_UNREPORTED");
  private static final List<String> FENCE_MARKS = List.of("fencing db1", "fencing it", ": fence db1",
      "LEASE_EXPIRING", "RENEWAL_REFUSED", "NOT_PRIMARY");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;


  @Test
  void thePrimaryAgentCutFromTheLeaderAloneIsNeitherFencedNorFailedOver() throws Exception {
    try (HaEnvironment env = HaEnvironment.start(dir, HaEnvironment.Options.defaults().withProxies());
        DirectWriters writers = new DirectWriters(env, List.of("db1")).start()) {
      Path agentLog = env.agent("db1").log();
      await().atMost(SETTLE).until(() -> writers.accepted("db1").size() > 50 && Probes.leaderReasonIs(env, "PRIMARY_HEALTHY"));
      assertThat(env.api().get("/v1/clusters/orders/history").body().get("history").size())
          .as("epochs before any fault (a failover already? see the controllers' logs for LEASE_LAPSED)").isEqualTo(1);
      long since = System.nanoTime();

      window(env, writers, agentLog, since, "cut", ToxiproxySandbox.Link::cut, ToxiproxySandbox.Link::restore);
      window(env, writers, agentLog, since, "black hole", ToxiproxySandbox.Link::blackhole,
          ToxiproxySandbox.Link::clearToxics);

      writers.close();
      assertThat(writers.refusedAfter("db1", since)).as("writes refused on db1 since the first fault").isEmpty();
      assertThat(fenceLines(agentLog)).as("db1's agent log, whole run: it never fenced db1").isEmpty();
      assertThat(Fixtures.anyLogContains(env.controllers(), "cluster orders epoch 1: LEASE_LAPSED"))
          .as("no leader ever found db1's lease lapsed").isFalse();
      JsonNode history = env.api().get("/v1/clusters/orders/history").body().get("history");
      assertThat(history.size()).as("the history has only the bootstrap epoch: " + history).isEqualTo(1);
    }
  }

  /**
   * Faults db1's agent link to the current leader for {@link #WINDOW}, watching all the while (the
   * Awaitility window is the fault's duration; a violation ends it early and fails the test), then
   * heals it and waits until the leader hears the agent again.
   */
  private static void window(HaEnvironment env, DirectWriters writers, Path agentLog, long since, String kind,
      Consumer<ToxiproxySandbox.Link> fault, Consumer<ToxiproxySandbox.Link> heal) throws Exception {
    String leader = env.controllers().awaitLeader();
    ToxiproxySandbox.Link link = env.agentLink("db1", leader);
    long start = System.nanoTime();
    long acceptedBefore = writers.acceptedAfter("db1", 0);
    List<Probes.Explained> seen = new CopyOnWriteArrayList<>();
    List<String> violations = new CopyOnWriteArrayList<>();
    fault.accept(link);
    try {
      await().during(WINDOW).atMost(WINDOW.plusSeconds(10)).pollInterval(Duration.ofMillis(250)).until(() -> {
        if (violations.isEmpty()) violations.addAll(violations(env, writers, agentLog, since, seen));
        return violations.isEmpty();
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      if (violations.isEmpty()) violations.add("the window did not complete: " + e.getMessage());
    } finally {
      heal.accept(link);
    }
    long accepted = writers.acceptedAfter("db1", 0) - acceptedBefore;
    assertThat(violations).as("while db1's agent link to leader " + leader + " was faulted (" + kind + ")").isEmpty();
    assertThat(accepted).as("db1 kept accepting writes through the " + kind).isPositive();
    // The leader saw the fault: while it led, it had no fresh report from db1's agent at some point.
    boolean noticed = seen.stream().anyMatch(x -> x.member().equals(leader) && x.reason().equals("LEASE_HELD_PRIMARY_UNREPORTED"));
    boolean moved = seen.stream().anyMatch(x -> !x.member().equals(leader));
    assertThat(noticed || moved).as("leader " + leader + " noticed it no longer heard db1's agent; it said " + seen.stream()
        .map(x -> x.member() + " " + x.reason()).distinct().toList()).isTrue();
    Set<String> said = new LinkedHashSet<>();
    seen.forEach(x -> said.add(x.member() + " (term " + x.term() + "): " + x.reason()));
    seen.stream().filter(x -> x.reason().equals("LEASE_HELD_PRIMARY_UNREPORTED")).findFirst()
        .ifPresent(x -> System.out.println("explain while " + kind + ": " + x.reason() + " — " + x.detail()));
    await().atMost(SETTLE).until(() -> Probes.leaderReasonIs(env, "PRIMARY_HEALTHY"));
    Fixtures.record("agent cut from leader " + leader + " only (" + kind + ", " + WINDOW.toSeconds() + " s): " + accepted
        + " writes accepted on db1, none refused, no fence, epoch 1; the leader said " + said + "; healthy again "
        + (System.nanoTime() - start) / 1_000_000 + " ms after the fault began");
  }

  /**
   * What is wrong right now: a refused write on db1, a fence line in its agent's log, an epoch other
   * than 1 naming db1, or a leader explanation outside {@link #EXPECTED}. Each explanation is kept in
   * {@code seen}.
   */
  private static List<String> violations(HaEnvironment env, DirectWriters writers, Path agentLog, long since,
      List<Probes.Explained> seen) throws IOException {
    List<String> out = new ArrayList<>();
    writers.refusedAfter("db1", since).stream().limit(3).forEach(r -> out.add("a write on db1 was refused: " + r.error()));
    fenceLines(agentLog).stream().limit(5).forEach(l -> out.add("db1's agent: " + l));
    env.api().primary("orders").filter(p -> p.epoch() != 1 || !p.node().equals("db1"))
        .ifPresent(p -> out.add("the primary changed: " + p));
    Optional<Probes.Explained> x = Probes.leaderExplain(env);
    x.ifPresent(seen::add);
    x.filter(e -> !EXPECTED.contains(e.reason()))
        .ifPresent(e -> out.add("leader " + e.member() + " explained " + e.reason() + ": " + e.detail()));
    return out;
  }

  private static List<String> fenceLines(Path agentLog) throws IOException {
    return Files.readAllLines(agentLog).stream().filter(l -> FENCE_MARKS.stream().anyMatch(l::contains)).toList();
  }


}
