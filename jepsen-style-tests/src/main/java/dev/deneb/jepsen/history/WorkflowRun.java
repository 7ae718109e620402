package dev.deneb.jepsen.history;

/**
 * One failover or switchover workflow as the controller recorded it.
 *
 * @param kind {@code failover} or {@code switchover}
 * @param fromEpoch the epoch it replaced
 * @param toEpoch the epoch it committed
 * @param beganAtNanos when it began (its first committed step)
 * @param endedAtNanos when it reached STEADY or was abandoned, or {@code null} while in flight
 * @param outcome how it ended, e.g. {@code completed}, {@code aborted}
 */
public record WorkflowRun(String kind, long fromEpoch, long toEpoch, long beganAtNanos, Long endedAtNanos,
    String outcome) {

  /** The end, or {@code orElse} while in flight. */
  public long endOr(long orElse) {
    return endedAtNanos == null ? orElse : endedAtNanos;
  }

  public String describe() {
    return kind + " " + fromEpoch + "->" + toEpoch + " [" + Op.seconds(beganAtNanos) + ", "
        + (endedAtNanos == null ? "in flight" : Op.seconds(endedAtNanos)) + "] " + outcome;
  }
}
