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

  /**
   * This member's lease grants (docs/lease.md): renewal rounds answered yes and no, and answers
   * dropped because the agent's stream was not ready. Counters built once: this is the hot path.
   */
  public GrantCounter leaseGrantCounters() {
    Counter granted = Counter.builder("deneb_lease_grants_total").description("Lease renewal rounds this member answered")
        .tag("result", "granted").register(registry);
    Counter refused = Counter.builder("deneb_lease_grants_total").description("Lease renewal rounds this member answered")
        .tag("result", "refused").register(registry);
    return ok -> (ok ? granted : refused).increment();
  }

  /** Counts one grant answer. */
  @FunctionalInterface
  public interface GrantCounter {
    void record(boolean granted);
  }

  /**
   * Micrometer holds a function counter's object only weakly: a method reference passed in would be
   * collected at the next GC and the counter would read NaN from then on. Kept here.
   */
  private final List<Object> countedObjects = new java.util.concurrent.CopyOnWriteArrayList<>();

  public void bindAgents(java.util.function.LongSupplier connected, java.util.function.LongSupplier grantsDropped,
      java.util.function.LongSupplier relayedRounds) {
    countedObjects.add(grantsDropped);
    countedObjects.add(relayedRounds);
    Gauge.builder("deneb_agents_connected", connected::getAsLong).description("Agent streams open on this member")
        .register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("deneb_lease_grants_dropped_total", grantsDropped,
            s -> s.getAsLong())
        .description("Lease answers not sent because the agent's stream was not ready (a slow agent)").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("deneb_lease_relayed_rounds_total", relayedRounds,
            s -> s.getAsLong())
        .description("Lease rounds judged for a primary and relayed by another agent of its cluster (failsafe relay)")
        .register(registry);
  }

  public void recordRequest(String method, int status) {
    Counter.builder("deneb_http_requests_total").tag("method", method).tag("status", Integer.toString(status))
        .register(registry).increment();
  }

  /** A workflow ended: kind (failover/switchover), result (completed/aborted). */
  public void recordWorkflow(String kind, String result) {
    Counter.builder("deneb_failovers_total").description("Failover and switchover workflows by kind and result")
        .tag("kind", kind).tag("result", result).register(registry).increment();
  }

  /** Workflow begun until the new primary confirmed it is writable (DESIGN L1/L2). */
  public void recordFailoverDuration(String kind, Duration d) {
    Timer.builder("deneb_failover_duration_seconds").description("Workflow begun to new primary writable")
        .tag("kind", kind).publishPercentiles(0.5, 0.99).register(registry).record(d);
  }

  /** First evidence of failure (mysqld reported down, or the last accepted renewal) until the workflow began. */
  public void recordDetection(String reason, Duration d) {
    Timer.builder("deneb_failure_detection_seconds").description("First evidence of failure to failover begun")
        .tag("reason", reason).publishPercentiles(0.5, 0.99).register(registry).record(d);
  }

  public void recordDiscovery(String backend, String result) {
    Counter.builder("deneb_discovery_updates_total").description("Discovery publications by backend and result")
        .tag("backend", backend).tag("result", result).register(registry).increment();
  }

  /** A failover that was called for but held back (paused, cooldown, automatic failover off, no candidate). */
  public void recordBlockedRecovery(String cluster, String reason) {
    Counter.builder("deneb_blocked_recoveries_total").description("Failovers held back, by reason")
        .tag("cluster", cluster).tag("reason", reason).register(registry).increment();
  }

  public void recordQuarantine(String cluster, String node) {
    Counter.builder("deneb_quarantined_nodes_total").description("Nodes quarantined with extra GTIDs")
        .tag("cluster", cluster).tag("node", node).register(registry).increment();
  }

  /** Soft-state gauges the leader's orchestrator computes when scraped: lease remaining and replica lag. */
  public void bindOrchestrator(Supplier<java.util.Map<String, Long>> leaseRemainingMillis,
      Supplier<java.util.Map<String, Long>> replicaLagSeconds) {
    this.leaseRemaining = leaseRemainingMillis;
    this.replicaLag = replicaLagSeconds;
  }

  private Supplier<java.util.Map<String, Long>> failsafeActive = java.util.Map::of;
  private MultiGauge failsafeGauge;

  /** Per cluster, 1 while its primary's agent reports that a failsafe hold alone keeps it writable. */
  public void bindFailsafe(Supplier<java.util.Map<String, Long>> activeByCluster) {
    this.failsafeActive = activeByCluster;
  }

  private Supplier<java.util.Map<String, Long>> leaseRemaining = java.util.Map::of;
  private Supplier<java.util.Map<String, Long>> replicaLag = java.util.Map::of;
  private MultiGauge leaseGauge;
  private MultiGauge lagGauge;

  public String scrape() {
    if (leaseGauge == null) {
      leaseGauge = MultiGauge.builder("deneb_primary_lease_remaining_seconds")
          .description("Leader's view: lease TTL less the silence since the primary's last accepted renewal").register(registry);
      lagGauge = MultiGauge.builder("deneb_replica_lag_seconds").description("Replica lag as its agent last reported it")
          .register(registry);
    }
    leaseGauge.register(leaseRemaining.get().entrySet().stream()
        .map(e -> MultiGauge.Row.of(Tags.of("cluster", e.getKey()), e.getValue() / 1000.0)).toList(), true);
    if (failsafeGauge == null) {
      failsafeGauge = MultiGauge.builder("deneb_failsafe_active")
          .description("1 while the cluster's primary is writable by a failsafe hold alone (no controller majority renews"
              + " its lease; every other node promised), as its agent last reported to this member within 15 s")
          .register(registry);
    }
    failsafeGauge.register(failsafeActive.get().entrySet().stream()
        .map(e -> MultiGauge.Row.of(Tags.of("cluster", e.getKey()), e.getValue())).toList(), true);
    lagGauge.register(replicaLag.get().entrySet().stream()
        .map(e -> MultiGauge.Row.of(Tags.of("node", e.getKey()), e.getValue())).toList(), true);
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
