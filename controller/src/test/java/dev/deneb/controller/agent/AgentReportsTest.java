package dev.deneb.controller.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.protocol.HealthReport;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What wakes the orchestrator for a cluster before its next scheduled look: a node's picture changing,
 * never a heartbeat or a report whose only news is replication progress.
 */
class AgentReportsTest {
  private final AgentReports reports = new AgentReports();
  private final List<String> woken = new ArrayList<>();

  AgentReportsTest() {
    reports.onChange(woken::add);
  }

  @Test
  void theFirstReportAndEveryChangeOfPictureWakeTheCluster() {
    HealthReport up = HealthReport.newBuilder().setMysqldUp(true).setReadOnly(true).setIoRunning(true).setSqlRunning(true)
        .setSource("10.0.0.1:3306").setExecutedGtids("0-1-10").build();
    reports.record("orders", "db2", up, 0, "c1");
    assertThat(woken).containsExactly("orders");

    // Positions, lag and timing move with every write: no wake.
    reports.record("orders", "db2", up.toBuilder().setExecutedGtids("0-1-11").setLagSeconds(3).setNextWithinMillis(2000)
        .setSentAtMonotonicNanos(5).build(), 1_000_000, "c1");
    assertThat(woken).hasSize(1);

    reports.record("orders", "db2", up.toBuilder().setIoRunning(false).build(), 2_000_000, "c1");
    reports.record("orders", "db2", up.toBuilder().setIoRunning(false).setMysqldUp(false).setError("refused").build(),
        3_000_000, "c1");
    reports.record("orders", "db2", up.toBuilder().setIoRunning(false).setMysqldUp(false).setError("refused").build(),
        4_000_000, "c1");
    assertThat(woken).containsExactly("orders", "orders", "orders");
  }

  @Test
  void aStreamEndingWakesTheClusterAndVoidsThePromise() {
    HealthReport quiet = HealthReport.newBuilder().setMysqldUp(true).setNextWithinMillis(2000).build();
    reports.record("orders", "db1", quiet, 0, "c1");
    assertThat(reports.latest("orders", "db1").orElseThrow().ageMillis(1_000_000_000L)).isZero();
    reports.streamEnded("orders", "db1");
    assertThat(woken).containsExactly("orders", "orders");
    assertThat(reports.latest("orders", "db1").orElseThrow().ageMillis(1_000_000_000L)).isEqualTo(1000);
  }
}
