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

  /** deneb_failsafe_active: the primary's fresh report alone says whether its hold runs. */
  @Test
  void failsafeActiveReadsThePrimarysFreshReport() {
    var clusters = new java.util.TreeMap<String, dev.deneb.protocol.ClusterRecord>();
    clusters.put("orders", dev.deneb.protocol.ClusterRecord.newBuilder().setName("orders").setPrimary("db1").setEpoch(3).build());
    clusters.put("users", dev.deneb.protocol.ClusterRecord.newBuilder().setName("users").setPrimary("u1").setEpoch(1).build());
    clusters.put("empty", dev.deneb.protocol.ClusterRecord.newBuilder().setName("empty").build());
    var state = new dev.deneb.state.DenebState(clusters);
    HealthReport held = HealthReport.newBuilder().setMysqldUp(true).setFailsafeActive(true).build();
    reports.record("orders", "db1", held, 1_000, "c1");
    reports.record("users", "u2", held, 1_000, "c1"); // a replica's word says nothing of the primary

    assertThat(reports.failsafeActive(state, 2_000, 5_000)).containsExactly(java.util.Map.entry("orders", 1L),
        java.util.Map.entry("users", 0L));
    // Stale: the hold may have ended long ago.
    assertThat(reports.failsafeActive(state, 10_000, 5_000)).containsEntry("orders", 0L);
  }
}
