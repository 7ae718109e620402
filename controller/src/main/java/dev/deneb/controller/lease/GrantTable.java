package dev.deneb.controller.lease;

import dev.deneb.protocol.Refusal;
import dev.deneb.state.DenebState;
import dev.deneb.state.Leases;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * This member's lease grants (DESIGN §3.9 rule 1, docs/lease.md): soft state, never logged. A grant
 * is decided from the newest state this member has applied ({@link Leases#judge}) and recorded in
 * the same atomic step, per cluster, as the views the leader asks for. That atomicity is what the
 * lapse rule needs: once a view says "closed", every grant this member ever made for that lease is
 * already counted in it, and it never grants that lease again.
 *
 * <p>Times are this member's monotonic nanoseconds, passed in by the caller. The table keeps one
 * entry per cluster (the newest epoch's lease) and, for older epochs, the newest grant of any of
 * them: an upper bound that is all the lapse rule needs of a replaced lease.
 */
public final class GrantTable {
  private static final long NEVER = Long.MIN_VALUE;

  private final Supplier<DenebState> applied;
  /**
   * Every silence counts from no earlier than this: the member's start, or the end of the newest
   * pause it noticed in itself ({@link #resumedAt}). Only ever moved forward.
   */
  private volatile long silenceFloorNanos;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  /**
   * False from this member's start until its applied state has caught up with the group's commit
   * index as a leader knew it after that start ({@link #markCaughtUp}). A restarted member replays its
   * log from a snapshot: before it caught up, its applied state can be older than one it answered the
   * leader from before the restart ("closed"), and granting from it would reopen a lease the leader
   * counts as closed for good. So it grants nothing until then.
   */
  private volatile boolean caughtUp;

  /**
   * @param applied the newest applied state (an immutable image)
   * @param startNanos when this member started: it may have granted anything before, so every
   *     silence counts from no earlier than this
   */
  public GrantTable(Supplier<DenebState> applied, long startNanos) {
    this.applied = applied;
    this.silenceFloorNanos = startNanos;
  }

  /** The newest lease of one cluster this member knows of, and the newest grant of any older one. */
  private record Entry(String node, long epoch, long lastGrant, long since, long olderGrant) {
    Entry moveTo(String newNode, long newEpoch, long now) {
      return new Entry(newNode, newEpoch, NEVER, now, Math.max(olderGrant, lastGrant));
    }
  }

  /**
   * Judges a renewal round for {@code node}'s lease in {@code epoch}, received at {@code now}, and
   * records it when granted. The receipt time is later than the agent's send time, which is all the
   * safety argument asks of it.
   */
  public Refusal grant(String cluster, String node, long epoch, long now) {
    if (!caughtUp) return Refusal.MEMBER_CATCHING_UP;
    Refusal[] verdict = new Refusal[1];
    entries.compute(cluster, (k, e) -> {
      verdict[0] = Leases.judge(applied.get(), cluster, node, epoch);
      if (verdict[0] != Refusal.REFUSAL_UNSPECIFIED) return e;
      if (e != null && e.epoch > epoch) {
        // Granted from a state older than the epoch noted here (cannot happen while the image is
        // published before listeners run); never move backwards: count it among the older grants.
        return new Entry(e.node, e.epoch, e.lastGrant, e.since, Math.max(e.olderGrant, now));
      }
      Entry at = e == null ? new Entry(node, epoch, NEVER, now, NEVER)
          : e.epoch < epoch || !e.node.equals(node) ? e.moveTo(node, epoch, now) : e;
      return new Entry(at.node, at.epoch, Math.max(at.lastGrant, now), at.since, at.olderGrant);
    });
    return verdict[0];
  }

  /**
   * This member applied a state naming {@code node} primary of {@code epoch}: its silence counts from
   * now, not from an earlier start, so a newly promoted primary gets a whole TTL to take its lease
   * before it can count as lapsed. Older epochs than the one recorded change nothing.
   */
  public void noteEpoch(String cluster, String node, long epoch, long now) {
    entries.compute(cluster, (k, e) -> {
      if (e == null) return new Entry(node, epoch, NEVER, now, NEVER);
      if (e.epoch > epoch || (e.epoch == epoch && e.node.equals(node))) return e;
      return e.moveTo(node, epoch, now);
    });
  }

  /** After an applied command about {@code cluster}: note the epoch it is at now (see {@link #noteEpoch}). */
  public void applied(String cluster, DenebState state, long now) {
    state.cluster(cluster).filter(c -> c.getEpoch() > 0).ifPresent(c -> noteEpoch(cluster, c.getPrimary(), c.getEpoch(), now));
  }

  /** What this member can say of {@code lease} at {@code now}, atomically with its grants. */
  public LeaseView view(LeaseKey lease, long now) {
    LeaseView[] out = new LeaseView[1];
    entries.compute(lease.cluster(), (k, e) -> {
      boolean closed = Leases.closed(applied.get(), lease.cluster(), lease.node(), lease.epoch());
      long newest;
      boolean granted;
      if (e == null || e.epoch < lease.epoch()) {
        newest = e == null ? NEVER : e.since; // nothing granted in this epoch; it began no earlier than that
        granted = false;
      } else if (e.epoch == lease.epoch() && e.node.equals(lease.node())) {
        newest = Math.max(e.lastGrant, e.since);
        granted = e.lastGrant != NEVER;
      } else {
        // A newer lease has replaced it here: every grant of the older ones is at most olderGrant.
        newest = e.olderGrant;
        granted = e.olderGrant != NEVER;
      }
      long from = Math.max(newest, silenceFloorNanos);
      out[0] = new LeaseView(closed, granted, Math.max(0, (now - from) / 1_000_000));
      return e;
    });
    return out[0];
  }

  /**
   * This member was frozen (SIGSTOP, a VM or host stall, a long GC) until {@code now}. While frozen it
   * granted nothing it could have granted, so a silence that includes the freeze says nothing about
   * the primary: the agent renews through this member again within a round of its return. Counting
   * from here, as after a restart, keeps a controller quorum loss from ending in a failover of a
   * primary that held on (failsafe, docs/lease.md) the moment the quorum returns. Safe: a view's
   * silence can only come out shorter, so a lapse is only ever proved later.
   */
  public void resumedAt(long now) {
    if (now - silenceFloorNanos > 0) silenceFloorNanos = now;
  }

  /**
   * This member's applied state now includes everything the group had committed when a leader
   * confirmed a read after this member started (a linearizable read served here): grants may begin.
   */
  public void markCaughtUp() {
    caughtUp = true;
  }

  public boolean caughtUp() {
    return caughtUp;
  }

  /** Clusters this member holds an entry for (metrics, tests). */
  public int size() {
    return entries.size();
  }

  /** Forget clusters that no longer exist (called after applies that delete clusters). */
  public void retainOnly(java.util.Set<String> clusters) {
    entries.keySet().retainAll(clusters);
  }
}
