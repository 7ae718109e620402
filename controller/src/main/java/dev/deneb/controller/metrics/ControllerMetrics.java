package dev.deneb.controller.metrics;

import dev.deneb.controller.raft.RaftMember;
import dev.deneb.state.ratis.DenebStateMachine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The controller's Prometheus metrics. Raft role, term and applied index are read from Ratis at
 * scrape time; per-cluster epochs from the latest applied image, so a scrape costs no Raft round.
 */
public final class ControllerMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final MultiGauge epochs;
  private final MultiGauge paused;
  private Supplier<DenebStateMachine.Image> image = () -> null;

  public ControllerMetrics(String memberId) {
    registry.config().commonTags("member", memberId);
    epochs = MultiGauge.builder("deneb_cluster_epoch").description("Current primary epoch of each managed cluster")
        .register(registry);
    paused = MultiGauge.builder("deneb_cluster_paused").description("1 when the cluster's workflows are paused")
        .register(registry);
  }

  public void bind(RaftMember member) {
    image = () -> member.stateMachine().image();
    Gauge.builder("deneb_raft_term", () -> member.status().term()).description("Current Raft term").register(registry);
    Gauge.builder("deneb_raft_applied_index", () -> member.stateMachine().image().index())
        .description("Index of the last log entry applied to the state machine").register(registry);
    for (String role : List.of("LEADER", "FOLLOWER", "CANDIDATE", "LISTENER")) {
      Gauge.builder("deneb_raft_role", () -> member.status().roleName().equals(role) ? 1 : 0)
          .description("1 for this member's current Raft role").tag("role", role.toLowerCase()).register(registry);
    }
    Gauge.builder("deneb_raft_leader_known", () -> member.status().leader().isPresent() ? 1 : 0)
        .description("1 when this member knows a leader").register(registry);
  }

  /** One committed command through the API: count by kind and outcome, and the commit latency. */
  public void recordCommit(String kind, boolean accepted, long nanos) {
    Counter.builder("deneb_commands_total").tag("kind", kind.toLowerCase()).tag("result", accepted ? "accepted" : "refused")
        .register(registry).increment();
    Timer.builder("deneb_command_commit_seconds").tag("kind", kind.toLowerCase())
        .publishPercentiles(0.5, 0.99).register(registry).record(Duration.ofNanos(nanos));
  }

  /** One committed RenewLeases entry carrying {@code renewals} renewals. */
  public void recordRenewalEntry(long renewals) {
    Counter.builder("deneb_renewal_entries_total").description("RenewLeases log entries committed via this member")
        .register(registry).increment();
    Counter.builder("deneb_renewals_total").description("Lease renewals committed via this member")
        .register(registry).increment(renewals);
  }

  public void bindAgents(java.util.function.LongSupplier connected) {
    Gauge.builder("deneb_agents_connected", connected::getAsLong).description("Agent streams open on this member")
        .register(registry);
  }

  public void recordRequest(String method, int status) {
    Counter.builder("deneb_http_requests_total").tag("method", method).tag("status", Integer.toString(status))
        .register(registry).increment();
  }

  public String scrape() {
    DenebStateMachine.Image now = image.get();
    if (now != null) {
      epochs.register(now.state().clusters().values().stream()
          .map(c -> MultiGauge.Row.of(Tags.of("cluster", c.getName()), c.getEpoch())).toList(), true);
      paused.register(now.state().clusters().values().stream()
          .map(c -> MultiGauge.Row.of(Tags.of("cluster", c.getName()), c.getPaused() ? 1 : 0)).toList(), true);
    }
    return registry.scrape();
  }
}
