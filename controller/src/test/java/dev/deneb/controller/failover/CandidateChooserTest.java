package dev.deneb.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.controller.failover.CandidateChooser.Choice;
import dev.deneb.controller.failover.CandidateChooser.Mode;
import dev.deneb.controller.failover.CandidateChooser.ReplicaReport;
import dev.deneb.fencing.gtid.GtidFlavor;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.NodeState;
import dev.deneb.protocol.PromotionRule;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CandidateChooserTest {
  final Map<String, ReplicaReport> reports = new HashMap<>();

  static ClusterRecord cluster(PromotionRule... rules) {
    ClusterRecord.Builder b = ClusterRecord.newBuilder().setName("orders").setEpoch(4).setPrimary("db1")
        .addNodes(node("db1", PromotionRule.NEUTRAL));
    for (int i = 0; i < rules.length; i++) b.addNodes(node("db" + (i + 2), rules[i]));
    return b.build();
  }

  static NodeRecord node(String name, PromotionRule rule) {
    return NodeRecord.newBuilder().setNode(name).setHost("127.0.0.1").setPort(3306).setPromotionRule(rule)
        .setState(NodeState.ONLINE).build();
  }

  void report(String node, String executed, String received, long lag) {
    reports.put(node, new ReplicaReport(true, true, executed, received, lag));
  }

  Choice choose(ClusterRecord c, Optional<String> oldFinal, Mode mode) {
    return CandidateChooser.choose(c, reports, GtidFlavor.MARIADB, oldFinal, mode).choice();
  }

  @Test
  void theReplicaWithEveryTransactionWins() {
    report("db2", "0-1-98", "0-1-98", 2);
    report("db3", "0-1-100", "0-1-100", 5);
    assertThat(choose(cluster(PromotionRule.NEUTRAL, PromotionRule.NEUTRAL), Optional.empty(), Mode.SAFE))
        .isInstanceOfSatisfying(Choice.Chosen.class, c -> {
          assertThat(c.node()).isEqualTo("db3");
          assertThat(c.lossy()).isFalse();
        });
  }

  @Test
  void tiesGoByPromotionRuleThenLagThenName() {
    report("db2", "0-1-100", "0-1-100", 0);
    report("db3", "0-1-100", "0-1-100", 9);
    report("db4", "0-1-100", "0-1-100", 1);
    ClusterRecord c = cluster(PromotionRule.NEUTRAL, PromotionRule.PREFER, PromotionRule.NEUTRAL);
    assertThat(((Choice.Chosen) choose(c, Optional.empty(), Mode.SAFE)).node()).isEqualTo("db3");
    c = cluster(PromotionRule.NEUTRAL, PromotionRule.NEUTRAL, PromotionRule.NEUTRAL);
    assertThat(((Choice.Chosen) choose(c, Optional.empty(), Mode.SAFE)).node()).isEqualTo("db2");
  }

  @Test
  void everyReplicaLeftOutSaysWhy() {
    report("db2", "0-1-100", "0-1-100", 0);
    report("db3", "0-1-90", "0-1-100", 0); // relay log not applied
    reports.put("db4", new ReplicaReport(false, true, "", "", -1));
    reports.put("db5", new ReplicaReport(true, false, "0-1-100", "0-1-100", 0));
    ClusterRecord c = cluster(PromotionRule.MUST_NOT, PromotionRule.NEUTRAL, PromotionRule.NEUTRAL,
        PromotionRule.NEUTRAL, PromotionRule.NEUTRAL);
    CandidateChooser.Result r = CandidateChooser.choose(c, reports, GtidFlavor.MARIADB, Optional.empty(), Mode.SAFE);
    assertThat(r.choice()).isInstanceOf(Choice.NoCandidate.class);
    assertThat(r.leftOut()).containsEntry("db2", "promotion rule must_not")
        .containsEntry("db4", "its database is down")
        .containsEntry("db5", "its agent's last report is too old")
        .containsEntry("db6", "no report from its agent")
        .doesNotContainKey("db1");
    assertThat(r.leftOut().get("db3")).startsWith("relay log not applied yet");
  }

  @Test
  void aCandidateMustHaveTheOldPrimarysFinalPositionWhenItIsKnown() {
    report("db2", "0-1-100", "0-1-100", 0);
    CandidateChooser.Result r = CandidateChooser.choose(cluster(PromotionRule.NEUTRAL), reports, GtidFlavor.MARIADB,
        Optional.of("0-1-102"), Mode.SAFE);
    assertThat(r.choice()).isInstanceOf(Choice.NoCandidate.class);
    assertThat(r.leftOut().get("db2")).contains("final position");
  }

  @Test
  void incomparableReplicasNeedLossyModeAndTheLossIsReportedExactly() {
    report("db2", "0-1-100,1-2-5", "0-1-100,1-2-5", 0);
    report("db3", "0-1-101,1-2-3", "0-1-101,1-2-3", 0);
    ClusterRecord c = cluster(PromotionRule.NEUTRAL, PromotionRule.PREFER);
    assertThat(choose(c, Optional.empty(), Mode.SAFE)).isInstanceOfSatisfying(Choice.NoCandidate.class,
        n -> assertThat(n.reason()).contains("no replica has every transaction"));
    assertThat(choose(c, Optional.empty(), Mode.LOSSY)).isInstanceOfSatisfying(Choice.Chosen.class, chosen -> {
      assertThat(chosen.node()).isEqualTo("db3");
      assertThat(chosen.lossy()).isTrue();
      assertThat(chosen.lostGtids()).startsWith("db2: ").contains("1");
      assertThat(chosen.reason()).startsWith("LOSSY");
    });
  }
}
