package dev.deneb.controller.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.HealthReport;
import dev.deneb.protocol.NodeRecord;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BootstrapDecisionTest {
  static final long S = 1_000_000_000L;
  static final Duration MAX_AGE = Duration.ofSeconds(5);

  final ClusterRecord cluster = ClusterRecord.newBuilder().setName("orders")
      .addNodes(node("db1", 3307)).addNodes(node("db2", 3308)).addNodes(node("db3", 3309)).build();
  final Map<String, AgentReports.Received> reports = new HashMap<>();

  @Test
  void oneRootThatEveryoneReplicatesFromIsBootstrapped() {
    report("db1", "", 10);
    report("db2", "127.0.0.1:3307", 10);
    report("db3", "127.0.0.1:3307", 10);
    BootstrapDecision.Outcome o = BootstrapDecision.decide(cluster, reports, 11 * S, MAX_AGE);
    assertThat(o.primary()).contains("db1");
  }

  @Test
  void ambiguousOrIncompleteTopologiesWaitForAnOperatorAndSayWhy() {
    report("db1", "", 10);
    report("db2", "127.0.0.1:3307", 10);
    assertThat(BootstrapDecision.decide(cluster, reports, 11 * S, MAX_AGE).reason()).contains("no recent report from db3");

    report("db3", "", 10);
    assertThat(BootstrapDecision.decide(cluster, reports, 11 * S, MAX_AGE).reason()).contains("several nodes replicate from no one");

    report("db3", "127.0.0.1:3308", 10); // a chain db1 <- db2 <- db3
    assertThat(BootstrapDecision.decide(cluster, reports, 11 * S, MAX_AGE).reason())
        .contains("db3 replicates from 127.0.0.1:3308, not from db1");

    report("db3", "127.0.0.1:3307", 1);
    assertThat(BootstrapDecision.decide(cluster, reports, 11 * S, MAX_AGE).reason()).contains("no recent report from db3");

    reports.put("db3", new AgentReports.Received(HealthReport.newBuilder().setMysqldUp(false).setError("refused").build(), 10 * S, "c1", 10 * S, 0));
    assertThat(BootstrapDecision.decide(cluster, reports, 11 * S, MAX_AGE).reason()).contains("db3 reports its database down");

    assertThat(BootstrapDecision.decide(cluster.toBuilder().setEpoch(1).build(), reports, 11 * S, MAX_AGE).primary()).isEmpty();
  }

  private void report(String node, String source, long atSeconds) {
    reports.put(node, new AgentReports.Received(HealthReport.newBuilder().setMysqldUp(true).setSource(source).build(),
        atSeconds * S, "c1", -1, 0));
  }

  private static NodeRecord node(String name, int port) {
    return NodeRecord.newBuilder().setNode(name).setHost("127.0.0.1").setPort(port).build();
  }
}
