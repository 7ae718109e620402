package dev.deneb.jepsen.checker;

import static dev.deneb.jepsen.Script.nanos;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.jepsen.Runs;
import dev.deneb.jepsen.history.Durability;
import dev.deneb.jepsen.history.EpochChange;
import dev.deneb.jepsen.history.Observations;
import dev.deneb.jepsen.history.WorkflowRun;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OneWorkflowPerEpochCheckerTest {
  private final OneWorkflowPerEpochChecker checker = new OneWorkflowPerEpochChecker();

  private static Observations with(List<EpochChange> epochs, List<WorkflowRun> workflows) {
    return new Observations(Durability.SEMI_SYNC, epochs, workflows, List.of(), Runs.finalState(Set.of()));
  }

  private static List<EpochChange> threeEpochs() {
    List<EpochChange> epochs = new ArrayList<>(Runs.epochs());
    epochs.add(new EpochChange(3, "db3", "switchover", nanos(8.0), Set.of()));
    return epochs;
  }

  @Test
  void oneWorkflowPerEpochInSequenceIsValid() {
    Verdict verdict = checker.check(Runs.cleanHistory(), with(threeEpochs(), List.of(
        new WorkflowRun("failover", 1, 2, nanos(2.9), nanos(3.1), "completed"),
        new WorkflowRun("switchover", 2, 3, nanos(7.9), nanos(8.2), "completed"))));

    assertThat(verdict.valid()).as("%s", verdict.violations()).isTrue();
    assertThat(verdict.stats()).containsEntry("bootstrapEpoch", 1L).containsEntry("workflows", 2);
  }

  @Test
  void anEpochWithoutAWorkflowIsReported() {
    Verdict verdict = checker.check(Runs.cleanHistory(), with(threeEpochs(), Runs.workflows()));

    assertThat(verdict.valid()).isFalse();
    assertThat(verdict.violations()).singleElement().asString()
        .contains("epoch 3 (db3, switchover) was produced by 0 workflows");
  }

  @Test
  void twoWorkflowsForOneEpochAreReported() {
    Verdict verdict = checker.check(Runs.cleanHistory(), with(Runs.epochs(), List.of(
        new WorkflowRun("failover", 1, 2, nanos(2.9), nanos(3.1), "completed"),
        new WorkflowRun("failover", 1, 2, nanos(3.5), nanos(3.6), "completed"))));

    assertThat(verdict.valid()).isFalse();
    assertThat(verdict.violations()).singleElement().asString()
        .contains("epoch 2", "produced by 2 workflows", "failover 1->2 [3.500s, 3.600s]");
  }

  @Test
  void overlappingWorkflowsAreReported() {
    Verdict verdict = checker.check(Runs.cleanHistory(), with(threeEpochs(), List.of(
        new WorkflowRun("failover", 1, 2, nanos(2.9), null, "in flight"),
        new WorkflowRun("switchover", 2, 3, nanos(7.9), nanos(8.2), "completed"))));

    assertThat(verdict.valid()).isFalse();
    assertThat(verdict.violations()).singleElement().asString()
        .contains("switchover 2->3", "began at 7.900s while workflow failover 1->2 [2.900s, in flight]");
  }
}
