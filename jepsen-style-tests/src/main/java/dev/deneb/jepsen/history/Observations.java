package dev.deneb.jepsen.history;

import java.util.Comparator;
import java.util.List;

/**
 * The controller's facts about one managed cluster during a run, which the checkers read beside
 * the client history.
 *
 * @param durability the cluster's durability mode
 * @param epochChanges every epoch of the run, the bootstrap one included (sorted by epoch here)
 * @param workflows every workflow the controller ran
 * @param quarantines every quarantine it reported
 * @param finalState what was read after the last heal
 */
public record Observations(Durability durability, List<EpochChange> epochChanges, List<WorkflowRun> workflows,
    List<Quarantine> quarantines, FinalState finalState) {

  public Observations {
    java.util.Objects.requireNonNull(durability, "observations need the cluster's durability mode (SEMI_SYNC or ASYNC)");
    java.util.Objects.requireNonNull(finalState, "observations need the final state read after the last heal");
    epochChanges = epochChanges.stream().sorted(Comparator.comparingLong(EpochChange::epoch)).toList();
    workflows = List.copyOf(workflows);
    quarantines = List.copyOf(quarantines);
  }

  /** The lowest epoch of the run, produced by bootstrap rather than by a workflow; 0 when none. */
  public long bootstrapEpoch() {
    return epochChanges.isEmpty() ? 0 : epochChanges.get(0).epoch();
  }
}
