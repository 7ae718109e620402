package dev.deneb.state;

import static dev.deneb.state.Results.accepted;
import static dev.deneb.state.Results.refused;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.CreateCluster;
import dev.deneb.protocol.DeleteCluster;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.NodeState;
import dev.deneb.protocol.PromotionRule;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.RegisterNode;
import dev.deneb.protocol.RemoveNode;
import dev.deneb.protocol.UpdateSettings;
import java.util.Optional;

/** Managed clusters and their nodes: create, configure, delete; register and remove nodes. */
final class Membership {
  private Membership() {}

  static Applied create(DenebState state, CreateCluster cmd) {
    Optional<String> bad = Rules.checkClusterName(cmd.getCluster()).or(() -> Rules.checkSettings(cmd.getSettings()));
    if (bad.isPresent()) return Applied.unchanged(state, refused(Refusal.INVALID_ARGUMENT, bad.get()));
    if (state.cluster(cmd.getCluster()).isPresent()) {
      return Applied.unchanged(state, refused(Refusal.CLUSTER_EXISTS, "cluster '" + cmd.getCluster() + "' already exists"));
    }
    ClusterRecord cluster = ClusterRecord.newBuilder()
        .setName(cmd.getCluster())
        .setSettings(Rules.withDefaults(cmd.getSettings()))
        .build();
    return new Applied(state.with(cluster), accepted(0, "cluster '" + cmd.getCluster() + "' created"));
  }

  static Applied updateSettings(DenebState state, UpdateSettings cmd) {
    Optional<ClusterRecord> found = state.cluster(cmd.getCluster());
    if (found.isEmpty()) return unknownCluster(state, cmd.getCluster());
    Optional<String> bad = Rules.checkSettings(cmd.getSettings());
    if (bad.isPresent()) return Applied.unchanged(state, refused(Refusal.INVALID_ARGUMENT, bad.get()));
    // A lower history_limit applies at once, so the history is always within the current bound.
    ClusterRecord next = Epochs.boundHistory(found.get().toBuilder().setSettings(Rules.withDefaults(cmd.getSettings())))
        .build();
    return new Applied(state.with(next), accepted(next.getEpoch(), "settings of '" + cmd.getCluster() + "' updated"));
  }

  static Applied delete(DenebState state, DeleteCluster cmd) {
    Optional<ClusterRecord> found = state.cluster(cmd.getCluster());
    if (found.isEmpty()) return unknownCluster(state, cmd.getCluster());
    if (found.get().hasWorkflow()) {
      return Applied.unchanged(state, refused(Refusal.WORKFLOW_IN_FLIGHT,
          "cluster '" + cmd.getCluster() + "' has a workflow in flight; abort it first"));
    }
    return new Applied(state.without(cmd.getCluster()), accepted(0, "cluster '" + cmd.getCluster() + "' deleted"));
  }

  /** Idempotent: registering the same node with the same address again is accepted and changes nothing. */
  static Applied register(DenebState state, RegisterNode cmd) {
    Optional<ClusterRecord> found = state.cluster(cmd.getCluster());
    if (found.isEmpty()) return unknownCluster(state, cmd.getCluster());
    Optional<String> bad = Rules.checkNodeName(cmd.getNode()).or(() -> Rules.checkAddress(cmd.getHost(), cmd.getPort()))
        .or(() -> cmd.getReplicationHost().isEmpty() && cmd.getReplicationPort() == 0 ? Optional.empty()
            : Rules.checkAddress(cmd.getReplicationHost(), cmd.getReplicationPort()).map(w -> "replication address: " + w));
    if (bad.isPresent()) return Applied.unchanged(state, refused(Refusal.INVALID_ARGUMENT, bad.get()));
    if (cmd.getPromotionRule() == PromotionRule.UNRECOGNIZED) {
      return Applied.unchanged(state, refused(Refusal.INVALID_ARGUMENT, "promotion rule must be prefer, neutral or must_not"));
    }
    ClusterRecord cluster = found.get();
    PromotionRule rule = cmd.getPromotionRule() == PromotionRule.PROMOTION_RULE_UNSPECIFIED
        ? PromotionRule.NEUTRAL : cmd.getPromotionRule();
    Optional<NodeRecord> existing = Nodes.find(cluster, cmd.getNode());
    if (existing.isPresent()) {
      NodeRecord n = existing.get();
      if (n.getHost().equals(cmd.getHost()) && n.getPort() == cmd.getPort() && n.getPromotionRule() == rule
          && n.getReplicationHost().equals(cmd.getReplicationHost()) && n.getReplicationPort() == cmd.getReplicationPort()) {
        return Applied.unchanged(state, accepted(cluster.getEpoch(), "node '" + cmd.getNode() + "' already registered"));
      }
      return Applied.unchanged(state, refused(Refusal.NODE_EXISTS, cluster.getEpoch(),
          "node '" + cmd.getNode() + "' is registered as " + n.getHost() + ":" + n.getPort() + " (" + n.getPromotionRule()
              + "); remove it first to change it"));
    }
    NodeRecord node = NodeRecord.newBuilder()
        .setNode(cmd.getNode()).setHost(cmd.getHost()).setPort(cmd.getPort())
        .setReplicationHost(cmd.getReplicationHost()).setReplicationPort(cmd.getReplicationPort())
        .setPromotionRule(rule).setState(NodeState.ONLINE)
        // Failsafe: only a node present when an epoch began can prove its primary's hold over.
        .setRegisteredInEpoch(cluster.getEpoch())
        // Joining a running cluster: checked against the primary's GTIDs before it may replicate or be
        // promoted (check epoch 0 = against the primary's current position, not an epoch's start).
        .setNeedsCheck(cluster.getEpoch() > 0).build();
    ClusterRecord next = cluster.toBuilder().addNodes(node).build();
    return new Applied(state.with(next), accepted(next.getEpoch(), "node '" + cmd.getNode() + "' registered"));
  }

  static Applied remove(DenebState state, RemoveNode cmd) {
    Optional<ClusterRecord> found = state.cluster(cmd.getCluster());
    if (found.isEmpty()) return unknownCluster(state, cmd.getCluster());
    ClusterRecord cluster = found.get();
    int index = Nodes.indexOf(cluster, cmd.getNode());
    if (index < 0) return Applied.unchanged(state, Nodes.unknownNode(cluster, cmd.getNode()));
    if (cluster.getPrimary().equals(cmd.getNode())) {
      return Applied.unchanged(state, refused(Refusal.NODE_IS_PRIMARY, cluster.getEpoch(),
          "node '" + cmd.getNode() + "' is the primary of epoch " + cluster.getEpoch() + "; switch over first"));
    }
    if (cluster.hasWorkflow() && cluster.getWorkflow().getTarget().equals(cmd.getNode())) {
      return Applied.unchanged(state, refused(Refusal.WORKFLOW_IN_FLIGHT, cluster.getEpoch(),
          "node '" + cmd.getNode() + "' is the target of the workflow in flight"));
    }
    ClusterRecord next = cluster.toBuilder().removeNodes(index).setLastRemovalEpoch(cluster.getEpoch()).build();
    return new Applied(state.with(next), accepted(next.getEpoch(), "node '" + cmd.getNode() + "' removed"));
  }

  static Applied unknownCluster(DenebState state, String name) {
    return Applied.unchanged(state, refused(Refusal.UNKNOWN_CLUSTER, "no cluster named '" + name + "'"));
  }
}
