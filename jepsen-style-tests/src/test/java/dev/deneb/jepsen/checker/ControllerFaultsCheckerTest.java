package dev.deneb.jepsen.checker;

import static dev.deneb.jepsen.Script.nanos;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.jepsen.Runs;
import dev.deneb.jepsen.Script;
import dev.deneb.jepsen.history.Durability;
import dev.deneb.jepsen.history.Observations;
import dev.deneb.jepsen.history.WorkflowRun;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ControllerFaultsCheckerTest {
  private final ControllerFaultsChecker checker = new ControllerFaultsChecker(Duration.ofSeconds(5));

  private static Observations with(List<WorkflowRun> workflows) {
    return new Observations(Durability.SEMI_SYNC, Runs.epochs(), workflows, List.of(), Runs.finalState(Set.of()));
  }

  @Test
  void aFailoverBegunWhileTheLeaderWasFrozenIsReported() {
    var history = new Script().startFault(1.0, "pause-leader", "c1").stopFault(11.0, "pause-leader", "c1").history();
    Verdict verdict = checker.check(history, with(List.of(new WorkflowRun("failover", 1, 2, nanos(3.2), nanos(4.0), "completed"))));
    assertThat(verdict.valid()).isFalse();
    assertThat(verdict.violations()).singleElement().asString().contains("failover 1->2", "pause-leader c1");
  }

  @Test
  void aFailoverAfterANodeFaultOrLongAfterAControllerFaultIsFine() {
    var history = new Script().startFault(1.0, "kill-leader", "c1").stopFault(2.0, "kill-leader", "c1")
        .startFault(20.0, "kill-mysqld", "db1").stopFault(25.0, "kill-mysqld", "db1").history();
    Verdict verdict = checker.check(history, with(List.of(new WorkflowRun("failover", 1, 2, nanos(21.0), nanos(22.0), "completed"))));
    assertThat(verdict.valid()).as("%s", verdict.violations()).isTrue();
    assertThat(verdict.stats()).containsEntry("controllerFaults", 1);
  }
}
