package dev.deneb.state;

import static dev.deneb.state.Results.accepted;
import static dev.deneb.state.Results.refused;

import dev.deneb.protocol.AckRecord;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.EpochRecord;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.NodeState;
import dev.deneb.protocol.RecordAck;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.SettleNode;
import java.util.Optional;

/**
 * Facts the orchestrator acts on, committed so that any leader sees them: agents' acknowledgements of
 * workflow directives (DESIGN §4), and the verdict on a node that must be checked before it may
 * replicate from the new primary — admitted, or quarantined with the exact extra GTID set (§3.6, S4).
 */
final class Settlements {
  private Settlements() {}

  /** Kept only for the workflow in flight whose epoch the acknowledgement names; a repeat replaces the earlier one. */
  static Applied recordAck(DenebState state, RecordAck cmd, long atMillis) {
    Optional<ClusterRecord> found = state.cluster(cmd.getCluster());
    if (found.isEmpty()) return Membership.unknownCluster(state, cmd.getCluster());
    ClusterRecord cluster = found.get();
    if (!cluster.hasWorkflow() || cluster.getWorkflow().getTargetEpoch() != cmd.getEpoch()) {
      return Applied.unchanged(state, refused(Refusal.NO_WORKFLOW, cluster.getEpoch(),
          "no workflow to epoch " + cmd.getEpoch() + " is in flight; acknowledgement of " + cmd.getDirectiveId() + " ignored"));
    }
    if (Nodes.find(cluster, cmd.getNode()).isEmpty()) return Applied.unchanged(state, Nodes.unknownNode(cluster, cmd.getNode()));
    AckRecord ack = AckRecord.newBuilder().setNode(cmd.getNode()).setDirectiveId(cmd.getDirectiveId())
        .setDone(cmd.getDone()).setDetail(cmd.getDetail()).setGtids(cmd.getGtids()).setAtMillis(atMillis).build();
    var workflow = cluster.getWorkflow().toBuilder();
    int existing = -1;
    for (int i = 0; i < workflow.getAcksCount(); i++) {
      if (workflow.getAcks(i).getDirectiveId().equals(cmd.getDirectiveId())) existing = i;
    }
    if (existing >= 0 && workflow.getAcks(existing).getDone() && !cmd.getDone()) {
      // A late "not done" from another member's copy of the directive must not undo a confirmation.
      return Applied.unchanged(state, accepted(cluster.getEpoch(), "already confirmed: " + cmd.getDirectiveId()));
    }
    if (existing >= 0) workflow.setAcks(existing, ack); else workflow.addAcks(ack);
    ClusterRecord next = cluster.toBuilder().setWorkflow(workflow).build();
    return new Applied(state.with(next), accepted(next.getEpoch(), "acknowledgement of " + cmd.getDirectiveId()
        + " recorded: " + (cmd.getDone() ? "done" : "not done") + (cmd.getDetail().isEmpty() ? "" : " (" + cmd.getDetail() + ")")));
  }

  /** Term-fenced like every orchestrator command, and decided against the current epoch only. */
  static Applied settle(DenebState state, SettleNode cmd, long atMillis, long entryTerm) {
    Optional<ClusterRecord> found = state.cluster(cmd.getCluster());
    if (found.isEmpty()) return Membership.unknownCluster(state, cmd.getCluster());
    ClusterRecord cluster = found.get();
    if (cmd.getTerm() != entryTerm) {
      return Applied.unchanged(state, refused(Refusal.WRONG_TERM, cluster.getEpoch(), "decided in term " + cmd.getTerm()
          + " but committed in term " + entryTerm + "; the deciding leader was deposed"));
    }
    if (cmd.getEpoch() != cluster.getEpoch()) {
      return Applied.unchanged(state, refused(Refusal.STALE_EPOCH, cluster.getEpoch(), "checked against epoch "
          + cmd.getEpoch() + ", cluster is at " + cluster.getEpoch()));
    }
    int i = Nodes.indexOf(cluster, cmd.getNode());
    if (i < 0) return Applied.unchanged(state, Nodes.unknownNode(cluster, cmd.getNode()));
    NodeRecord node = cluster.getNodes(i);
    if (!node.getNeedsCheck()) {
      return Applied.unchanged(state, refused(Refusal.INVALID_ARGUMENT, cluster.getEpoch(),
          "node '" + cmd.getNode() + "' is not waiting for a check"));
    }
    if (cmd.getQuarantine() && cmd.getExtraGtids().isEmpty()) {
      return Applied.unchanged(state, refused(Refusal.INVALID_ARGUMENT, cluster.getEpoch(),
          "a quarantine must name the extra GTIDs"));
    }
    NodeRecord.Builder settled = node.toBuilder().setNeedsCheck(false).setCheckEpoch(0);
    ClusterRecord.Builder next = cluster.toBuilder();
    String message;
    if (cmd.getQuarantine()) {
      settled.setState(NodeState.QUARANTINED).setQuarantinedGtids(cmd.getExtraGtids()).setQuarantinedInEpoch(cluster.getEpoch());
      // The history carries it too: an operator reading why epoch e happened sees what it cost.
      int last = next.getHistoryCount() - 1;
      if (last >= 0) {
        EpochRecord h = next.getHistory(last);
        String q = cmd.getNode() + " quarantined with extra GTIDs " + cmd.getExtraGtids();
        next.setHistory(last, h.toBuilder().setQuarantined(h.getQuarantined().isEmpty() ? q : h.getQuarantined() + "; " + q));
      }
      message = "node '" + cmd.getNode() + "' QUARANTINED: it has transactions the primary lacks: " + cmd.getExtraGtids();
    } else {
      message = "node '" + cmd.getNode() + "' may replicate from '" + cluster.getPrimary() + "': " + cmd.getDetail();
    }
    next.setNodes(i, settled);
    return new Applied(state.with(next.build()), accepted(cluster.getEpoch(), message));
  }
}
