package dev.deneb.state;

import static dev.deneb.state.TestCommands.abort;
import static dev.deneb.state.TestCommands.advance;
import static dev.deneb.state.TestCommands.bootstrap;
import static dev.deneb.state.TestCommands.create;
import static dev.deneb.state.TestCommands.delete;
import static dev.deneb.state.TestCommands.failover;
import static dev.deneb.state.TestCommands.register;
import static dev.deneb.state.TestCommands.remove;
import static dev.deneb.state.TestCommands.switchover;
import static dev.deneb.state.TestCommands.update;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.ClusterSettings;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.Durability;
import dev.deneb.protocol.NodeState;
import dev.deneb.protocol.PromotionRule;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.WorkflowStep;
import org.junit.jupiter.api.Test;

class MembershipTest {

  @Test
  void createFillsDefaultSettingsAndStartsAtEpochZero() {
    Machine m = new Machine();
    var r = m.ok(create("orders"));
    assertThat(r.getEpoch()).isZero();
    ClusterRecord c = m.cluster("orders");
    assertThat(c.getEpoch()).isZero();
    assertThat(c.getPrimary()).isEmpty();
    assertThat(c.hasWorkflow()).isFalse();
    assertThat(c.getHistoryList()).isEmpty();
    assertThat(c.getSettings()).isEqualTo(ClusterSettings.newBuilder()
        .setDurability(Durability.ASYNC).setLeaseTtlMillis(Rules.DEFAULT_LEASE_TTL_MILLIS).setAutoFailover(true)
        .setCooldownMillis(Rules.DEFAULT_COOLDOWN_MILLIS).setHistoryLimit(Rules.DEFAULT_HISTORY_LIMIT)
        .setSemiSyncTimeoutMillis(Rules.DEFAULT_SEMI_SYNC_TIMEOUT_MILLIS).build());
  }

  @Test
  void createKeepsExplicitSettings() {
    Machine m = new Machine();
    ClusterSettings s = ClusterSettings.newBuilder().setDurability(Durability.SEMI_SYNC).setLeaseTtlMillis(5_000)
        .setAutoFailover(false).setCooldownMillis(1).setHistoryLimit(7).addDnsNames("orders.db.example")
        .setSemiSyncTimeoutMillis(250).build();
    m.ok(create("orders", s));
    assertThat(m.cluster("orders").getSettings()).isEqualTo(s);
  }

  @Test
  void createRefusesBadNamesAndSettings() {
    Machine m = new Machine();
    for (String bad : new String[] {"", "Orders", "-orders", "orders-", "or_ders", "a".repeat(64)}) {
      assertThat(m.refused(create(bad))).as(bad).isEqualTo(Refusal.INVALID_ARGUMENT);
    }
    assertThat(m.refused(create("orders", ClusterSettings.newBuilder().setLeaseTtlMillis(999).build())))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.refused(create("orders", ClusterSettings.newBuilder().setLeaseTtlMillis(60_001).build())))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.refused(create("orders", ClusterSettings.newBuilder().setCooldownMillis(-1).build())))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.refused(create("orders", ClusterSettings.newBuilder().setHistoryLimit(-1).build())))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.refused(create("orders", ClusterSettings.newBuilder().setHistoryLimit(Rules.MAX_HISTORY_LIMIT + 1).build())))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.refused(create("orders", ClusterSettings.newBuilder().addDnsNames("").build())))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.refused(create("orders", ClusterSettings.newBuilder().addDnsNames("bad name").build())))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.refused(create("orders", ClusterSettings.newBuilder().setDurabilityValue(42).build())))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.state).isEqualTo(DenebState.EMPTY);
  }

  @Test
  void createTwiceIsRefused() {
    Machine m = new Machine();
    m.ok(create("orders"));
    assertThat(m.refused(create("orders"))).isEqualTo(Refusal.CLUSTER_EXISTS);
  }

  @Test
  void updateSettingsReplacesThemWithDefaultsFilled() {
    Machine m = Machine.withCluster("orders", 2);
    m.ok(update("orders", ClusterSettings.newBuilder().setLeaseTtlMillis(10_000).build()));
    ClusterRecord c = m.cluster("orders");
    assertThat(c.getSettings().getLeaseTtlMillis()).isEqualTo(10_000);
    assertThat(c.getSettings().getAutoFailover()).isTrue();
    assertThat(c.getEpoch()).isEqualTo(1);
    assertThat(m.refused(update("nope", TestCommands.DEFAULTS))).isEqualTo(Refusal.UNKNOWN_CLUSTER);
    assertThat(m.refused(update("orders", ClusterSettings.newBuilder().setLeaseTtlMillis(1).build())))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
  }

  @Test
  void loweringTheHistoryLimitTrimsTheHistoryAtOnce() {
    Machine m = Machine.withCluster("orders", 3);
    m.ok(switchover("orders", 1, "db2", m.term));
    m.runWorkflowToCompletion("orders", "db2");
    m.ok(switchover("orders", 2, "db3", m.term));
    m.runWorkflowToCompletion("orders", "db3");
    assertThat(m.cluster("orders").getHistoryList()).extracting(h -> h.getEpoch()).containsExactly(1L, 2L, 3L);

    m.ok(update("orders", ClusterSettings.newBuilder().setHistoryLimit(2).build()));

    ClusterRecord c = m.cluster("orders");
    assertThat(c.getHistoryList()).extracting(h -> h.getEpoch()).containsExactly(2L, 3L);
    assertThat(c.getEpoch()).isEqualTo(3);
    assertThat(c.getPrimary()).isEqualTo("db3");
  }

  @Test
  void deleteRemovesTheClusterAndARecreatedOneStartsAtEpochZero() {
    Machine m = Machine.withCluster("orders", 2);
    assertThat(m.refused(delete("nope"))).isEqualTo(Refusal.UNKNOWN_CLUSTER);
    m.ok(delete("orders"));
    assertThat(m.state.cluster("orders")).isEmpty();
    m.ok(create("orders"));
    assertThat(m.cluster("orders").getEpoch()).isZero();
    assertThat(m.cluster("orders").getNodesList()).isEmpty();
    assertThat(m.cluster("orders").getHistoryList()).isEmpty();
  }

  @Test
  void deleteIsRefusedWhileAWorkflowIsInFlight() {
    Machine m = Machine.withCluster("orders", 2);
    m.ok(failover("orders", 1, false, m.term));
    assertThat(m.refused(delete("orders"))).isEqualTo(Refusal.WORKFLOW_IN_FLIGHT);
    m.ok(abort("orders", 2, m.term));
    m.ok(delete("orders"));
  }

  @Test
  void registerAddsAnOnlineNodeAndUnspecifiedRuleMeansNeutral() {
    Machine m = new Machine();
    m.ok(create("orders"));
    m.ok(register("orders", "db1", "10.0.0.1", 3306, PromotionRule.PROMOTION_RULE_UNSPECIFIED));
    m.ok(register("orders", "db2", "db2.example", 3307, PromotionRule.MUST_NOT));
    var nodes = m.cluster("orders").getNodesList();
    assertThat(nodes).hasSize(2);
    assertThat(nodes.get(0).getPromotionRule()).isEqualTo(PromotionRule.NEUTRAL);
    assertThat(nodes.get(0).getState()).isEqualTo(NodeState.ONLINE);
    assertThat(nodes.get(1).getPromotionRule()).isEqualTo(PromotionRule.MUST_NOT);
    assertThat(nodes.get(1).getHost()).isEqualTo("db2.example");
    assertThat(nodes.get(1).getPort()).isEqualTo(3307);
  }

  @Test
  void registeringTheSameNodeAgainIsIdempotent() {
    Machine m = new Machine();
    m.ok(create("orders"));
    m.ok(register("orders", "db1", "10.0.0.1", 3306, PromotionRule.PROMOTION_RULE_UNSPECIFIED));
    DenebState before = m.state;
    m.ok(register("orders", "db1", "10.0.0.1", 3306, PromotionRule.NEUTRAL));
    assertThat(m.state).isEqualTo(before);
  }

  @Test
  void registerRefusals() {
    Machine m = new Machine();
    assertThat(m.refused(register("orders", "db1"))).isEqualTo(Refusal.UNKNOWN_CLUSTER);
    m.ok(create("orders"));
    assertThat(m.refused(register("orders", ""))).isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.refused(register("orders", "_db1"))).isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.refused(register("orders", "db1", "bad host", 3306, PromotionRule.NEUTRAL)))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.refused(register("orders", "db1", "10.0.0.1", 0, PromotionRule.NEUTRAL)))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(m.refused(register("orders", "db1", "10.0.0.1", 65536, PromotionRule.NEUTRAL)))
        .isEqualTo(Refusal.INVALID_ARGUMENT);
    Command unknownRule = register("orders", "db1").toBuilder()
        .setRegisterNode(register("orders", "db1").getRegisterNode().toBuilder().setPromotionRuleValue(42)).build();
    assertThat(m.refused(unknownRule)).isEqualTo(Refusal.INVALID_ARGUMENT);

    m.ok(register("orders", "db1", "10.0.0.1", 3306, PromotionRule.NEUTRAL));
    assertThat(m.refused(register("orders", "db1", "10.0.0.1", 3307, PromotionRule.NEUTRAL)))
        .isEqualTo(Refusal.NODE_EXISTS);
    assertThat(m.refused(register("orders", "db1", "10.0.0.9", 3306, PromotionRule.NEUTRAL)))
        .isEqualTo(Refusal.NODE_EXISTS);
    assertThat(m.refused(register("orders", "db1", "10.0.0.1", 3306, PromotionRule.MUST_NOT)))
        .isEqualTo(Refusal.NODE_EXISTS);
  }

  @Test
  void removeTakesOutAReplica() {
    Machine m = Machine.withCluster("orders", 3);
    m.ok(remove("orders", "db2"));
    assertThat(m.cluster("orders").getNodesList()).extracting(n -> n.getNode()).containsExactly("db1", "db3");
  }

  @Test
  void removeRefusals() {
    Machine m = Machine.withCluster("orders", 3);
    assertThat(m.refused(remove("nope", "db1"))).isEqualTo(Refusal.UNKNOWN_CLUSTER);
    assertThat(m.refused(remove("orders", "db9"))).isEqualTo(Refusal.UNKNOWN_NODE);
    assertThat(m.refused(remove("orders", "db1"))).isEqualTo(Refusal.NODE_IS_PRIMARY);
    m.ok(switchover("orders", 1, "db3", m.term));
    assertThat(m.refused(remove("orders", "db3"))).isEqualTo(Refusal.WORKFLOW_IN_FLIGHT);
    assertThat(m.refused(remove("orders", "db1"))).as("still the primary before CANDIDATE_CHOSEN")
        .isEqualTo(Refusal.NODE_IS_PRIMARY);
    m.ok(advance("orders", 2, WorkflowStep.FENCED, m.term));
    m.ok(advance("orders", 2, WorkflowStep.CANDIDATE_CHOSEN, "db3", m.term));
    assertThat(m.refused(remove("orders", "db3"))).isEqualTo(Refusal.NODE_IS_PRIMARY);
    m.ok(remove("orders", "db1"));
  }

  @Test
  void bootstrapNeedsARegisteredNode() {
    Machine m = new Machine();
    m.ok(create("orders"));
    assertThat(m.refused(bootstrap("orders", "db1"))).isEqualTo(Refusal.UNKNOWN_NODE);
  }
}
