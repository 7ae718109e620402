package dev.deneb.simulation.lease;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The model check can fail: with a fence rule that drops one wait ({@link FenceRule}'s mutants), the
 * same model (member restarts included) finds an S1 counterexample within a bounded number of seeds
 * (tried in order from 1, so the count is the same on every machine), prints it with its reproduce
 * line, and the seed replays to the same violation.
 *
 * <p>Found too, but only after thousands of seeds, so searched only on request
 * ({@code -Ddeneb.sim.search=RULE:SEEDS[:nogate][:norestarts]}):
 * <ul>
 *   <li>{@link FenceRule#GROUP_SILENCE} (the detection number used as proof, ignoring whether members
 *       closed) — it needs a member that answers the leader from an applied state from before the
 *       begin and then grants: {@code -Ddeneb.sim.search=GROUP_SILENCE:20000};
 *   <li>the catch-up gate dropped (a restarted member grants at once from whatever it has replayed):
 *       first found at seed {@value #FIRST_WITHOUT_GATE}, {@code -Ddeneb.sim.search=PRODUCTION:6000:nogate}
 *       (19 s on the 2-core machine when quiet; 8,904 seeds before agents renewed every third of the TTL
 *       and retried a round short of a majority, the model check itself runs 1,000). The default build replays that seed
 *       ({@link #theCatchUpGateDroppedIsCaught}).
 * </ul>
 */
class LeaseModelMutantTest {
  /** Seeds tried before the test gives up; the mutants below are found far sooner. */
  static final int BUDGET = 1_000;
  /**
   * The first seed (from 1) at which each mutant is caught. The runs are deterministic, so a change
   * here means the model, the fault set or a production decision core changed: check the new
   * counterexample is still the mutant's own, then update the number.
   */
  static final Map<FenceRule, Long> FIRST_COUNTEREXAMPLE = Map.of(FenceRule.LEADER_ONLY, 5L, FenceRule.TRUSTS_SELF_FENCE, 10L);
  /** The first seed at which the model without the catch-up gate violates S1 (the finding of docs/lease.md, "Member restarts"). */
  static final long FIRST_WITHOUT_GATE = 5758;

  @ParameterizedTest
  @EnumSource(value = FenceRule.class, names = {"LEADER_ONLY", "TRUSTS_SELF_FENCE"})
  void aRuleThatDropsOneWaitIsCaught(FenceRule mutant) {
    LeaseModel.Outcome found = firstCounterexample(mutant, BUDGET, true, true);
    assertThat(found).as("an S1 counterexample for %s within %d seeds", mutant, BUDGET).isNotNull();
    assertThat(found.violation()).startsWith("S1");
    assertThat(found.config().seed()).as("seeds to find %s", mutant).isEqualTo(FIRST_COUNTEREXAMPLE.get(mutant));

    LeaseModel.Outcome again = LeaseModel.run(found.config());
    assertThat(again.violation()).as("the same seed replays to the same violation").isEqualTo(found.violation());
    assertThat(again.trace()).isEqualTo(found.trace());
  }

  /**
   * Without the gate, the seed the on-request search finds first violates S1 through a restarted
   * member that grants a lease it had closed before its restart — the very run in which the model
   * first found it, before the gate existed — and replays exactly.
   */
  @Test
  void theCatchUpGateDroppedIsCaught() {
    LeaseModel.Config config = LeaseModel.Config.of(FIRST_WITHOUT_GATE, FenceRule.PRODUCTION).withoutCatchUpGate();
    LeaseModel.Outcome found = LeaseModel.run(config);
    System.out.printf("without the catch-up gate: counterexample at seed %d: %s%n%s%n%s%n", FIRST_WITHOUT_GATE, found.violation(),
        found.trace(), found.reproduce());
    assertThat(found.violation()).startsWith("S1: db1 (epoch 5, writable until 52677.345 ms) and db2 (epoch 4, writable until"
        + " 49736.520 ms) both accept writes at 49703.225 ms");
    assertThat(found.stats().reopeningGrants).as("grants of a lease closed before the member's restart").isPositive();

    LeaseModel.Outcome again = LeaseModel.run(config);
    assertThat(again.violation()).isEqualTo(found.violation());
    assertThat(again.trace()).isEqualTo(found.trace());
  }

  @Test
  void searchOnRequest() {
    String search = System.getProperty("deneb.sim.search");
    Assumptions.assumeTrue(search != null, "set -Ddeneb.sim.search=RULE:SEEDS[:nogate][:norestarts] to search longer for a counterexample");
    String[] parts = search.split(":");
    FenceRule rule = FenceRule.valueOf(parts[0]);
    int budget = parts.length > 1 ? Integer.parseInt(parts[1]) : 20_000;
    java.util.List<String> flags = java.util.Arrays.asList(parts).subList(Math.min(2, parts.length), parts.length);
    boolean gate = !flags.contains("nogate");
    boolean restarts = !flags.contains("norestarts");
    LeaseModel.Outcome found = firstCounterexample(rule, budget, restarts, gate);
    if (rule == FenceRule.PRODUCTION && gate) {
      assertThat(found).as("a counterexample under the production rule").isNull();
    } else {
      assertThat(found).as("a counterexample for %s%s within %d seeds", rule, gate ? "" : " without the gate", budget).isNotNull();
    }
  }

  /** Runs seeds 1, 2, ... under {@code rule}; prints and returns the first violation, or null. */
  static LeaseModel.Outcome firstCounterexample(FenceRule rule, int budget, boolean restarts, boolean gate) {
    long started = System.nanoTime();
    String what = rule + " (" + rule.description() + ")" + (restarts ? "" : " without restarts") + (gate ? "" : " without the catch-up gate");
    for (long seed = 1; seed <= budget; seed++) {
      LeaseModel.Config config = LeaseModel.Config.of(seed, rule);
      if (!restarts) config = config.withoutRestarts();
      if (!gate) config = config.withoutCatchUpGate();
      LeaseModel.Outcome o = LeaseModel.run(config);
      if (o.violated()) {
        System.out.printf("%s: counterexample after %d seeds (%.1f s): %s%n%s%n%s%n", what, seed,
            (System.nanoTime() - started) / 1e9, o.violation(), o.trace(), o.reproduce());
        return o;
      }
    }
    System.out.printf("%s: no counterexample in %d seeds (%.1f s)%n", what, budget, (System.nanoTime() - started) / 1e9);
    return null;
  }
}
