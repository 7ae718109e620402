package dev.deneb.agent.lease;

import java.time.Duration;

/**
 * The primary's lease parameters (DESIGN §3.2). A lease accepted for a renewal sent at monotonic
 * time {@code s} runs until {@code s + ttl·(1-ρ)}: measured from the send, and shortened by the
 * drift bound, it ends no later than any controller's view of it.
 *
 * @param ttl            the cluster's lease TTL (default 3 s)
 * @param drift          ρ, the bound on relative clock-rate error (default 1%)
 * @param fenceLead      fence this long before the lease ends (default 500 ms)
 * @param renewInterval  how often the primary renews (default 500 ms)
 */
public record LeaseSettings(Duration ttl, double drift, Duration fenceLead, Duration renewInterval) {

  public static final LeaseSettings DEFAULTS =
      new LeaseSettings(Duration.ofSeconds(3), 0.01, Duration.ofMillis(500), Duration.ofMillis(500));

  public LeaseSettings {
    if (drift < 0 || drift >= 0.5) throw new IllegalArgumentException("drift " + drift + " must be in [0, 0.5)");
    if (fenceLead.isNegative() || renewInterval.isNegative() || renewInterval.isZero()) {
      throw new IllegalArgumentException("fenceLead must be >= 0 and renewInterval > 0");
    }
    if (validNanos(ttl, drift) <= fenceLead.toNanos() + renewInterval.toNanos()) {
      throw new IllegalArgumentException("ttl·(1-ρ) = " + validNanos(ttl, drift) / 1_000_000 + " ms leaves no time to renew"
          + " before fencing: it must exceed fenceLead + renewInterval (" + (fenceLead.plus(renewInterval)).toMillis() + " ms)");
    }
  }

  public LeaseSettings withTtl(Duration newTtl) {
    return new LeaseSettings(newTtl, drift, fenceLead, renewInterval);
  }

  /** How long after its send time an accepted renewal keeps the lease: ttl·(1-ρ). */
  public long validNanos() {
    return validNanos(ttl, drift);
  }

  private static long validNanos(Duration ttl, double drift) {
    return (long) (ttl.toNanos() * (1 - drift));
  }
}
