package dev.deneb.state;

import static dev.deneb.state.TestCommands.abort;
import static dev.deneb.state.TestCommands.advance;
import static dev.deneb.state.TestCommands.bootstrap;
import static dev.deneb.state.TestCommands.create;
import static dev.deneb.state.TestCommands.failover;
import static dev.deneb.state.TestCommands.register;
import static dev.deneb.state.TestCommands.renew;
import static dev.deneb.state.TestCommands.renewal;
import static dev.deneb.state.TestCommands.switchover;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deneb.protocol.ClusterSettings;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.EpochRecord;
import dev.deneb.protocol.PromotionRule;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.WorkflowStep;
import java.util.List;
import org.junit.jupiter.api.Test;

class EpochsTest {

  @Test
  void bootstrapNamesTheFirstPrimaryAtEpochOne() {
    Machine m = new Machine();
    m.ok(create("orders"));
    m.ok(register("orders", "db1"));
    m.now = 42_000;
    CommandResult r = m.ok(bootstrap("orders", "db1"));
    assertThat(r.getEpoch()).isEqualTo(1);
    var c = m.cluster("orders");
    assertThat(c.getEpoch()).isEqualTo(1);
    assertThat(c.getPrimary()).isEqualTo("db1");
    assertThat(c.getHistoryList()).containsExactly(EpochRecord.newBuilder()
        .setEpoch(1).setPrimary("db1").setReason("bootstrap").setAtMillis(42_000).build());
  }

  @Test
  void bootstrapRefusals() {
    Machine m = new Machine();
    assertThat(m.refused(bootstrap("orders", "db1"))).isEqualTo(Refusal.UNKNOWN_CLUSTER);
    m.ok(create("orders"));
    assertThat(m.refused(bootstrap("orders", "db1"))).isEqualTo(Refusal.UNKNOWN_NODE);
    m.ok(register("orders", "db1"));
    m.ok(register("orders", "db2"));
    m.ok(bootstrap("orders", "db1"));
    assertThat(m.refused(bootstrap("orders", "db2"))).isEqualTo(Refusal.ALREADY_BOOTSTRAPPED);
    assertThat(m.refused(bootstrap("orders", "db1"))).isEqualTo(Refusal.ALREADY_BOOTSTRAPPED);
  }

  @Test
  void bootstrapNamesTheExistingPrimaryEvenIfMustNot() {
    Machine m = new Machine();
    m.ok(create("orders"));
    m.ok(register("orders", "db1", PromotionRule.MUST_NOT));
    m.ok(bootstrap("orders", "db1"));
    assertThat(m.cluster("orders").getPrimary()).isEqualTo("db1");
  }

  @Test
  void eachRenewalInABatchIsJudgedAlone() {
    Machine m = Machine.withCluster("orders", 2);
    m.ok(create("users"));
    m.ok(register("users", "db1"));
    m.ok(switchover("orders", 1, "db2", m.term));
    m.runWorkflowToCompletion("orders", "db2"); // orders: epoch 2, primary db2
    m.ok(create("billing"));
    m.ok(register("billing", "b1"));
    m.ok(register("billing", "b2"));
    m.ok(bootstrap("billing", "b1"));
    m.ok(failover("billing", 1, false, m.term)); // billing: workflow replacing b1

    DenebState before = m.state;
    CommandResult r = m.apply(renew(
        renewal("orders", "db2", 2),
        renewal("nope", "db1", 1),
        renewal("users", "db1", 1),
        renewal("orders", "db1", 1),
        renewal("orders", "db2", 3),
        renewal("orders", "db1", 2),
        renewal("billing", "b1", 1),
        renewal("orders", "db2", 2)));

    assertThat(r.getAccepted()).isTrue();
    assertThat(r.getRenewalRefusalsList()).containsExactly(
        Refusal.REFUSAL_UNSPECIFIED,
        Refusal.UNKNOWN_CLUSTER,
        Refusal.NOT_BOOTSTRAPPED,
        Refusal.STALE_EPOCH,
        Refusal.INVALID_ARGUMENT,
        Refusal.NOT_PRIMARY,
        Refusal.WORKFLOW_IN_FLIGHT,
        Refusal.REFUSAL_UNSPECIFIED);
    assertThat(r.getMessage()).isEqualTo("2 of 8 renewals accepted");
    assertThat(m.state).as("renewals change no replicated state").isEqualTo(before);
  }

  @Test
  void anEmptyBatchIsAccepted() {
    Machine m = new Machine();
    CommandResult r = m.ok(renew(List.of()));
    assertThat(r.getRenewalRefusalsList()).isEmpty();
  }

  @Test
  void renewalsAcrossAFailover() {
    Machine m = Machine.withCluster("orders", 3);
    assertThat(renewalOutcome(m, "db1", 1)).isEqualTo(Refusal.REFUSAL_UNSPECIFIED);

    m.ok(failover("orders", 1, true, m.term));
    assertThat(renewalOutcome(m, "db1", 1)).as("BEGUN: the old primary is being replaced")
        .isEqualTo(Refusal.WORKFLOW_IN_FLIGHT);
    m.ok(advance("orders", 2, WorkflowStep.FENCED, m.term));
    assertThat(renewalOutcome(m, "db1", 1)).isEqualTo(Refusal.WORKFLOW_IN_FLIGHT);
    assertThat(renewalOutcome(m, "db2", 2)).as("epoch 2 is not committed yet").isEqualTo(Refusal.INVALID_ARGUMENT);

    m.ok(advance("orders", 2, WorkflowStep.CANDIDATE_CHOSEN, "db2", m.term));
    assertThat(renewalOutcome(m, "db1", 1)).isEqualTo(Refusal.STALE_EPOCH);
    assertThat(renewalOutcome(m, "db1", 2)).isEqualTo(Refusal.NOT_PRIMARY);
    assertThat(renewalOutcome(m, "db2", 2)).as("the new primary takes its lease before PROMOTED (DESIGN §3.4)")
        .isEqualTo(Refusal.REFUSAL_UNSPECIFIED);
    m.ok(advance("orders", 2, WorkflowStep.PROMOTED, m.term));
    assertThat(renewalOutcome(m, "db2", 2)).isEqualTo(Refusal.REFUSAL_UNSPECIFIED);
  }

  @Test
  void aReCreatedClusterStartsAboveTheEpochsItsNameReachedBefore() {
    Machine m = Machine.withCluster("orders", 2);
    m.ok(failover("orders", 1, false, m.term));
    m.ok(abort("orders", 2, m.term)); // epoch 2
    m.ok(TestCommands.delete("orders"));
    m.ok(TestCommands.create("orders", dev.deneb.protocol.ClusterSettings.getDefaultInstance()));
    m.ok(TestCommands.register("orders", "db1"));
    m.ok(TestCommands.bootstrap("orders", "db1"));
    // Agents of the old cluster remember epoch 2; epoch 1 again would be refused by them (S3).
    assertThat(m.cluster("orders").getEpoch()).isEqualTo(3);
  }

  @Test
  void anAbortBeforeCandidateChosenLetsTheOldPrimaryRenewAgain() {
    Machine m = Machine.withCluster("orders", 2);
    m.ok(failover("orders", 1, false, m.term));
    m.ok(advance("orders", 2, WorkflowStep.FENCED, m.term));
    assertThat(renewalOutcome(m, "db1", 1)).isEqualTo(Refusal.WORKFLOW_IN_FLIGHT);
    m.ok(abort("orders", 2, m.term));
    // It renews for the workflow's target epoch, which the abort gave it; the old epoch is stale.
    assertThat(renewalOutcome(m, "db1", 2)).isEqualTo(Refusal.REFUSAL_UNSPECIFIED);
    assertThat(renewalOutcome(m, "db1", 1)).isEqualTo(Refusal.STALE_EPOCH);
  }

  @Test
  void theHistoryKeepsTheNewestHistoryLimitEpochs() {
    Machine m = new Machine();
    m.ok(create("orders", ClusterSettings.newBuilder().setHistoryLimit(3).build()));
    m.ok(register("orders", "db1"));
    m.ok(register("orders", "db2"));
    m.ok(bootstrap("orders", "db1"));
    for (int i = 0; i < 5; i++) {
      var c = m.cluster("orders");
      String next = c.getPrimary().equals("db1") ? "db2" : "db1";
      m.ok(switchover("orders", c.getEpoch(), next, m.term));
      m.runWorkflowToCompletion("orders", next);
    }
    var c = m.cluster("orders");
    assertThat(c.getEpoch()).isEqualTo(6);
    assertThat(c.getHistoryList()).extracting(EpochRecord::getEpoch).containsExactly(4L, 5L, 6L);
    assertThat(c.getHistoryList()).extracting(EpochRecord::getPrimary).containsExactly("db2", "db1", "db2");
    assertThat(c.getHistory(2).getReason()).isEqualTo("switchover: test SWITCHOVER");
  }

  @Test
  void namePrimaryNeverLowersOrRepeatsAnEpoch() {
    Machine m = Machine.withCluster("orders", 2);
    var c = m.cluster("orders");
    assertThatThrownBy(() -> Epochs.namePrimary(c, 1, "db2", "x", 0, "")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> Epochs.namePrimary(c, 0, "db2", "x", 0, "")).isInstanceOf(IllegalStateException.class);
    assertThat(Epochs.namePrimary(c, 2, "db2", "x", 0, "").getEpoch()).isEqualTo(2);
  }

  private static Refusal renewalOutcome(Machine m, String node, long epoch) {
    CommandResult r = m.apply(renew(renewal("orders", node, epoch)));
    assertThat(r.getRenewalRefusalsCount()).isEqualTo(1);
    return r.getRenewalRefusals(0);
  }
}
