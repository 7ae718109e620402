package dev.deneb.controller.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The agent-stream counters as Prometheus reads them. */
class AgentMetricsTest {
  @Test
  void relayedRoundsAndDroppedGrantsAreExportedWithTheirCounts() {
    ControllerMetrics metrics = new ControllerMetrics("c1");
    var dropped = new java.util.concurrent.atomic.AtomicLong(2);
    var relayed = new java.util.concurrent.atomic.AtomicLong(17);
    // Bound method references, as the controller passes them: fresh objects nobody else holds.
    metrics.bindAgents(() -> 4, dropped::get, relayed::get);
    // Micrometer keeps a function counter's object weakly: the metrics must still read after a GC.
    System.gc();
    String text = metrics.scrape();
    assertThat(text).contains("deneb_agents_connected{member=\"c1\"} 4")
        .contains("deneb_lease_grants_dropped_total{member=\"c1\"} 2")
        .contains("deneb_lease_relayed_rounds_total{member=\"c1\"} 17");
  }

  @Test
  void failsafeActiveIsOnePerClusterWhoseHoldRuns() {
    ControllerMetrics metrics = new ControllerMetrics("c2");
    metrics.bindFailsafe(() -> java.util.Map.of("orders", 1L, "users", 0L));
    assertThat(metrics.scrape()).contains("deneb_failsafe_active{cluster=\"orders\",member=\"c2\"} 1")
        .contains("deneb_failsafe_active{cluster=\"users\",member=\"c2\"} 0");
  }
}
