package dev.deneb.jepsen.history;

/**
 * A span during which a fault was in effect, read from nemesis ops: an op whose {@code f} is
 * {@code start-<fault>} opens it, the next {@code stop-<fault>} closes it (Jepsen's naming, e.g.
 * {@code start-partition} / {@code stop-partition}, {@code start-kill} / {@code stop-kill}).
 *
 * @param fault the name after {@code start-}, e.g. {@code partition}
 * @param target the start op's value (which node or link), or {@code null}
 * @param startNanos when the nemesis was asked to start it (its invocation): the earliest moment
 *     the fault could act
 * @param endNanos when the heal had completed (the {@code stop-} op's completion), or {@code null}
 *     when the history never healed it
 */
public record FaultInterval(String fault, String target, long startNanos, Long endNanos) {

  /** A label for reports: {@code partition db1}. */
  public String label() {
    return target == null ? fault : fault + " " + target;
  }

  /** The end, or {@code orElse} when never healed. */
  public long endOr(long orElse) {
    return endNanos == null ? orElse : endNanos;
  }
}
