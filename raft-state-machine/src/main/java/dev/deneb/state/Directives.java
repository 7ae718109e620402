package dev.deneb.state;

import dev.deneb.protocol.ClusterRecord;
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
      if (step < WorkflowStep.DISCOVERY_PUBLISHED.getNumber()) return Optional.empty();
    }
    return replicate(cluster, node);
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
