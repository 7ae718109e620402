package dev.deneb.state;

import static dev.deneb.state.Results.accepted;
import static dev.deneb.state.Results.refused;

import dev.deneb.protocol.AbortWorkflow;
import dev.deneb.protocol.AdvanceWorkflow;
import dev.deneb.protocol.BeginWorkflow;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.CompleteWorkflow;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.SetPaused;
import dev.deneb.protocol.WorkflowKind;
import dev.deneb.protocol.WorkflowRecord;
import dev.deneb.protocol.WorkflowStep;
import java.util.Optional;

/**
 * Failover and switchover workflows (DESIGN §3.4, §3.5): at most one per cluster (S5), steps in a
 * fixed order, each one a committed command. The new epoch is committed at {@code CANDIDATE_CHOSEN},
 * before any promotion or discovery step (S2). Pause and cooldown live here too.
 */
final class Workflows {
  private Workflows() {}

  static Applied begin(DenebState state, BeginWorkflow cmd, long atMillis, long entryTerm) {
    Optional<ClusterRecord> found = state.cluster(cmd.getCluster());
    if (found.isEmpty()) return Membership.unknownCluster(state, cmd.getCluster());
    ClusterRecord cluster = found.get();
    Optional<CommandResult> refusal = wrongTerm(cluster, cmd.getTerm(), entryTerm)
        .or(() -> notBootstrapped(cluster))
        .or(() -> cluster.hasWorkflow() ? Optional.of(refused(Refusal.WORKFLOW_IN_FLIGHT, cluster.getEpoch(),
            "a " + cluster.getWorkflow().getKind() + " to epoch " + cluster.getWorkflow().getTargetEpoch()
                + " is in flight")) : Optional.empty())
        .or(() -> cmd.getExpectedEpoch() != cluster.getEpoch() ? Optional.of(refused(Refusal.STALE_EPOCH,
            cluster.getEpoch(), "decided against epoch " + cmd.getExpectedEpoch() + ", cluster is at "
                + cluster.getEpoch())) : Optional.empty())
        .or(() -> paused(cluster))
        .or(() -> cmd.getAutomatic() ? automaticRefusal(cluster, atMillis) : Optional.empty())
        .or(() -> targetRefusal(cluster, cmd));
    if (refusal.isPresent()) return Applied.unchanged(state, refusal.get());

    WorkflowRecord workflow = WorkflowRecord.newBuilder()
        .setKind(cmd.getKind()).setTargetEpoch(cluster.getEpoch() + 1).setFrom(cluster.getPrimary())
        .setTarget(cmd.getTarget()).setStep(WorkflowStep.BEGUN).setAutomatic(cmd.getAutomatic())
        .setReason(cmd.getReason()).setBegunAtMillis(atMillis).setStepAtMillis(atMillis).build();
    ClusterRecord.Builder next = cluster.toBuilder().setWorkflow(workflow);
    if (cmd.getAutomatic()) next.setLastAutoFailoverAtMillis(atMillis);
    return new Applied(state.with(next.build()), accepted(cluster.getEpoch(),
        cmd.getKind() + " to epoch " + workflow.getTargetEpoch() + " begun: " + cmd.getReason()));
  }

  private static Optional<CommandResult> automaticRefusal(ClusterRecord cluster, long atMillis) {
    if (!cluster.getSettings().getAutoFailover()) {
      return Optional.of(refused(Refusal.AUTO_FAILOVER_DISABLED, cluster.getEpoch(),
          "automatic failover is off for cluster '" + cluster.getName() + "'"));
    }
    long last = cluster.getLastAutoFailoverAtMillis();
    long cooldown = cluster.getSettings().getCooldownMillis();
    if (last != 0 && atMillis - last < cooldown) {
      return Optional.of(refused(Refusal.COOLDOWN, cluster.getEpoch(), "last automatic failover was "
          + (atMillis - last) + " ms ago, cooldown is " + cooldown + " ms; an operator may fail over by hand"));
    }
    return Optional.empty();
  }

  private static Optional<CommandResult> targetRefusal(ClusterRecord cluster, BeginWorkflow cmd) {
    if (cmd.getKind() != WorkflowKind.FAILOVER && cmd.getKind() != WorkflowKind.SWITCHOVER) {
      return Optional.of(refused(Refusal.INVALID_ARGUMENT, cluster.getEpoch(), "workflow kind must be FAILOVER or SWITCHOVER"));
    }
    if (cmd.getTarget().isEmpty()) {
      return cmd.getKind() == WorkflowKind.SWITCHOVER
          ? Optional.of(refused(Refusal.INVALID_ARGUMENT, cluster.getEpoch(), "a switchover needs a target node"))
          : Optional.empty();
    }
    if (cmd.getTarget().equals(cluster.getPrimary())) {
      return Optional.of(refused(Refusal.NOT_ELIGIBLE, cluster.getEpoch(),
          "node '" + cmd.getTarget() + "' is already the primary"));
    }
    return Nodes.ineligible(cluster, cmd.getTarget());
  }

  static Applied advance(DenebState state, AdvanceWorkflow cmd, long atMillis, long entryTerm) {
    Optional<ClusterRecord> found = state.cluster(cmd.getCluster());
    if (found.isEmpty()) return Membership.unknownCluster(state, cmd.getCluster());
    ClusterRecord cluster = found.get();
    Optional<CommandResult> refusal = wrongTerm(cluster, cmd.getTerm(), entryTerm)
        .or(() -> noSuchWorkflow(cluster, cmd.getTargetEpoch()))
        .or(() -> paused(cluster))
        .or(() -> outOfOrder(cluster, cmd.getStep()))
        .or(() -> cmd.getStep() == WorkflowStep.CANDIDATE_CHOSEN ? candidateRefusal(cluster, cmd.getCandidate())
            : Optional.empty());
    if (refusal.isPresent()) return Applied.unchanged(state, refusal.get());

    WorkflowRecord.Builder workflow = cluster.getWorkflow().toBuilder()
        .setStep(cmd.getStep()).setStepAtMillis(atMillis).setDetail(cmd.getDetail());
    if (cmd.getStep() == WorkflowStep.FENCED) workflow.setFinalGtids(cmd.getFinalGtids());
    ClusterRecord next = cluster;
    if (cmd.getStep() == WorkflowStep.PROMOTED && !cmd.getStartGtids().isEmpty() && cluster.getHistoryCount() > 0) {
      int last = cluster.getHistoryCount() - 1;
      next = cluster.toBuilder().setHistory(last, cluster.getHistory(last).toBuilder().setStartGtids(cmd.getStartGtids())).build();
    }
    if (cmd.getStep() == WorkflowStep.CANDIDATE_CHOSEN) {
      workflow.setLostGtids(cmd.getLostGtids());
      // S2: the epoch that names the new primary is committed here, before promotion and discovery.
      workflow.setTarget(cmd.getCandidate());
      String why = cluster.getWorkflow().getKind().name().toLowerCase() + ": " + cluster.getWorkflow().getReason();
      next = Epochs.namePrimary(cluster, cluster.getWorkflow().getTargetEpoch(), cmd.getCandidate(), why, atMillis,
          cmd.getLostGtids());
      // Every other node replicated from (or was) the replaced primary: each must be checked against
      // the new primary before it is told to replicate from it (DESIGN §3.6).
      next = Nodes.markForCheck(next, cmd.getCandidate());
    }
    next = next.toBuilder().setWorkflow(workflow).build();
    return new Applied(state.with(next), accepted(next.getEpoch(),
        "workflow to epoch " + cmd.getTargetEpoch() + " at step " + cmd.getStep()));
  }

  private static Optional<CommandResult> outOfOrder(ClusterRecord cluster, WorkflowStep step) {
    WorkflowStep current = cluster.getWorkflow().getStep();
    if (step == WorkflowStep.UNRECOGNIZED || step.getNumber() != current.getNumber() + 1) {
      return Optional.of(refused(Refusal.STEP_OUT_OF_ORDER, cluster.getEpoch(),
          "workflow is at " + current + "; " + step + " cannot follow it"));
    }
    return Optional.empty();
  }

  private static Optional<CommandResult> candidateRefusal(ClusterRecord cluster, String candidate) {
    WorkflowRecord w = cluster.getWorkflow();
    if (candidate.isEmpty()) {
      return Optional.of(refused(Refusal.INVALID_ARGUMENT, cluster.getEpoch(), "CANDIDATE_CHOSEN needs a candidate"));
    }
    if (candidate.equals(w.getFrom())) {
      return Optional.of(refused(Refusal.NOT_ELIGIBLE, cluster.getEpoch(),
          "node '" + candidate + "' is the primary being replaced"));
    }
    if (!w.getTarget().isEmpty() && !w.getTarget().equals(candidate)) {
      return Optional.of(refused(Refusal.NOT_ELIGIBLE, cluster.getEpoch(),
          "the workflow was begun for target '" + w.getTarget() + "', not '" + candidate + "'"));
    }
    return Nodes.ineligible(cluster, candidate);
  }

  static Applied complete(DenebState state, CompleteWorkflow cmd, long entryTerm) {
    Optional<ClusterRecord> found = state.cluster(cmd.getCluster());
    if (found.isEmpty()) return Membership.unknownCluster(state, cmd.getCluster());
    ClusterRecord cluster = found.get();
    Optional<CommandResult> refusal = wrongTerm(cluster, cmd.getTerm(), entryTerm)
        .or(() -> noSuchWorkflow(cluster, cmd.getTargetEpoch()))
        .or(() -> cluster.getWorkflow().getStep() != WorkflowStep.REPOINTED
            ? Optional.of(refused(Refusal.STEP_OUT_OF_ORDER, cluster.getEpoch(),
                "workflow is at " + cluster.getWorkflow().getStep() + ", not REPOINTED"))
            : Optional.empty());
    if (refusal.isPresent()) return Applied.unchanged(state, refusal.get());
    ClusterRecord next = cluster.toBuilder().clearWorkflow().build();
    return new Applied(state.with(next), accepted(next.getEpoch(),
        "workflow complete: epoch " + next.getEpoch() + ", primary '" + next.getPrimary() + "'"));
  }

  /**
   * Ends the workflow where it stands. Epochs never go back, and agents have already been shown the
   * workflow's target epoch (the old primary's fence directive carries it; S3 makes them refuse
   * anything older afterwards). So an abort before CANDIDATE_CHOSEN commits that target epoch naming
   * the old primary again — it renews for the new epoch and carries on — and an abort after it keeps
   * the new epoch and primary. Either way a later workflow targets a fresh epoch.
   */
  static Applied abort(DenebState state, AbortWorkflow cmd, long atMillis, long entryTerm) {
    Optional<ClusterRecord> found = state.cluster(cmd.getCluster());
    if (found.isEmpty()) return Membership.unknownCluster(state, cmd.getCluster());
    ClusterRecord cluster = found.get();
    Optional<CommandResult> refusal = wrongTerm(cluster, cmd.getTerm(), entryTerm)
        .or(() -> noSuchWorkflow(cluster, cmd.getTargetEpoch()));
    if (refusal.isPresent()) return Applied.unchanged(state, refusal.get());
    WorkflowRecord w = cluster.getWorkflow();
    ClusterRecord next = cluster;
    if (cluster.getEpoch() < w.getTargetEpoch()) {
      next = Epochs.namePrimary(cluster, w.getTargetEpoch(), w.getFrom(),
          w.getKind().name().toLowerCase() + " aborted at " + w.getStep() + ": " + cmd.getReason(), atMillis, "");
    }
    next = next.toBuilder().clearWorkflow().build();
    return new Applied(state.with(next), accepted(next.getEpoch(), "workflow to epoch " + cmd.getTargetEpoch()
        + " aborted at " + w.getStep() + ": " + cmd.getReason() + "; epoch " + next.getEpoch() + " names '"
        + next.getPrimary() + "'"));
  }

  static Applied setPaused(DenebState state, SetPaused cmd) {
    Optional<ClusterRecord> found = state.cluster(cmd.getCluster());
    if (found.isEmpty()) return Membership.unknownCluster(state, cmd.getCluster());
    ClusterRecord next = found.get().toBuilder().setPaused(cmd.getPaused()).build();
    return new Applied(state.with(next), accepted(next.getEpoch(),
        "cluster '" + cmd.getCluster() + "' " + (cmd.getPaused() ? "paused" : "resumed")
            + (cmd.getReason().isEmpty() ? "" : ": " + cmd.getReason())));
  }

  /** Orchestrator commands are fenced by the Raft term they were decided in (DESIGN §3.4). */
  private static Optional<CommandResult> wrongTerm(ClusterRecord cluster, long decidedIn, long entryTerm) {
    if (decidedIn != entryTerm) {
      return Optional.of(refused(Refusal.WRONG_TERM, cluster.getEpoch(),
          "decided in term " + decidedIn + " but committed in term " + entryTerm + "; the deciding leader was deposed"));
    }
    return Optional.empty();
  }

  private static Optional<CommandResult> notBootstrapped(ClusterRecord cluster) {
    return cluster.getEpoch() == 0
        ? Optional.of(refused(Refusal.NOT_BOOTSTRAPPED, 0, "cluster '" + cluster.getName() + "' has no epoch yet"))
        : Optional.empty();
  }

  private static Optional<CommandResult> noSuchWorkflow(ClusterRecord cluster, long targetEpoch) {
    if (!cluster.hasWorkflow()) {
      return Optional.of(refused(Refusal.NO_WORKFLOW, cluster.getEpoch(), "no workflow is in flight"));
    }
    if (cluster.getWorkflow().getTargetEpoch() != targetEpoch) {
      return Optional.of(refused(Refusal.NO_WORKFLOW, cluster.getEpoch(), "the workflow in flight targets epoch "
          + cluster.getWorkflow().getTargetEpoch() + ", not " + targetEpoch));
    }
    return Optional.empty();
  }

  private static Optional<CommandResult> paused(ClusterRecord cluster) {
    return cluster.getPaused()
        ? Optional.of(refused(Refusal.PAUSED, cluster.getEpoch(), "cluster '" + cluster.getName() + "' is paused"))
        : Optional.empty();
  }
}
