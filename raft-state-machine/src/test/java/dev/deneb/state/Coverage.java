package dev.deneb.state;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.WorkflowStep;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;

/** What one run reached, so a property can show (and require) that generated runs get deep. */
final class Coverage {
  int deepestStep;
  int completed;
  int abortedAfterCandidateChosen;
  long highestEpoch;
  boolean historyTrimmed;
  boolean recreated;
  boolean acceptedRenewalFromNewPrimaryMidWorkflow;
  boolean detachOrdered;
  final Set<Refusal> refusals = EnumSet.noneOf(Refusal.class);
  final Set<Refusal> renewalVerdicts = EnumSet.noneOf(Refusal.class);
  private final Set<String> deleted = new HashSet<>();

  void observe(Step s) {
    if (!s.accepted()) refusals.add(s.result().getRefusal());
    for (int i = 0; i < s.result().getRenewalRefusalsCount(); i++) {
      Refusal verdict = s.result().getRenewalRefusals(i);
      renewalVerdicts.add(verdict);
      var r = s.command().getRenewLeases().getRenewals(i);
      if (verdict == Refusal.REFUSAL_UNSPECIFIED
          && s.before(r.getCluster()).map(ClusterRecord::hasWorkflow).orElse(false)) {
        acceptedRenewalFromNewPrimaryMidWorkflow = true;
      }
    }
    if (s.accepted() && s.command().hasCompleteWorkflow()) completed++;
    if (s.accepted() && s.command().hasAbortWorkflow()
        && s.before(s.cluster()).get().getWorkflow().getStep().getNumber() >= WorkflowStep.CANDIDATE_CHOSEN_VALUE) {
      abortedAfterCandidateChosen++;
    }
    if (s.accepted() && s.command().hasDeleteCluster()) deleted.add(s.cluster());
    if (s.accepted() && s.command().hasCreateCluster() && deleted.contains(s.cluster())) recreated = true;
    for (ClusterRecord c : s.after().clusters().values()) {
      for (var n : c.getNodesList()) {
        if (Directives.pending(c, n.getNode()).filter(d -> d.hasDetach()).isPresent()) detachOrdered = true;
      }
      if (c.hasWorkflow()) deepestStep = Math.max(deepestStep, c.getWorkflow().getStep().getNumber());
      highestEpoch = Math.max(highestEpoch, c.getEpoch());
      if (c.getHistoryCount() > 0 && c.getHistory(0).getEpoch() > 1) historyTrimmed = true;
    }
  }

  /** The deepest point any workflow of the run reached: a step name, or COMPLETED. */
  String deepest() {
    if (completed > 0) return "COMPLETED";
    return deepestStep == 0 ? "NO WORKFLOW" : WorkflowStep.forNumber(deepestStep).name();
  }
}
