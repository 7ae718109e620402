package dev.deneb.state;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.NodeState;
import dev.deneb.protocol.PromotionRule;
import dev.deneb.protocol.Refusal;
import java.util.Optional;

/** Look-ups over a cluster's node list, and who may be named primary. */
public final class Nodes {
  private Nodes() {}

  public static Optional<NodeRecord> find(ClusterRecord cluster, String node) {
    int i = indexOf(cluster, node);
    return i < 0 ? Optional.empty() : Optional.of(cluster.getNodes(i));
  }

  static int indexOf(ClusterRecord cluster, String node) {
    for (int i = 0; i < cluster.getNodesCount(); i++) {
      if (cluster.getNodes(i).getNode().equals(node)) return i;
    }
    return -1;
  }

  static CommandResult unknownNode(ClusterRecord cluster, String node) {
    return Results.refused(Refusal.UNKNOWN_NODE, cluster.getEpoch(),
        "cluster '" + cluster.getName() + "' has no node named '" + node + "'");
  }

  /** Flags every online node except {@code primary} as needing a GTID check before it may replicate. */
  static ClusterRecord markForCheck(ClusterRecord cluster, String primary) {
    ClusterRecord.Builder b = cluster.toBuilder();
    for (int i = 0; i < b.getNodesCount(); i++) {
      NodeRecord n = b.getNodes(i);
      if (!n.getNode().equals(primary) && n.getState() == NodeState.ONLINE) {
        // Checked against the start of the new epoch unless an earlier, still pending check applies.
        b.setNodes(i, n.toBuilder().setNeedsCheck(true).setCheckEpoch(n.getNeedsCheck() ? n.getCheckEpoch() : cluster.getEpoch()));
      }
    }
    return b.build();
  }

  /** Where replicas reach {@code node}: its replication address, else its client address. */
  public static String replicationHost(NodeRecord n) {
    return n.getReplicationHost().isEmpty() ? n.getHost() : n.getReplicationHost();
  }

  public static int replicationPort(NodeRecord n) {
    return n.getReplicationHost().isEmpty() ? n.getPort() : n.getReplicationPort();
  }

  /** Why {@code node} may not become primary, or empty when it may. */
  static Optional<CommandResult> ineligible(ClusterRecord cluster, String node) {
    Optional<NodeRecord> n = find(cluster, node);
    if (n.isEmpty()) return Optional.of(unknownNode(cluster, node));
    if (n.get().getState() != NodeState.ONLINE) {
      return Optional.of(Results.refused(Refusal.NOT_ELIGIBLE, cluster.getEpoch(),
          "node '" + node + "' is " + n.get().getState() + ", not ONLINE"));
    }
    if (n.get().getNeedsCheck()) {
      // It replicated from an earlier primary and may hold transactions the current one lacks.
      return Optional.of(Results.refused(Refusal.NOT_ELIGIBLE, cluster.getEpoch(),
          "node '" + node + "' has not been checked against the current primary's GTIDs yet"));
    }
    if (n.get().getPromotionRule() == PromotionRule.MUST_NOT) {
      return Optional.of(Results.refused(Refusal.NOT_ELIGIBLE, cluster.getEpoch(),
          "node '" + node + "' has promotion rule must_not"));
    }
    return Optional.empty();
  }
}
