package dev.deneb.jepsen.history;

import java.util.Set;

/**
 * A node the controller quarantined instead of rejoining (DESIGN §3.6).
 *
 * @param node the quarantined node (typically a returning old primary)
 * @param epoch the epoch current when it was quarantined
 * @param extraGtids what it has that the primary lacks, each a MariaDB GTID {@code d-s-n} or range
 *     {@code d-s-lo..hi}
 */
public record Quarantine(String node, long epoch, Set<String> extraGtids) {

  public Quarantine {
    extraGtids = Set.copyOf(extraGtids);
  }
}
