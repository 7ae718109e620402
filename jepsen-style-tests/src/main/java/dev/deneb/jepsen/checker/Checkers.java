package dev.deneb.jepsen.checker;

import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;
import java.time.Duration;
import java.util.List;

/** Every checker of the suite, run together. */
public final class Checkers {
  private Checkers() {}

  /** After a controller fault's heal, how long a failover still counts as caused by it (a lease TTL and more). */
  public static final Duration CONTROLLER_FAULT_GRACE = Duration.ofSeconds(5);

  /**
   * The checkers: S1, S4, phantom rows, S5, L3 (controller faults begin no failover), convergence
   * within {@code convergenceBound} of the last heal, and availability figures.
   */
  public static List<Checker> all(Duration convergenceBound) {
    return List.of(new SingleWriterChecker(), new LostWritesChecker(), new PhantomRowsChecker(),
        new OneWorkflowPerEpochChecker(), new ControllerFaultsChecker(CONTROLLER_FAULT_GRACE),
        new ConvergenceChecker(convergenceBound), new AvailabilityStats());
  }

  /** Runs {@link #all(Duration)} on a run and returns their verdicts, in that order. */
  public static List<Verdict> all(History history, Observations observations, Duration convergenceBound) {
    return all(convergenceBound).stream().map(c -> c.check(history, observations)).toList();
  }

  /** True when every verdict is valid. */
  public static boolean allValid(List<Verdict> verdicts) {
    return verdicts.stream().allMatch(Verdict::valid);
  }
}
