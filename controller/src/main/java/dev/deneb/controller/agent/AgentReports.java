package dev.deneb.controller.agent;

import dev.deneb.protocol.HealthReport;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The newest health report of each node, as this member received it: soft state, never logged
 * (DESIGN §3.3). A new leader re-learns it within one report interval (500 ms by default), because
 * every agent reports to every member it can reach.
 */
public final class AgentReports {
  /** @param downSinceNanos when the agent began reporting mysqld down without a break; -1 while up */
  public record Received(HealthReport report, long receivedAtNanos, String via, long downSinceNanos) {}

  private record Key(String cluster, String node) {}

  private final Map<Key, Received> latest = new ConcurrentHashMap<>();

  void record(String cluster, String node, HealthReport report, long nowNanos, String via) {
    latest.compute(new Key(cluster, node), (k, previous) -> {
      long downSince = report.getMysqldUp() ? -1
          : previous != null && previous.downSinceNanos() >= 0 ? previous.downSinceNanos() : nowNanos;
      return new Received(report, nowNanos, via, downSince);
    });
  }

  public Optional<Received> latest(String cluster, String node) {
    return Optional.ofNullable(latest.get(new Key(cluster, node)));
  }

  public int size() {
    return latest.size();
  }
}
