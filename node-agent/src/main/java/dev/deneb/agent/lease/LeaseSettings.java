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
 * @param renewInterval  how often the primary renews at most (default 1 s); never less often than a
 *                       third of the TTL ({@link #renewNanos}), and a round still short of a majority
 *                       after a quarter of the interval is followed by another ({@link #retryNanos})
 */
public record LeaseSettings(Duration ttl, double drift, Duration fenceLead, Duration renewInterval) {

  public static final LeaseSettings DEFAULTS =
      new LeaseSettings(Duration.ofSeconds(3), 0.01, Duration.ofMillis(500), Duration.ofSeconds(1));

  /** The shortest pause between a round and its retry: a member's answer takes a round trip. */
  static final long MIN_RETRY_NANOS = 50_000_000;

  public LeaseSettings {
    if (drift < 0 || drift >= 0.5) throw new IllegalArgumentException("drift " + drift + " must be in [0, 0.5)");
    if (fenceLead.isNegative() || renewInterval.isNegative() || renewInterval.isZero()) {
      throw new IllegalArgumentException("fenceLead must be >= 0 and renewInterval > 0");
    }
    long renew = Math.min(renewInterval.toNanos(), ttl.toNanos() / 3);
    if (validNanos(ttl, drift) <= fenceLead.toNanos() + renew) {
      throw new IllegalArgumentException("ttl·(1-ρ) = " + validNanos(ttl, drift) / 1_000_000 + " ms leaves no time to renew"
          + " before fencing: it must exceed fenceLead + the renew interval (" + (fenceLead.toNanos() + renew) / 1_000_000
          + " ms)");
    }
  }

  public LeaseSettings withTtl(Duration newTtl) {
    return new LeaseSettings(newTtl, drift, fenceLead, renewInterval);
  }

  /**
   * How often a round goes out: the configured interval, or a third of the TTL if that is shorter, so
   * that a lease always spans three rounds (etcd's keepalive and CockroachDB's store liveness use the
   * same ratio). At 10,000 clusters every round is 3 messages in and 3 out per primary: the interval
   * is the fleet's load on every member.
   */
  public long renewNanos() {
    return Math.min(renewInterval.toNanos(), ttl.toNanos() / 3);
  }

  /**
   * How long a round may go without a majority before another is sent: a quarter of the interval.
   * Retries keep a lease through a lost or slow round as a shorter interval would, but cost nothing
   * while rounds complete.
   */
  public long retryNanos() {
    return Math.max(MIN_RETRY_NANOS, renewNanos() / 4);
  }

  /** How long after its send time an accepted renewal keeps the lease: ttl·(1-ρ). */
  public long validNanos() {
    return validNanos(ttl, drift);
  }

  private static long validNanos(Duration ttl, double drift) {
    return (long) (ttl.toNanos() * (1 - drift));
  }
}
