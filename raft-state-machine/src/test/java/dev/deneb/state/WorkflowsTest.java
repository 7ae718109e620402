package dev.deneb.state;

import static dev.deneb.state.TestCommands.abort;
import static dev.deneb.state.TestCommands.advance;
import static dev.deneb.state.TestCommands.begin;
import static dev.deneb.state.TestCommands.complete;
import static dev.deneb.state.TestCommands.create;
import static dev.deneb.state.TestCommands.failover;
import static dev.deneb.state.TestCommands.pause;
import static dev.deneb.state.TestCommands.register;
import static dev.deneb.state.TestCommands.switchover;
import static dev.deneb.state.TestCommands.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deneb.protocol.AdvanceWorkflow;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.ClusterSettings;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.EpochRecord;
import dev.deneb.protocol.NodeState;
import dev.deneb.protocol.PromotionRule;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.WorkflowKind;
import dev.deneb.protocol.WorkflowRecord;
import dev.deneb.protocol.WorkflowStep;
import org.junit.jupiter.api.Test;

class WorkflowsTest {
  private static final String C = "orders";

  @Test
  void aFullFailoverChangesTheEpochExactlyAtCandidateChosen() {
    Machine m = Machine.withCluster(C, 3);
    m.now = 10_000;
    CommandResult begun = m.ok(failover(C, 1, true, m.term));
    assertThat(begun.getEpoch()).isEqualTo(1);
    ClusterRecord c = m.cluster(C);
    assertThat(c.getWorkflow()).isEqualTo(WorkflowRecord.newBuilder()
        .setKind(WorkflowKind.FAILOVER).setTargetEpoch(2).setFrom("db1").setStep(WorkflowStep.BEGUN)
        .setAutomatic(true).setReason("test FAILOVER").setBegunAtMillis(10_000).setStepAtMillis(10_000).build());
    assertThat(c.getLastAutoFailoverAtMillis()).isEqualTo(10_000);

    m.now = 11_000;
    m.ok(advance(C, 2, WorkflowStep.FENCED, m.term));
    assertEpochAndPrimary(m, 1, "db1", WorkflowStep.FENCED);
    assertThat(m.cluster(C).getWorkflow().getStepAtMillis()).isEqualTo(11_000);
    assertThat(m.cluster(C).getWorkflow().getDetail()).isEqualTo("step FENCED");

    m.now = 12_000;
    Command chosen = advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "db3", m.term).toBuilder()
        .setAdvanceWorkflow(advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "db3", m.term).getAdvanceWorkflow()
            .toBuilder().setLostGtids("uuid:5-7")).build();
    CommandResult r = m.ok(chosen);
    assertThat(r.getEpoch()).isEqualTo(2);
    assertEpochAndPrimary(m, 2, "db3", WorkflowStep.CANDIDATE_CHOSEN);
    assertThat(m.cluster(C).getWorkflow().getTarget()).isEqualTo("db3");
    assertThat(m.cluster(C).getHistoryList()).last().isEqualTo(EpochRecord.newBuilder()
        .setEpoch(2).setPrimary("db3").setReason("failover: test FAILOVER").setAtMillis(12_000)
        .setLostGtids("uuid:5-7").build());

    m.ok(advance(C, 2, WorkflowStep.PROMOTED, m.term));
    assertEpochAndPrimary(m, 2, "db3", WorkflowStep.PROMOTED);
    m.ok(advance(C, 2, WorkflowStep.DISCOVERY_PUBLISHED, m.term));
    assertEpochAndPrimary(m, 2, "db3", WorkflowStep.DISCOVERY_PUBLISHED);
    m.ok(advance(C, 2, WorkflowStep.REPOINTED, m.term));
    assertEpochAndPrimary(m, 2, "db3", WorkflowStep.REPOINTED);
    m.ok(complete(C, 2, m.term));

    c = m.cluster(C);
    assertThat(c.hasWorkflow()).isFalse();
    assertThat(c.getEpoch()).isEqualTo(2);
    assertThat(c.getPrimary()).isEqualTo("db3");
    assertThat(c.getHistoryList()).extracting(EpochRecord::getEpoch).containsExactly(1L, 2L);
  }

  @Test
  void aSwitchoverPromotesItsTarget() {
    Machine m = Machine.withCluster(C, 3);
    m.ok(switchover(C, 1, "db2", m.term));
    assertThat(m.cluster(C).getWorkflow().getTarget()).isEqualTo("db2");
    assertThat(m.cluster(C).getLastAutoFailoverAtMillis()).as("manual: no cooldown clock").isZero();
    m.ok(advance(C, 2, WorkflowStep.FENCED, m.term));
    assertThat(m.refused(advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "db3", m.term)))
        .as("a switchover promotes the node it was begun for").isEqualTo(Refusal.NOT_ELIGIBLE);
    m.ok(advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "db2", m.term));
    assertEpochAndPrimary(m, 2, "db2", WorkflowStep.CANDIDATE_CHOSEN);
  }

  @Test
  void switchoverTargetChecks() {
    Machine m = Machine.withCluster(C, 2);
    m.ok(register(C, "db3", PromotionRule.MUST_NOT));
    assertThat(m.refused(switchover(C, 1, "", m.term))).isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.refused(switchover(C, 1, "db1", m.term))).isEqualTo(Refusal.NOT_ELIGIBLE);
    assertThat(m.refused(switchover(C, 1, "db9", m.term))).isEqualTo(Refusal.UNKNOWN_NODE);
    assertThat(m.refused(switchover(C, 1, "db3", m.term))).isEqualTo(Refusal.NOT_ELIGIBLE);
    assertThat(m.refused(begin(C, WorkflowKind.WORKFLOW_KIND_UNSPECIFIED, 1, "db2", false, m.term)))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.cluster(C).hasWorkflow()).isFalse();
  }

  @Test
  void aQuarantinedNodeIsNotEligible() {
    Machine m = Machine.withCluster(C, 3);
    // No command quarantines a node yet (DESIGN §3.6 rejoin); build the state the way a snapshot would hold it.
    ClusterRecord c = m.cluster(C);
    ClusterRecord quarantined = c.toBuilder()
        .setNodes(2, c.getNodes(2).toBuilder().setState(NodeState.QUARANTINED).setQuarantinedGtids("uuid:9")).build();
    m.state = m.state.with(quarantined);
    assertThat(m.refused(switchover(C, 1, "db3", m.term))).isEqualTo(Refusal.NOT_ELIGIBLE);
    m.ok(failover(C, 1, false, m.term));
    m.ok(advance(C, 2, WorkflowStep.FENCED, m.term));
    assertThat(m.refused(advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "db3", m.term))).isEqualTo(Refusal.NOT_ELIGIBLE);
    m.ok(advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "db2", m.term));
  }

  @Test
  void candidateChecks() {
    Machine m = Machine.withCluster(C, 2);
    m.ok(register(C, "db3", PromotionRule.MUST_NOT));
    m.ok(failover(C, 1, false, m.term));
    m.ok(advance(C, 2, WorkflowStep.FENCED, m.term));
    assertThat(m.refused(advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "", m.term))).isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.refused(advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "db1", m.term)))
        .as("the primary being replaced").isEqualTo(Refusal.NOT_ELIGIBLE);
    assertThat(m.refused(advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "db3", m.term)))
        .as("must_not").isEqualTo(Refusal.NOT_ELIGIBLE);
    assertThat(m.refused(advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "db9", m.term))).isEqualTo(Refusal.UNKNOWN_NODE);
    assertEpochAndPrimary(m, 1, "db1", WorkflowStep.FENCED);
    m.ok(advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "db2", m.term));
  }

  @Test
  void beginRefusals() {
    Machine m = new Machine();
    assertThat(m.refused(failover(C, 0, false, m.term))).isEqualTo(Refusal.UNKNOWN_CLUSTER);
    m.ok(create(C));
    m.ok(register(C, "db1"));
    m.ok(register(C, "db2"));
    assertThat(m.refused(failover(C, 0, false, m.term))).isEqualTo(Refusal.NOT_BOOTSTRAPPED);
    m.ok(TestCommands.bootstrap(C, "db1"));
    assertThat(m.refused(failover(C, 0, false, m.term))).isEqualTo(Refusal.STALE_EPOCH);
    assertThat(m.refused(failover(C, 2, false, m.term))).isEqualTo(Refusal.STALE_EPOCH);
    assertThat(m.refused(failover(C, 1, false, m.term + 1))).isEqualTo(Refusal.WRONG_TERM);
    m.ok(failover(C, 1, false, m.term));
    assertThat(m.refused(failover(C, 1, false, m.term))).isEqualTo(Refusal.WORKFLOW_IN_FLIGHT);
    assertThat(m.refused(switchover(C, 1, "db2", m.term))).isEqualTo(Refusal.WORKFLOW_IN_FLIGHT);
    assertThat(m.refused(failover(C, 2, false, m.term))).isEqualTo(Refusal.WORKFLOW_IN_FLIGHT);
  }

  @Test
  void everyOrchestratorCommandIsFencedByItsTerm() {
    Machine m = Machine.withCluster(C, 2);
    m.term = 5;
    assertThat(m.refused(failover(C, 1, false, 4))).isEqualTo(Refusal.WRONG_TERM);
    m.ok(failover(C, 1, false, 5));
    assertThat(m.refused(advance(C, 2, WorkflowStep.FENCED, 4))).isEqualTo(Refusal.WRONG_TERM);
    assertThat(m.refused(advance(C, 2, WorkflowStep.FENCED, 6))).isEqualTo(Refusal.WRONG_TERM);
    assertThat(m.refused(abort(C, 2, 4))).isEqualTo(Refusal.WRONG_TERM);
    m.term = 6; // a new leader resumes the workflow at the committed step
    assertThat(m.refused(advance(C, 2, WorkflowStep.FENCED, 5))).isEqualTo(Refusal.WRONG_TERM);
    m.ok(advance(C, 2, WorkflowStep.FENCED, 6));
    m.ok(advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "db2", 6));
    m.ok(advance(C, 2, WorkflowStep.PROMOTED, 6));
    m.ok(advance(C, 2, WorkflowStep.DISCOVERY_PUBLISHED, 6));
    m.ok(advance(C, 2, WorkflowStep.REPOINTED, 6));
    assertThat(m.refused(complete(C, 2, 5))).isEqualTo(Refusal.WRONG_TERM);
    assertThat(m.cluster(C).hasWorkflow()).isTrue();
    m.ok(complete(C, 2, 6));
  }

  @Test
  void stepsMustComeInOrder() {
    Machine m = Machine.withCluster(C, 2);
    assertThat(m.refused(advance(C, 2, WorkflowStep.FENCED, m.term))).isEqualTo(Refusal.NO_WORKFLOW);
    m.ok(failover(C, 1, false, m.term));
    assertThat(m.refused(advance(C, 3, WorkflowStep.FENCED, m.term))).as("another workflow's epoch")
        .isEqualTo(Refusal.NO_WORKFLOW);
    assertThat(m.refused(advance(C, 2, WorkflowStep.BEGUN, m.term))).isEqualTo(Refusal.STEP_OUT_OF_ORDER);
    assertThat(m.refused(advance(C, 2, WorkflowStep.WORKFLOW_STEP_UNSPECIFIED, m.term)))
        .isEqualTo(Refusal.STEP_OUT_OF_ORDER);
    assertThat(m.refused(advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "db2", m.term)))
        .as("skipping FENCED").isEqualTo(Refusal.STEP_OUT_OF_ORDER);
    assertThat(m.refused(advance(C, 2, WorkflowStep.REPOINTED, m.term))).isEqualTo(Refusal.STEP_OUT_OF_ORDER);
    Command unknownStep = Command.newBuilder().setAdvanceWorkflow(AdvanceWorkflow.newBuilder()
        .setCluster(C).setTargetEpoch(2).setStepValue(99).setTerm(m.term)).build();
    assertThat(m.refused(unknownStep)).isEqualTo(Refusal.STEP_OUT_OF_ORDER);
    assertThat(m.refused(complete(C, 2, m.term))).isEqualTo(Refusal.STEP_OUT_OF_ORDER);
    m.ok(advance(C, 2, WorkflowStep.FENCED, m.term));
    assertThat(m.refused(advance(C, 2, WorkflowStep.FENCED, m.term))).as("repeated").isEqualTo(Refusal.STEP_OUT_OF_ORDER);
    m.ok(advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "db2", m.term));
    assertThat(m.refused(advance(C, 2, WorkflowStep.FENCED, m.term))).as("backwards").isEqualTo(Refusal.STEP_OUT_OF_ORDER);
    m.ok(advance(C, 2, WorkflowStep.PROMOTED, m.term));
    m.ok(advance(C, 2, WorkflowStep.DISCOVERY_PUBLISHED, m.term));
    assertThat(m.refused(complete(C, 2, m.term))).isEqualTo(Refusal.STEP_OUT_OF_ORDER);
    m.ok(advance(C, 2, WorkflowStep.REPOINTED, m.term));
    assertThat(m.refused(complete(C, 3, m.term))).isEqualTo(Refusal.NO_WORKFLOW);
    m.ok(complete(C, 2, m.term));
    assertThat(m.refused(complete(C, 2, m.term))).isEqualTo(Refusal.NO_WORKFLOW);
    assertThat(m.refused(abort(C, 2, m.term))).isEqualTo(Refusal.NO_WORKFLOW);
  }

  @Test
  void anAbortBeforeCandidateChosenGivesTheOldPrimaryTheTargetEpoch() {
    Machine m = Machine.withCluster(C, 2);
    m.ok(failover(C, 1, false, m.term));
    m.ok(advance(C, 2, WorkflowStep.FENCED, m.term));
    assertThat(m.refused(abort(C, 3, m.term))).isEqualTo(Refusal.NO_WORKFLOW);
    m.ok(abort(C, 2, m.term));
    ClusterRecord c = m.cluster(C);
    assertThat(c.hasWorkflow()).isFalse();
    // Agents were shown epoch 2 (the fence directive); going back to 1 would make them refuse it (S3).
    assertThat(c.getEpoch()).isEqualTo(2);
    assertThat(c.getPrimary()).isEqualTo("db1");
    assertThat(c.getHistoryList()).hasSize(2);
    assertThat(c.getHistory(1).getReason()).contains("aborted at FENCED");
    assertThat(m.refused(failover(C, 1, false, m.term))).isEqualTo(Refusal.STALE_EPOCH);
    m.ok(failover(C, 2, false, m.term));
    assertThat(m.cluster(C).getWorkflow().getTargetEpoch()).as("a new workflow targets a fresh epoch").isEqualTo(3);
  }

  @Test
  void anAbortAfterCandidateChosenKeepsTheNewEpoch() {
    Machine m = Machine.withCluster(C, 3);
    m.ok(failover(C, 1, false, m.term));
    m.ok(advance(C, 2, WorkflowStep.FENCED, m.term));
    m.ok(advance(C, 2, WorkflowStep.CANDIDATE_CHOSEN, "db2", m.term));
    m.ok(advance(C, 2, WorkflowStep.PROMOTED, m.term));
    m.ok(abort(C, 2, m.term));
    ClusterRecord c = m.cluster(C);
    assertThat(c.hasWorkflow()).isFalse();
    assertThat(c.getEpoch()).isEqualTo(2);
    assertThat(c.getPrimary()).isEqualTo("db2");
    assertThat(m.refused(failover(C, 1, false, m.term))).isEqualTo(Refusal.STALE_EPOCH);
    assertThat(m.refused(switchover(C, 2, "db3", m.term))).isEqualTo(Refusal.NOT_ELIGIBLE); // not yet checked
    m.admitAll(C);
    m.ok(switchover(C, 2, "db3", m.term));
    assertThat(m.cluster(C).getWorkflow().getFrom()).isEqualTo("db2");
    assertThat(m.cluster(C).getWorkflow().getTargetEpoch()).isEqualTo(3);
  }

  @Test
  void automaticFailoversRespectTheCooldown() {
    Machine m = new Machine();
    m.ok(create(C, ClusterSettings.newBuilder().setCooldownMillis(60_000).build()));
    for (int i = 1; i <= 3; i++) m.ok(register(C, "db" + i));
    m.ok(TestCommands.bootstrap(C, "db1"));
    m.now = 100_000;
    m.ok(failover(C, 1, true, m.term));
    m.runWorkflowToCompletion(C, "db2");

    m.now = 159_999;
    assertThat(m.refused(failover(C, 2, true, m.term))).isEqualTo(Refusal.COOLDOWN);
    m.ok(failover(C, 2, false, m.term)); // an operator may fail over by hand
    assertThat(m.cluster(C).getLastAutoFailoverAtMillis()).isEqualTo(100_000);
    m.ok(abort(C, 3, m.term)); // epoch 3 now names db2 again

    m.now = 160_000;
    m.ok(failover(C, 3, true, m.term));
    assertThat(m.cluster(C).getLastAutoFailoverAtMillis()).isEqualTo(160_000);
    m.ok(abort(C, 4, m.term));
    m.now = 161_000;
    assertThat(m.refused(failover(C, 4, true, m.term))).as("an aborted automatic failover still counts")
        .isEqualTo(Refusal.COOLDOWN);
  }

  @Test
  void automaticFailoverCanBeSwitchedOff() {
    Machine m = Machine.withCluster(C, 2);
    m.ok(update(C, ClusterSettings.newBuilder().setAutoFailover(false).build()));
    assertThat(m.refused(failover(C, 1, true, m.term))).isEqualTo(Refusal.AUTO_FAILOVER_DISABLED);
    m.ok(failover(C, 1, false, m.term));
  }

  @Test
  void pauseBlocksBeginAndAdvanceUntilResumed() {
    Machine m = Machine.withCluster(C, 2);
    assertThat(m.refused(pause("nope", true))).isEqualTo(Refusal.UNKNOWN_CLUSTER);
    m.ok(pause(C, true));
    assertThat(m.cluster(C).getPaused()).isTrue();
    assertThat(m.refused(failover(C, 1, true, m.term))).isEqualTo(Refusal.PAUSED);
    assertThat(m.refused(failover(C, 1, false, m.term))).isEqualTo(Refusal.PAUSED);
    m.ok(pause(C, false));
    m.ok(failover(C, 1, false, m.term));
    m.ok(pause(C, true));
    assertThat(m.refused(advance(C, 2, WorkflowStep.FENCED, m.term))).isEqualTo(Refusal.PAUSED);
    assertThat(m.cluster(C).getWorkflow().getStep()).isEqualTo(WorkflowStep.BEGUN);
    m.ok(pause(C, false));
    m.ok(advance(C, 2, WorkflowStep.FENCED, m.term));
    m.ok(pause(C, true));
    m.ok(abort(C, 2, m.term)); // an operator can still end a paused workflow
    assertThat(m.cluster(C).getPaused()).isTrue();
  }

  @Test
  void aCommandWithoutKindThrows() {
    assertThatThrownBy(() -> ClusterStateMachine.apply(DenebState.EMPTY, Command.getDefaultInstance(), 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no kind");
  }

  private static void assertEpochAndPrimary(Machine m, long epoch, String primary, WorkflowStep step) {
    ClusterRecord c = m.cluster(C);
    assertThat(c.getEpoch()).as("epoch at %s", step).isEqualTo(epoch);
    assertThat(c.getPrimary()).as("primary at %s", step).isEqualTo(primary);
    assertThat(c.getWorkflow().getStep()).isEqualTo(step);
  }
}
