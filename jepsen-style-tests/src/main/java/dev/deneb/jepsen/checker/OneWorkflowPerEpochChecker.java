package dev.deneb.jepsen.checker;

import dev.deneb.jepsen.history.EpochChange;
import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;
import dev.deneb.jepsen.history.Op;
import dev.deneb.jepsen.history.WorkflowRun;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * <b>S5 one workflow</b> (DESIGN §2) for one managed cluster: every epoch above the bootstrap one
 * was produced by exactly one workflow (none would mean an epoch appeared outside any workflow, two
 * that a second workflow was started for the same change), and no two workflows overlap in time. A
 * workflow still in flight at the end is taken to run to the end of the run.
 */
public final class OneWorkflowPerEpochChecker implements Checker {
  public static final String PROPERTY = "S5 one workflow";

  @Override
  public String property() {
    return PROPERTY;
  }

  @Override
  public Verdict check(History history, Observations observations) {
    List<String> violations = new ArrayList<>();
    long bootstrap = observations.bootstrapEpoch();
    for (EpochChange change : observations.epochChanges()) {
      if (change.epoch() == bootstrap) continue;
      List<WorkflowRun> producers = observations.workflows().stream()
          .filter(w -> w.toEpoch() == change.epoch()).toList();
      if (producers.size() != 1) {
        violations.add("epoch " + change.epoch() + " (" + change.primary() + ", " + change.reason() + ") was produced by "
            + producers.size() + " workflows instead of exactly one"
            + (producers.isEmpty() ? "" : ": " + producers.stream().map(WorkflowRun::describe).toList()));
      }
    }
    long end = Math.max(history.endNanos(), observations.workflows().stream()
        .mapToLong(w -> w.endOr(w.beganAtNanos())).max().orElse(0));
    List<WorkflowRun> byStart = observations.workflows().stream()
        .sorted(Comparator.comparingLong(WorkflowRun::beganAtNanos)).toList();
    WorkflowRun latestEnding = null;
    for (WorkflowRun w : byStart) {
      if (latestEnding != null && w.beganAtNanos() < latestEnding.endOr(end)) {
        violations.add("workflow " + w.describe() + " began at " + Op.seconds(w.beganAtNanos())
            + " while workflow " + latestEnding.describe() + " was still in flight");
      }
      if (latestEnding == null || w.endOr(end) > latestEnding.endOr(end)) latestEnding = w;
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("bootstrapEpoch", bootstrap);
    stats.put("epochChanges", observations.epochChanges().size());
    stats.put("workflows", observations.workflows().size());
    return Verdict.of(PROPERTY, violations, stats);
  }
}
