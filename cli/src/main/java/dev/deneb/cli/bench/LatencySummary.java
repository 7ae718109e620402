package dev.deneb.cli.bench;

import java.time.Duration;
import java.util.Arrays;

/** What one load run measured: successful reads per second over the measured window, p50/p99, errors. */
record LatencySummary(long reads, long errors, Duration window, Duration p50, Duration p99) {

  /** Summarizes raw latencies (nanoseconds, any order) measured over {@code window}. */
  static LatencySummary of(long[] latencyNanos, long errors, Duration window) {
    long[] sorted = latencyNanos.clone();
    Arrays.sort(sorted);
    return new LatencySummary(sorted.length, errors, window,
        Duration.ofNanos(percentile(sorted, 0.50)), Duration.ofNanos(percentile(sorted, 0.99)));
  }

  double readsPerSecond() {
    return window.isZero() ? 0 : reads / (window.toNanos() / 1e9);
  }

  /** Nearest-rank percentile of sorted values: the smallest value with at least p of all at or below it. */
  static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
