package dev.deneb.jepsen.history;

import java.util.Set;

/**
 * One entry of the controller's epoch history ({@code GET /v1/clusters/{c}/history}).
 *
 * @param epoch the new epoch
 * @param primary the node it names
 * @param reason why (bootstrap, failover: lease lapsed, switchover, ...)
 * @param atNanos when it was committed, on the run's monotonic clock
 * @param lostGtids transactions the controller reported lost by this change (a lossy promotion in
 *     async mode), each a MariaDB GTID {@code d-s-n} or range {@code d-s-lo..hi}; empty when none
 */
public record EpochChange(long epoch, String primary, String reason, long atNanos, Set<String> lostGtids) {

  public EpochChange {
    lostGtids = Set.copyOf(lostGtids);
  }
}
