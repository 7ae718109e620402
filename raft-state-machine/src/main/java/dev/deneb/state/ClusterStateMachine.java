package dev.deneb.state;

import dev.deneb.protocol.Command;

/**
 * The pure state machine: {@code (state, command, entryTerm) -> (state', result)}. No clocks, no
 * I/O, no randomness: every member applying the same log computes the same states.
 *
 * <p>A refused command returns the unchanged state and a result naming the refusal. Only a command
 * this version does not know throws: that is version skew in the group, and applying past it would
 * let members diverge, so the caller must stop.
 */
public final class ClusterStateMachine {
  private ClusterStateMachine() {}

  /**
   * @param entryTerm the Raft term of the log entry carrying the command; orchestrator commands
   *     decided in another term are refused (a deposed leader's late command has no effect).
   */
  public static Applied apply(DenebState state, Command command, long entryTerm) {
    long at = command.getAtMillis();
    return switch (command.getKindCase()) {
      case CREATE_CLUSTER -> Membership.create(state, command.getCreateCluster());
      case UPDATE_SETTINGS -> Membership.updateSettings(state, command.getUpdateSettings());
      case DELETE_CLUSTER -> Membership.delete(state, command.getDeleteCluster());
      case REGISTER_NODE -> Membership.register(state, command.getRegisterNode());
      case REMOVE_NODE -> Membership.remove(state, command.getRemoveNode());
      case BOOTSTRAP_EPOCH -> Epochs.bootstrap(state, command.getBootstrapEpoch(), at);
      case RENEW_LEASES -> Epochs.renew(state, command.getRenewLeases());
      case BEGIN_WORKFLOW -> Workflows.begin(state, command.getBeginWorkflow(), at, entryTerm);
      case ADVANCE_WORKFLOW -> Workflows.advance(state, command.getAdvanceWorkflow(), at, entryTerm);
      case COMPLETE_WORKFLOW -> Workflows.complete(state, command.getCompleteWorkflow(), entryTerm);
      case ABORT_WORKFLOW -> Workflows.abort(state, command.getAbortWorkflow(), at, entryTerm);
      case SET_PAUSED -> Workflows.setPaused(state, command.getSetPaused());
      case RECORD_ACK -> Settlements.recordAck(state, command.getRecordAck(), at);
      case SETTLE_NODE -> Settlements.settle(state, command.getSettleNode(), at, entryTerm);
      case KIND_NOT_SET -> throw new IllegalArgumentException(
          "command has no kind (a newer Deneb's command, or a corrupt entry): " + command);
    };
  }

  /**
   * The clusters whose record {@code command} can change, for readers that react to applied entries
   * (an agent stream needs news only of its own cluster). Everything else in the state is untouched
   * by {@link #apply}, whatever the outcome.
   */
  public static java.util.Set<String> touched(Command command) {
    return switch (command.getKindCase()) {
      case CREATE_CLUSTER -> java.util.Set.of(command.getCreateCluster().getCluster());
      case UPDATE_SETTINGS -> java.util.Set.of(command.getUpdateSettings().getCluster());
      case DELETE_CLUSTER -> java.util.Set.of(command.getDeleteCluster().getCluster());
      case REGISTER_NODE -> java.util.Set.of(command.getRegisterNode().getCluster());
      case REMOVE_NODE -> java.util.Set.of(command.getRemoveNode().getCluster());
      case BOOTSTRAP_EPOCH -> java.util.Set.of(command.getBootstrapEpoch().getCluster());
      case RENEW_LEASES -> {
        java.util.Set<String> all = new java.util.HashSet<>();
        for (var r : command.getRenewLeases().getRenewalsList()) all.add(r.getCluster());
        yield all;
      }
      case BEGIN_WORKFLOW -> java.util.Set.of(command.getBeginWorkflow().getCluster());
      case ADVANCE_WORKFLOW -> java.util.Set.of(command.getAdvanceWorkflow().getCluster());
      case COMPLETE_WORKFLOW -> java.util.Set.of(command.getCompleteWorkflow().getCluster());
      case ABORT_WORKFLOW -> java.util.Set.of(command.getAbortWorkflow().getCluster());
      case SET_PAUSED -> java.util.Set.of(command.getSetPaused().getCluster());
      case RECORD_ACK -> java.util.Set.of(command.getRecordAck().getCluster());
      case SETTLE_NODE -> java.util.Set.of(command.getSettleNode().getCluster());
      case KIND_NOT_SET -> java.util.Set.of();
    };
  }
}
