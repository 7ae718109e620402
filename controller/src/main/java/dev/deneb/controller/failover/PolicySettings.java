package dev.deneb.controller.failover;

import java.time.Duration;

/**
 * The orchestrator's timing knobs (controller.yaml {@code failover:}; docs/failover.md).
 *
 * @param downGrace how long the primary's agent must report mysqld down before a failover begins (L1)
 * @param reportStaleAfter a report older than this is not evidence of anything
 * @param leaseMargin added to ttl·(1+ρ) before a silent primary's lease counts as lapsed (§3.2 step 6)
 * @param drift the bound ρ on clock-rate difference, as the agents assume it
 * @param candidateWait how long an unplanned failover waits for a safe candidate before, in async
 *     durability only, it promotes the most advanced replica loudly
 * @param catchUpTimeout how long a switchover waits for its target to execute the old primary's final
 *     position before it is aborted (the old primary then keeps the role, at the next epoch)
 * @param repointWait how long REPOINTED waits for reachable replicas to replicate from the new primary
 */
public record PolicySettings(Duration downGrace, Duration reportStaleAfter, Duration leaseMargin, double drift,
    Duration candidateWait, Duration catchUpTimeout, Duration repointWait) {

  public static PolicySettings defaults() {
    return new PolicySettings(Duration.ofMillis(500), Duration.ofMillis(1500), Duration.ofMillis(500), 0.01,
        Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(10));
  }

  /** §3.2 step 6: the silence after which the primary's lease has provably ended on its own clock. */
  public long lapseBoundMillis(long ttlMillis) {
    return (long) Math.ceil(ttlMillis * (1 + drift)) + leaseMargin.toMillis();
  }
}
