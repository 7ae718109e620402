package dev.deneb.simulation.lease;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * A seed of the lease model as a plain test: {@code -Ddeneb.sim.seed=N [-Ddeneb.sim.rule=PRODUCTION]}
 * replays that run exactly and prints its whole trace (skipped without the property). Every
 * counterexample the model check or the mutant test prints names its seed and rule this way.
 */
class LeaseModelReplayTest {

  @Test
  void replayOneSeed() {
    String seed = System.getProperty("deneb.sim.seed");
    Assumptions.assumeTrue(seed != null, "set -Ddeneb.sim.seed=N (and -Ddeneb.sim.rule=...) to replay a run");
    FenceRule rule = FenceRule.valueOf(System.getProperty("deneb.sim.rule", FenceRule.PRODUCTION.name()));
    LeaseModel.Config config = LeaseModel.Config.of(Long.parseLong(seed), rule).tracingAll();
    if (Boolean.getBoolean("deneb.sim.restarts")) config = config.withRestarts();
    LeaseModel.Outcome o = LeaseModel.run(config);
    System.out.println(o.trace());
    System.out.println("seed " + seed + " rule " + rule + ": " + o.stats());
    assertThat(o.violation()).as("%s", o.reproduce()).isNull();
  }

  /**
   * Open finding, with the opt-in member restarts (outside the model check's fault set; see also
   * {@link RestartedMemberReopensLeaseTest}): epoch 4 names db2 after a FENCED proved by lapse while db1
   * was cut off; then two members restart with applied states from before that failover (epoch 3, db1,
   * no workflow) and, cut off from the leader, cannot catch up; db1, which never saw epoch 4, renews
   * epoch 3 and both grant it: db1 and db2 both accept writes at 42.908 s. Disabled because it fails
   * (it asserts S1); the seed is this model's, so a change to the model may move it.
   */
  @Test
  @Disabled("open finding: members restarted behind a failover grant the old primary's epoch again (S1 violated)")
  void membersRestartedBehindAFailoverMustNotGrantTheOldEpoch() {
    LeaseModel.Outcome o = LeaseModel.run(LeaseModel.Config.of(8904, FenceRule.PRODUCTION).withRestarts());
    assertThat(o.violation()).as("%s%n%s", o.trace(), o.reproduce()).isNull();
  }
}
