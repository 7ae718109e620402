package dev.deneb.simulation.lease;

import dev.deneb.protocol.Command;

/** Short one-line forms of what the model logs, for traces. */
final class Describe {
  private Describe() {}

  static String command(Command c) {
    return switch (c.getKindCase()) {
      case CREATE_CLUSTER -> "CreateCluster " + c.getCreateCluster().getCluster();
      case REGISTER_NODE -> "RegisterNode " + c.getRegisterNode().getNode();
      case BOOTSTRAP_EPOCH -> "BootstrapEpoch primary=" + c.getBootstrapEpoch().getPrimary();
      case BEGIN_WORKFLOW -> "BeginWorkflow " + c.getBeginWorkflow().getKind() + " expected_epoch="
          + c.getBeginWorkflow().getExpectedEpoch() + " term=" + c.getBeginWorkflow().getTerm();
      case ADVANCE_WORKFLOW -> "AdvanceWorkflow " + c.getAdvanceWorkflow().getStep() + " target_epoch="
          + c.getAdvanceWorkflow().getTargetEpoch() + (c.getAdvanceWorkflow().getCandidate().isEmpty() ? ""
              : " candidate=" + c.getAdvanceWorkflow().getCandidate()) + " term=" + c.getAdvanceWorkflow().getTerm()
          + " (" + c.getAdvanceWorkflow().getDetail() + ")";
      case COMPLETE_WORKFLOW -> "CompleteWorkflow target_epoch=" + c.getCompleteWorkflow().getTargetEpoch();
      case RECORD_ACK -> "RecordAck " + c.getRecordAck().getDirectiveId() + " done=" + c.getRecordAck().getDone();
      case SETTLE_NODE -> "SettleNode " + c.getSettleNode().getNode() + " epoch=" + c.getSettleNode().getEpoch();
      default -> c.getKindCase().name();
    };
  }
}
