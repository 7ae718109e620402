package dev.deneb.jepsen.history;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Appends ops from many client workers and the nemesis, stamping each with the next index and the
 * clock's time under one lock, so indices and times grow together. Errors go through
 * {@link Outcomes}, so no worker can record a connection lost after sending as {@code fail}.
 */
public final class Recorder {
  private final LongSupplier nanoClock;
  private final List<Op> ops = new ArrayList<>();

  /** @param nanoClock monotonic nanoseconds, {@code System::nanoTime} outside tests */
  public Recorder(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /**
   * Records an invocation.
   *
   * @param node the database node the request goes to, or {@code null}
   * @param epoch the epoch the client believes current, or {@code null}
   */
  public synchronized Op invoke(ProcessId process, String f, String value, String node, Long epoch) {
    return append(Op.invoke(ops.size(), nanoClock.getAsLong(), process, f, value).at(node, epoch));
  }

  /** Records that {@code invoke} succeeded, with the GTID of its transaction when it wrote. */
  public synchronized Op ok(Op invoke, String gtid) {
    return append(invoke.completion(OpType.OK, ops.size(), nanoClock.getAsLong(), gtid, null));
  }

  /**
   * Records that {@code invoke} succeeded, correcting node and epoch to what the server reported
   * in the same transaction (the epoch the write landed in).
   */
  public synchronized Op ok(Op invoke, String node, Long epoch, String gtid) {
    return append(invoke.at(node, epoch).completion(OpType.OK, ops.size(), nanoClock.getAsLong(), gtid, null));
  }

  /** Records an error as {@code fail} or {@code info} by the rule of {@link Outcomes}. */
  public synchronized Op error(Op invoke, Throwable error, boolean requestSent) {
    return append(Outcomes.complete(invoke, ops.size(), nanoClock.getAsLong(), error, requestSent));
  }

  /** Records the end of a nemesis action, which Jepsen records as {@code info}. */
  public synchronized Op nemesisDone(Op invoke, String result) {
    return append(new Op(OpType.INFO, invoke.f(), invoke.process(), invoke.value(), nanoClock.getAsLong(),
        ops.size(), null, null, null, result));
  }

  /** The history recorded so far. */
  public synchronized History history() {
    return new History(ops);
  }

  private Op append(Op op) {
    ops.add(op);
    return op;
  }
}
