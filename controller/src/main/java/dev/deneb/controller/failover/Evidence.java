package dev.deneb.controller.failover;

import dev.deneb.fencing.gtid.GtidFlavor;
import java.util.Map;

/**
 * What the leader knows about one cluster beyond the committed state, at one tick: soft state that a
 * new leader re-learns (reports within one report interval; lease silence starts at "now" when it
 * takes over, which is conservative).
 *
 * @param leaseSilenceMillis since this leader last saw an accepted renewal from the current primary
 *     (or took over, whichever is later)
 * @param primaryEverRenewed whether the current primary ever held a lease in this epoch (as this member
 *     applied the log)
 * @param stepAgeMillis since this leader first saw the workflow's current step; 0 when steady
 * @param wallMillis this member's wall clock, only to compare with times stamped in commands (cooldown)
 */
public record Evidence(Map<String, NodeView> nodes, long leaseSilenceMillis, boolean primaryEverRenewed,
    long stepAgeMillis, long wallMillis, GtidFlavor flavor, SqlFence sqlFence) {

  /**
   * The controller's own SQL access to the primary being replaced: whether it is configured, and the
   * newest attempt of this workflow (null when none) with its age.
   */
  public record SqlFence(boolean available, SqlFencer.Result last, long lastAgeMillis) {
    public static final SqlFence NONE = new SqlFence(false, null, 0);
  }

  public Evidence(Map<String, NodeView> nodes, long leaseSilenceMillis, boolean primaryEverRenewed, long stepAgeMillis,
      long wallMillis, GtidFlavor flavor) {
    this(nodes, leaseSilenceMillis, primaryEverRenewed, stepAgeMillis, wallMillis, flavor, SqlFence.NONE);
  }

  public NodeView node(String name) {
    return nodes.getOrDefault(name, NodeView.unreported(name));
  }
}
