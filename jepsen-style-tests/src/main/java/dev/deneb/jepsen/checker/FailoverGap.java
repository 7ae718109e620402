package dev.deneb.jepsen.checker;

import dev.deneb.jepsen.history.EpochChange;
import dev.deneb.jepsen.history.FaultInterval;
import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;
import dev.deneb.jepsen.history.Op;
import dev.deneb.jepsen.history.OpPair;
import java.util.ArrayList;
import java.util.List;

/**
 * The write outage clients saw around one failover: from the last acknowledged write before the
 * fault that caused it (the newest fault started at or before the epoch change; the change itself
 * when no fault precedes it, as for a switchover) to the first write acknowledged in the new epoch.
 *
 * @param change the epoch change
 * @param fromPrimary the primary of the epoch before, or {@code null} for the first one
 * @param cause the fault it followed, or {@code null}
 * @param lastOkBeforeNanos completion of the last ok write before the fault, or {@code null}
 * @param firstOkAfterNanos completion of the first ok write in the new epoch, or {@code null}
 */
public record FailoverGap(EpochChange change, String fromPrimary, FaultInterval cause, Long lastOkBeforeNanos,
    Long firstOkAfterNanos) {

  /** The gap, or {@code null} when writes did not resume (or never ran) on one side. */
  public Long gapNanos() {
    return lastOkBeforeNanos == null || firstOkAfterNanos == null ? null : firstOkAfterNanos - lastOkBeforeNanos;
  }

  /** One gap per epoch change above the bootstrap epoch, in epoch order. */
  public static List<FailoverGap> of(History history, Observations observations) {
    List<Op> oks = history.clientPairs("write").stream().filter(OpPair::isOk).map(OpPair::completion).toList();
    List<FaultInterval> faults = history.faults();
    List<EpochChange> changes = observations.epochChanges();
    List<FailoverGap> gaps = new ArrayList<>();
    for (int i = 1; i < changes.size(); i++) {
      EpochChange change = changes.get(i);
      FaultInterval cause = null;
      for (FaultInterval f : faults) {
        if (f.startNanos() <= change.atNanos()) cause = f;
      }
      long cutoff = cause == null ? change.atNanos() : cause.startNanos();
      Long before = null;
      Long after = null;
      for (Op ok : oks) {
        if (ok.time() <= cutoff && (before == null || ok.time() > before)) before = ok.time();
        boolean newEpoch = ok.epoch() != null ? ok.epoch() >= change.epoch() : ok.time() > change.atNanos();
        if (newEpoch && ok.time() > cutoff && (after == null || ok.time() < after)) after = ok.time();
      }
      gaps.add(new FailoverGap(change, changes.get(i - 1).primary(), cause, before, after));
    }
    return gaps;
  }
}
