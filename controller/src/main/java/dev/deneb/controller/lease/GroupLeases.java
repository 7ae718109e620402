package dev.deneb.controller.lease;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.state.Leases;
import java.util.Set;

/**
 * The leader's reading of every lease (docs/lease.md): its own grants plus the other members' words,
 * combined by the pure {@link LapseRule}. The orchestrator's only door to lease state.
 */
public final class GroupLeases {
  private final String selfId;
  private final int groupSize;
  private final GrantTable own;
  private final PeerLeases peers;
  private final long freshMillis;

  /**
   * @param freshMillis an open member's word older than this is not used (a few poll intervals)
   */
  public GroupLeases(String selfId, int groupSize, GrantTable own, PeerLeases peers, long freshMillis) {
    this.selfId = selfId;
    this.groupSize = groupSize;
    this.own = own;
    this.peers = peers;
    this.freshMillis = freshMillis;
  }

  /** The lease a cluster's safety hangs on now; null before the first epoch. */
  public static LeaseKey keyOf(ClusterRecord c) {
    return c.getEpoch() == 0 ? null : new LeaseKey(c.getName(), Leases.holder(c), c.getEpoch());
  }

  public LapseRule.LeaseStatus status(LeaseKey lease, long nowNanos) {
    return LapseRule.evaluate(groupSize, selfId, own.view(lease, nowNanos), peers.words(lease), nowNanos, freshMillis);
  }

  /**
   * How long until the leader needs the others' word on {@code lease}; 0 when it needs it now: it has
   * not granted the lease itself for {@code quietMillis}, or its holder is being replaced (the fence
   * proof needs closed members). Time alone moves this only towards 0.
   */
  public long untilDoubtfulMillis(ClusterRecord c, LeaseKey lease, long nowNanos, long quietMillis) {
    LeaseView mine = own.view(lease, nowNanos);
    if (Leases.replacing(c) || !mine.granted() || mine.silenceMillis() > quietMillis) return 0;
    return quietMillis - mine.silenceMillis() + 1;
  }

  public void want(Set<LeaseKey> leases) {
    peers.want(leases);
  }
}
