package dev.deneb.state;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.CommandResult;
import java.util.Optional;
import java.util.TreeSet;

/** One applied command of a run: what went in, the states either side, and what came out. */
record Step(int index, Command command, long entryTerm, DenebState before, DenebState after, CommandResult result) {

  /** The cluster the command names, or "" for a renewal batch (which names many). */
  String cluster() {
    return switch (command.getKindCase()) {
      case CREATE_CLUSTER -> command.getCreateCluster().getCluster();
      case UPDATE_SETTINGS -> command.getUpdateSettings().getCluster();
      case DELETE_CLUSTER -> command.getDeleteCluster().getCluster();
      case REGISTER_NODE -> command.getRegisterNode().getCluster();
      case REMOVE_NODE -> command.getRemoveNode().getCluster();
      case BOOTSTRAP_EPOCH -> command.getBootstrapEpoch().getCluster();
      case BEGIN_WORKFLOW -> command.getBeginWorkflow().getCluster();
      case ADVANCE_WORKFLOW -> command.getAdvanceWorkflow().getCluster();
      case COMPLETE_WORKFLOW -> command.getCompleteWorkflow().getCluster();
      case ABORT_WORKFLOW -> command.getAbortWorkflow().getCluster();
      case SET_PAUSED -> command.getSetPaused().getCluster();
      case RECORD_ACK -> command.getRecordAck().getCluster();
      case SETTLE_NODE -> command.getSettleNode().getCluster();
      case RENEW_LEASES, KIND_NOT_SET -> "";
    };
  }

  /** The Raft term an orchestrator command says it was decided in; empty for other commands. */
  Optional<Long> decidedInTerm() {
    return switch (command.getKindCase()) {
      case BEGIN_WORKFLOW -> Optional.of(command.getBeginWorkflow().getTerm());
      case ADVANCE_WORKFLOW -> Optional.of(command.getAdvanceWorkflow().getTerm());
      case COMPLETE_WORKFLOW -> Optional.of(command.getCompleteWorkflow().getTerm());
      case ABORT_WORKFLOW -> Optional.of(command.getAbortWorkflow().getTerm());
      case SETTLE_NODE -> Optional.of(command.getSettleNode().getTerm());
      default -> Optional.empty();
    };
  }

  boolean accepted() {
    return result.getAccepted();
  }

  Optional<ClusterRecord> before(String name) {
    return before.cluster(name);
  }

  Optional<ClusterRecord> after(String name) {
    return after.cluster(name);
  }

  /** Every cluster name present before or after, in order. */
  TreeSet<String> clusterNames() {
    TreeSet<String> names = new TreeSet<>(before.clusters().keySet());
    names.addAll(after.clusters().keySet());
    return names;
  }

  /** A new incarnation of {@code name} starts here (it did not exist before this command). */
  boolean created(String name) {
    return before(name).isEmpty() && after(name).isPresent();
  }
}
