package dev.deneb.controller.failover;

import dev.deneb.fencing.gtid.GtidFlavor;
import java.util.Map;

/**
 * What the leader knows about one cluster beyond the committed state, at one tick: soft state that a
 * new leader re-learns (reports within one report interval; the members' lease views within one poll,
 * its own grants it kept as a follower).
 *
 * @param leaseSilenceMillis the group's lease silence for the lease holder (docs/lease.md): how long ago
 *     the newest renewal round that can have reached a majority of members was granted, from every
 *     member's freshest word ({@code LapseRule})
 * @param leaseRevokedSilenceMillis the same, counting only members that have closed the lease (applied
 *     the workflow's begin): once above the lapse bound, no lease of the holder can still run
 * @param primaryEverRenewed whether a majority of members granted the lease holder a renewal in this epoch (one
 *     member's grant is no lease)
 * @param stepAgeMillis since this leader first saw the workflow's current step; 0 when steady
 * @param wallMillis this member's wall clock, only to compare with times stamped in commands (cooldown)
 * @param leaseDescription each member's part in the lease silence, written only when read
 */
public record Evidence(Map<String, NodeView> nodes, long leaseSilenceMillis, long leaseRevokedSilenceMillis,
    boolean primaryEverRenewed, long stepAgeMillis, long wallMillis, GtidFlavor flavor, SqlFence sqlFence,
    java.util.function.Supplier<String> leaseDescription) {

  /** Each member's part in the lease silence ({@code LapseRule}), as a sentence. */
  public String leaseDetail() {
    return leaseDescription.get();
  }

  /**
   * The controller's own SQL access to the primary being replaced: whether it is configured, and the
   * newest attempt of this workflow (null when none) with its age.
   */
  public record SqlFence(boolean available, SqlFencer.Result last, long lastAgeMillis) {
    public static final SqlFence NONE = new SqlFence(false, null, 0);
  }

  /** Every member has closed the lease and agrees on its silence (tests of decisions that do not hinge on that). */
  public Evidence(Map<String, NodeView> nodes, long leaseSilenceMillis, boolean primaryEverRenewed, long stepAgeMillis,
      long wallMillis, GtidFlavor flavor) {
    this(nodes, leaseSilenceMillis, primaryEverRenewed, stepAgeMillis, wallMillis, flavor, SqlFence.NONE);
  }

  public Evidence(Map<String, NodeView> nodes, long leaseSilenceMillis, boolean primaryEverRenewed, long stepAgeMillis,
      long wallMillis, GtidFlavor flavor, SqlFence sqlFence) {
    this(nodes, leaseSilenceMillis, leaseSilenceMillis, primaryEverRenewed, stepAgeMillis, wallMillis, flavor, sqlFence,
        () -> "");
  }

  public NodeView node(String name) {
    return nodes.getOrDefault(name, NodeView.unreported(name));
  }
}
