package dev.deneb.state;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.DetachOrder;
import dev.deneb.protocol.Directive;
import dev.deneb.protocol.Durability;
import dev.deneb.protocol.FenceOrder;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.NodeState;
import dev.deneb.protocol.PromoteOrder;
import dev.deneb.protocol.ReplicateOrder;
import dev.deneb.protocol.WorkflowRecord;
import dev.deneb.protocol.WorkflowStep;
import java.util.Optional;

/**
 * What the committed state orders a node to do (DESIGN §4): a pure function of the replicated
 * state, so every member computes the same directive for the same node and any member can deliver it.
 * A node has at most one order at a time:
 * <ul>
 *   <li><b>fence</b> — the primary being replaced, from BEGUN until the new primary is PROMOTED;
 *   <li><b>promote</b> — the chosen candidate at CANDIDATE_CHOSEN (the epoch naming it is committed);
 *   <li><b>detach</b> — in semi-sync, every other online replica from FENCED until discovery, when the
 *       old primary's final position is unknown ({@link #detaches});
 *   <li><b>replicate</b> — every other online node that passed its GTID check, once discovery names
 *       the new primary (and in steady state, so a node that drifted is pointed back).
 * </ul>
 */
public final class Directives {
  private Directives() {}

  public static Optional<Directive> pending(ClusterRecord cluster, String node) {
    if (cluster.getEpoch() == 0) return Optional.empty();
    if (cluster.hasWorkflow()) {
      WorkflowRecord w = cluster.getWorkflow();
      int step = w.getStep().getNumber();
      if (node.equals(w.getFrom()) && step < WorkflowStep.PROMOTED.getNumber()) {
        return Optional.of(Directive.newBuilder()
            .setId(cluster.getName() + "/" + w.getTargetEpoch() + "/fence/" + node)
            .setEpoch(w.getTargetEpoch())
            .setFence(FenceOrder.newBuilder().setReason(w.getKind().name().toLowerCase() + " to epoch "
                + w.getTargetEpoch() + ": " + w.getReason()))
            .build());
      }
      if (node.equals(w.getTarget()) && w.getStep() == WorkflowStep.CANDIDATE_CHOSEN) {
        return Optional.of(Directive.newBuilder()
            .setId(cluster.getName() + "/" + w.getTargetEpoch() + "/promote/" + node)
            .setEpoch(w.getTargetEpoch())
            .setPromote(PromoteOrder.newBuilder().setSemiSync(semiSync(cluster))
                .setSemiSyncTimeoutMillis(cluster.getSettings().getSemiSyncTimeoutMillis()))
            .build());
      }
      if (detaches(cluster, node)) {
        return Optional.of(Directive.newBuilder()
            .setId(cluster.getName() + "/" + w.getTargetEpoch() + "/detach/" + node)
            .setEpoch(w.getTargetEpoch())
            .setDetach(DetachOrder.newBuilder().setFrom(w.getFrom()).setReason(w.getKind().name().toLowerCase()
                + " to epoch " + w.getTargetEpoch() + ": " + w.getFrom() + "'s final position is unknown"))
            .build());
      }
      if (step < WorkflowStep.DISCOVERY_PUBLISHED.getNumber()) return Optional.empty();
    }
    return replicate(cluster, node);
  }

  /**
   * Whether {@code node} must stop receiving from the primary being replaced (DESIGN §3.4, S4):
   * semi-sync durability, a workflow from FENCED until DISCOVERY_PUBLISHED whose old primary's final
   * position is unknown (fenced by its lease lapsing, or confirmed without a readable position), and
   * {@code node} an online, checked replica other than the old and the new primary.
   *
   * <p>Why: a lapsed lease does not stop a frozen old primary (SIGSTOP, a VM pause) from committing
   * once it resumes, before its agent or guard fences it. A replica still attached to it would
   * acknowledge those commits and semi-sync would return them as committed, although the new
   * primary never has them. Detached, no replica acknowledges: the commits wait out the semi-sync
   * timeout, within which the resumed agent kills their sessions. With a known final position the
   * old primary was verified read-only and the candidate must keep receiving to catch up to it.
   */
  public static boolean detaches(ClusterRecord cluster, String node) {
    if (!cluster.hasWorkflow() || !semiSync(cluster)) return false;
    WorkflowRecord w = cluster.getWorkflow();
    int step = w.getStep().getNumber();
    if (step < WorkflowStep.FENCED.getNumber() || step >= WorkflowStep.DISCOVERY_PUBLISHED.getNumber()) return false;
    if (!w.getFinalGtids().isEmpty() || node.equals(w.getFrom()) || node.equals(w.getTarget())) return false;
    return Nodes.find(cluster, node).filter(n -> n.getState() == NodeState.ONLINE && !n.getNeedsCheck()).isPresent();
  }

  private static Optional<Directive> replicate(ClusterRecord cluster, String node) {
    if (node.equals(cluster.getPrimary())) return Optional.empty();
    Optional<NodeRecord> self = Nodes.find(cluster, node);
    Optional<NodeRecord> primary = Nodes.find(cluster, cluster.getPrimary());
    if (self.isEmpty() || primary.isEmpty()) return Optional.empty();
    if (self.get().getState() != NodeState.ONLINE || self.get().getNeedsCheck()) return Optional.empty();
    String host = Nodes.replicationHost(primary.get());
    int port = Nodes.replicationPort(primary.get());
    return Optional.of(Directive.newBuilder()
        .setId(cluster.getName() + "/" + cluster.getEpoch() + "/replicate/" + node + "/" + host + ":" + port)
        .setEpoch(cluster.getEpoch())
        .setReplicate(ReplicateOrder.newBuilder().setPrimary(cluster.getPrimary()).setHost(host).setPort(port)
            .setSemiSync(semiSync(cluster)))
        .build());
  }

  public static boolean semiSync(ClusterRecord cluster) {
    return cluster.getSettings().getDurability() == Durability.SEMI_SYNC;
  }
}
