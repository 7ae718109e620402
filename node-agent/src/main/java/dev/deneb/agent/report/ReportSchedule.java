package dev.deneb.agent.report;

import dev.deneb.protocol.HealthReport;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Which health probes the agent sends (issue: agent traffic at fleet scale). Pure: the probe and
 * {@code now} come in, the report to send (if any) goes out, stamped with the promise of the next.
 *
 * <p>A steady, healthy node reports only every {@code heartbeat}; a report whose state changed
 * (mysqld up or down, read_only, replication threads, source, error, lag), an unhealthy one, one a
 * member asked for, and every report for {@link #FAST_AFTER_REQUEST} after such a request (a workflow
 * is moving and the leader wants fresh positions) go out at once, at the probe interval. Executed and
 * received GTIDs ride along but change nothing by themselves: they move with every write.
 *
 * <p>Each report carries {@code next_within_millis}: the controllers count its age from the end of
 * that promise, so a quiet healthy node stays fresh and a dead one does not.
 */
public final class ReportSchedule {
  /** How long reports stay at full rate after a member asked for one. */
  public static final Duration FAST_AFTER_REQUEST = Duration.ofSeconds(30);
  private static final long NEVER = Long.MIN_VALUE;

  private final long intervalNanos;
  private final long heartbeatNanos;
  private HealthReport lastSent;
  private long lastSentAt = NEVER;
  private long lastPromise;
  private long fastUntil = NEVER;
  private boolean forced;

  public ReportSchedule(Duration interval, Duration heartbeat) {
    this.intervalNanos = interval.toNanos();
    this.heartbeatNanos = Math.max(interval.toNanos(), heartbeat.toNanos());
  }

  /** A member asked for a report now: the next probe goes out, and the following ones at full rate. */
  public void requested(long now) {
    forced = true;
    fastUntil = now + FAST_AFTER_REQUEST.toNanos();
  }

  /** A member (re)connected: it has no report from this agent yet. */
  public void connected() {
    forced = true;
  }

  /** The report to send for {@code probe} taken at {@code now}, if any. */
  public Optional<HealthReport> decide(HealthReport probe, long now) {
    boolean fast = now < fastUntil || !healthy(probe);
    boolean changed = lastSent == null || !sameState(probe, lastSent);
    // The next report goes out on the last probe before the previous report's promise would run out.
    boolean heartbeatDue = lastSentAt == NEVER || now - lastSentAt >= lastPromise - intervalNanos;
    if (!forced && !fast && !changed && !heartbeatDue) return Optional.empty();
    forced = false;
    lastSent = probe;
    lastSentAt = now;
    long promise = fast || changed ? intervalNanos : heartbeatNanos;
    lastPromise = promise;
    return Optional.of(probe.toBuilder().setNextWithinMillis(promise / 1_000_000).build());
  }

  static boolean healthy(HealthReport r) {
    return r.getMysqldUp() && r.getError().isEmpty() && (r.getSource().isEmpty() || (r.getIoRunning() && r.getSqlRunning()));
  }

  static boolean sameState(HealthReport a, HealthReport b) {
    return a.getMysqldUp() == b.getMysqldUp() && a.getReadOnly() == b.getReadOnly() && a.getIoRunning() == b.getIoRunning()
        && a.getSqlRunning() == b.getSqlRunning() && a.getLagSeconds() == b.getLagSeconds()
        && Objects.equals(a.getSource(), b.getSource()) && Objects.equals(a.getError(), b.getError())
        // Failsafe: a release is what a waiting workflow needs; a binding starting or ending is news too.
        && a.getFailsafeReleasedThrough() == b.getFailsafeReleasedThrough()
        && (a.getPromiseBindsMillis() > 0) == (b.getPromiseBindsMillis() > 0)
        && a.getFailsafeActive() == b.getFailsafeActive();
  }
}
