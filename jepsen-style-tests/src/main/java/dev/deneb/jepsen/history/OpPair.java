package dev.deneb.jepsen.history;

/**
 * An invocation and its completion by the same process.
 *
 * @param invoke the {@code invoke} op
 * @param completion its {@code ok}, {@code fail} or {@code info}, or {@code null} when the history
 *     ended before it completed (which counts as indeterminate)
 */
public record OpPair(Op invoke, Op completion) {

  public OpPair {
    if (invoke.type() != OpType.INVOKE) throw new IllegalArgumentException("not an invocation: " + invoke.describe());
  }

  /** ok, fail or info; a pair the history never completed is info. */
  public OpType outcome() {
    return completion == null ? OpType.INFO : completion.type();
  }

  public boolean isOk() {
    return outcome() == OpType.OK;
  }

  /** The completion, which carries node, epoch and gtid; the invocation when there is none. */
  public Op last() {
    return completion == null ? invoke : completion;
  }

  /** Completion time minus invocation time, or -1 when never completed. */
  public long latencyNanos() {
    return completion == null ? -1 : completion.time() - invoke.time();
  }
}
