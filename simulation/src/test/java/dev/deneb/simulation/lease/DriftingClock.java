package dev.deneb.simulation.lease;

import java.util.ArrayList;
import java.util.List;

/**
 * One process's monotonic clock ({@code System.nanoTime()} in production): an arbitrary offset and a
 * rate that stays within {@code [1-ρ, 1+ρ]} of real time but may change at any moment (a piecewise
 * linear, strictly increasing function of real time). Keeps its segments so a local time can be
 * mapped back to the real time at which the clock showed it.
 */
final class DriftingClock {
  private record Segment(long realStart, long localStart, double rate) {}

  private final List<Segment> segments = new ArrayList<>();
  private final double rho;

  DriftingClock(long offsetNanos, double rate, double rho) {
    this.rho = rho;
    segments.add(new Segment(0, offsetNanos, check(rate)));
  }

  private double check(double rate) {
    if (rate < 1 - rho - 1e-12 || rate > 1 + rho + 1e-12) {
      throw new IllegalArgumentException("rate " + rate + " outside [1-ρ, 1+ρ] with ρ = " + rho);
    }
    return rate;
  }

  /** The clock's reading at real time {@code real} (not before the last rate change). */
  long read(long real) {
    Segment s = segments.get(segments.size() - 1);
    if (real < s.realStart) throw new IllegalStateException("reading at " + real + " before the last rate change " + s.realStart);
    return s.localStart + (long) Math.floor((real - s.realStart) * s.rate);
  }

  /** From real time {@code real} on, the clock runs at {@code rate}. */
  void retune(long real, double rate) {
    long local = read(real);
    segments.add(new Segment(real, local, check(rate)));
  }

  double rate() {
    return segments.get(segments.size() - 1).rate;
  }

  /** Real nanoseconds this clock takes to advance {@code localNanos} at its current rate (rounded up). */
  long realFor(long localNanos) {
    return (long) Math.ceil(localNanos / rate());
  }

  /**
   * The first real time at which the clock reads at least {@code local}, assuming the current rate
   * holds from the last rate change on (exact for every local time the clock has already shown).
   */
  long realAt(long local) {
    for (int i = segments.size() - 1; i >= 0; i--) {
      Segment s = segments.get(i);
      if (local >= s.localStart || i == 0) {
        return s.realStart + (long) Math.ceil((local - s.localStart) / s.rate);
      }
    }
    throw new AssertionError("unreachable");
  }
}
