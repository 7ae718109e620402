package dev.deneb.jepsen.checker;

import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;
import dev.deneb.jepsen.history.OpPair;
import dev.deneb.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * <b>Availability</b>, measured, not judged: the share of writes acknowledged, each failover's
 * client-observed write gap ({@link FailoverGap}) and the p50/p99 of gaps and of write latency.
 * Always valid — liveness targets are benchmark figures (DESIGN §2), not pass/fail assertions.
 */
public final class AvailabilityStats implements Checker {
  public static final String PROPERTY = "availability";

  @Override
  public String property() {
    return PROPERTY;
  }

  @Override
  public Verdict check(History history, Observations observations) {
    List<OpPair> writes = history.clientPairs("write");
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("writes", writes.size());
    for (OpType t : List.of(OpType.OK, OpType.FAIL, OpType.INFO)) {
      stats.put(t.json(), writes.stream().filter(w -> w.outcome() == t).count());
    }
    long ok = writes.stream().filter(OpPair::isOk).count();
    stats.put("okShare", writes.isEmpty() ? 0.0 : (double) ok / writes.size());
    List<Long> latencies = writes.stream().filter(OpPair::isOk).map(OpPair::latencyNanos).toList();
    stats.put("latencyP50Millis", millis(percentile(latencies, 50)));
    stats.put("latencyP99Millis", millis(percentile(latencies, 99)));
    List<Long> gaps = new ArrayList<>();
    List<String> perFailover = new ArrayList<>();
    for (FailoverGap g : FailoverGap.of(history, observations)) {
      if (g.gapNanos() != null) gaps.add(g.gapNanos());
      perFailover.add("epoch " + g.change().epoch() + ": "
          + (g.gapNanos() == null ? "writes did not resume" : millis(g.gapNanos()) + " ms"));
    }
    stats.put("failoverGaps", perFailover);
    stats.put("okShareDuringFault", okShareByFault(history, writes));
    stats.put("gapP50Millis", millis(percentile(gaps, 50)));
    stats.put("gapP99Millis", millis(percentile(gaps, 99)));
    return Verdict.of(PROPERTY, List.of(), stats);
  }

  /**
   * Per fault kind, the share of writes invoked while such a fault was in effect (start invoked to
   * heal completed) that were acknowledged, with the counts: e.g. {@code quorum-loss: 0.998 (4210 of
   * 4218)}. Availability under a fault, which the issue asks for, not a verdict.
   */
  static Map<String, String> okShareByFault(History history, List<OpPair> writes) {
    Map<String, long[]> byFault = new java.util.TreeMap<>();
    long end = history.ops().isEmpty() ? 0 : history.ops().get(history.ops().size() - 1).time();
    for (dev.deneb.jepsen.history.FaultInterval f : history.faults()) {
      long[] counts = byFault.computeIfAbsent(f.fault(), k -> new long[2]);
      long until = f.endOr(end);
      for (OpPair w : writes) {
        long at = w.invoke().time();
        if (at < f.startNanos() || at > until) continue;
        counts[1]++;
        if (w.isOk()) counts[0]++;
      }
    }
    Map<String, String> out = new LinkedHashMap<>();
    byFault.forEach((fault, c) -> out.put(fault, c[1] == 0 ? "no writes" : String.format(java.util.Locale.ROOT, "%.3f (%d of %d)",
        (double) c[0] / c[1], c[0], c[1])));
    return out;
  }

  /** Nearest-rank percentile ({@code 0 < p <= 100}), or {@code null} for no samples. */
  public static Long percentile(List<Long> samples, double p) {
    if (samples.isEmpty()) return null;
    List<Long> sorted = samples.stream().sorted().toList();
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size(), rank) - 1));
  }

  private static Long millis(Long nanos) {
    return nanos == null ? null : nanos / 1_000_000;
  }
}
