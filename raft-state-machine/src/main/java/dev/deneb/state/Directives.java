package dev.deneb.state;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.Directive;
import dev.deneb.protocol.FenceOrder;
import dev.deneb.protocol.WorkflowRecord;
import dev.deneb.protocol.WorkflowStep;
import java.util.Optional;

/**
 * What the committed state orders a node to do (DESIGN §4): a pure function of the replicated
 * state, so every member computes the same directive for the same node and any member can deliver it.
 */
public final class Directives {
  private Directives() {}

  public static Optional<Directive> pending(ClusterRecord cluster, String node) {
    if (!cluster.hasWorkflow()) return Optional.empty();
    WorkflowRecord w = cluster.getWorkflow();
    // From BEGUN until the new primary is promoted, the node being replaced must stay fenced.
    if (node.equals(w.getFrom()) && w.getStep().getNumber() < WorkflowStep.PROMOTED.getNumber()) {
      return Optional.of(Directive.newBuilder()
          .setId(cluster.getName() + "/" + w.getTargetEpoch() + "/fence/" + node)
          .setEpoch(w.getTargetEpoch())
          .setFence(FenceOrder.newBuilder().setReason(w.getKind().name().toLowerCase() + " to epoch "
              + w.getTargetEpoch() + ": " + w.getReason()))
          .build());
    }
    return Optional.empty();
  }
}
