package dev.deneb.controller.agent;

import dev.deneb.protocol.HealthReport;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The newest health report of each node, as this member received it: soft state, never logged
 * (DESIGN §3.3). A new leader re-learns it within one heartbeat, because every agent reports to every
 * member it can reach.
 *
 * <p>Agents send a steady, healthy report only at a slow heartbeat and anything else at once
 * (node-agent {@code ReportSchedule}); each report promises the next within {@code next_within_millis}.
 * So a report's age counts from the end of that promise beyond the normal interval, and a promise ends
 * when the agent's stream to this member ends (a dead agent is not vouched for by its last words).
 */
public final class AgentReports {
  /** The report interval agents use while something changes (and old agents always). */
  public static final long NORMAL_INTERVAL_MILLIS = 500;

  /**
   * @param downSinceNanos when the agent began reporting mysqld down without a break; -1 while up
   * @param promisedExtraNanos how much longer than the normal interval the agent promised to stay quiet
   */
  public record Received(HealthReport report, long receivedAtNanos, String via, long downSinceNanos, long promisedExtraNanos) {
    /** Age on this member's clock, less the agent's promise of silence beyond the normal interval. */
    public long ageMillis(long nowNanos) {
      return Math.max(0, nowNanos - receivedAtNanos - promisedExtraNanos) / 1_000_000;
    }
  }

  private record Key(String cluster, String node) {}

  private final Map<Key, Received> latest = new ConcurrentHashMap<>();
  private volatile Consumer<String> onChange = cluster -> { };

  /**
   * Told the cluster's name when a node's picture changes: its first report, one that differs in
   * anything a decision reads besides positions and lag (mysqld up, read_only, replication threads and
   * source, error), or the end of its stream. The orchestrator then looks at that cluster at once
   * instead of at its next scheduled look. Called on the receiving thread: must be quick.
   */
  public void onChange(Consumer<String> listener) {
    this.onChange = listener;
  }

  void record(String cluster, String node, HealthReport report, long nowNanos, String via) {
    boolean[] changed = {false};
    latest.compute(new Key(cluster, node), (k, prior) -> {
      changed[0] = prior == null || !samePicture(prior.report(), report);
      long downSince = report.getMysqldUp() ? -1
          : prior != null && prior.downSinceNanos() >= 0 ? prior.downSinceNanos() : nowNanos;
      long extra = Math.max(0, report.getNextWithinMillis() - NORMAL_INTERVAL_MILLIS) * 1_000_000;
      return new Received(report, nowNanos, via, downSince, extra);
    });
    if (changed[0]) onChange.accept(cluster);
  }

  /** Equal in everything a decision reads but positions, lag and timing (which change with every write). */
  static boolean samePicture(HealthReport a, HealthReport b) {
    return a.getMysqldUp() == b.getMysqldUp() && a.getReadOnly() == b.getReadOnly() && a.getIoRunning() == b.getIoRunning()
        && a.getSqlRunning() == b.getSqlRunning() && a.getSource().equals(b.getSource()) && a.getError().equals(b.getError());
  }

  /** The agent's stream to this member ended: its reports' promises of a later report are void. */
  void streamEnded(String cluster, String node) {
    latest.computeIfPresent(new Key(cluster, node), (k, r) ->
        new Received(r.report(), r.receivedAtNanos(), r.via(), r.downSinceNanos(), 0));
    onChange.accept(cluster);
  }

  public Optional<Received> latest(String cluster, String node) {
    return Optional.ofNullable(latest.get(new Key(cluster, node)));
  }

  /**
   * Per cluster of {@code state}, 1 when its primary's newest report here (no older than
   * {@code freshNanos}) says a failsafe hold alone keeps it writable, else 0.
   */
  public java.util.Map<String, Long> failsafeActive(dev.deneb.state.DenebState state, long nowNanos, long freshNanos) {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    for (var c : state.clusters().values()) {
      if (c.getPrimary().isEmpty()) continue;
      Received r = latest.get(new Key(c.getName(), c.getPrimary()));
      boolean active = r != null && nowNanos - r.receivedAtNanos() <= freshNanos && r.report().getFailsafeActive();
      out.put(c.getName(), active ? 1L : 0L);
    }
    return out;
  }

  public int size() {
    return latest.size();
  }
}
