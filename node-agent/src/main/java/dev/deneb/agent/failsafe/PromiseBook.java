package dev.deneb.agent.failsafe;

import dev.deneb.agent.failsafe.PromiseAnswer.Declined;
import dev.deneb.agent.failsafe.PromiseAnswer.Promised;
import dev.deneb.agent.failsafe.PromiseAnswer.Reason;
import java.util.Optional;

/**
 * The promises one node gave to its cluster's primary, on this node's monotonic clock (docs/lease.md
 * "Failsafe"). Two duties:
 * <ul>
 *   <li><b>answer</b> a primary's request from what this agent knows ({@link View}): promise only to
 *       the primary of the highest epoch it has seen, while it sees no replacement begun and reaches
 *       no controller majority (then it relays the renewal instead);
 *   <li><b>honour</b> every promise: {@link #waitBeforeWritable} is how long this node must stay
 *       read-only, whatever a controller orders, and {@link #released} says when no promise of this
 *       node can keep the old primary of an epoch writable any more — the proof the controllers need
 *       before they choose a replacement.
 * </ul>
 *
 * <p>Clocks: a promise asked for {@code d} binds this node for {@code d·(1+ρ)} of its own clock from
 * when it answered. Its clock runs at most at rate {@code 1+ρ}, so that is at least {@code d} of real
 * time after the answer, hence after the request was sent. The primary counts its hold as
 * {@code d·(1-ρ)} of its clock from the send, at most {@code d} of real time. So the promise outlives
 * the hold.
 *
 * <p>An agent that restarts forgets its promises, so a new book binds a whole longest promise from the
 * agent's start. Not thread-safe: the agent's loop owns it.
 */
public final class PromiseBook {
  private final String cluster;
  private final String self;
  private final long maxPromiseNanos;
  private final double drift;
  /** This node may not become writable before this local time (a promise, or the start binding). */
  private long bindsUntil;
  private String boundBy;
  /** Epochs up to this one are sealed: a replacement of their primary was seen, no promise is given for them. */
  private long sealedThrough;
  /** The highest epoch {@link #releasedThrough} has reported; never goes down. */
  private long releasedThrough;

  /**
   * What this agent knows when it answers.
   *
   * @param highestEpochSeen the highest epoch this agent has seen committed
   * @param primaryOfHighest the node that epoch names as primary
   * @param replacementBegun whether a workflow replacing that primary has begun (a member said so)
   * @param reachesControllerMajority whether this agent heard from a majority of members within the
   *     lease TTL: then it relays the asker's renewal rather than promise
   * @param failsafeEnabled the cluster's failsafe setting as this agent last learned it
   */
  public record View(long highestEpochSeen, String primaryOfHighest, boolean replacementBegun,
      boolean reachesControllerMajority, boolean failsafeEnabled) {}

  public PromiseBook(String cluster, String self, long maxPromiseNanos, double drift, long startedAt) {
    this(cluster, self, maxPromiseNanos, drift, startedAt, (long) Math.ceil(maxPromiseNanos * (1 + drift)), 0);
  }

  /**
   * @param startBindingNanos how long this run stays bound from its start because the previous run
   *     may have given a promise that still runs (its state file says it promised recently); 0 when not
   * @param sealedThrough the epochs the previous run had sealed (kept on disk): a node that reported
   *     itself released for an epoch must never promise for it again, restart or not
   */
  public PromiseBook(String cluster, String self, long maxPromiseNanos, double drift, long startedAt,
      long startBindingNanos, long sealedThrough) {
    if (maxPromiseNanos <= 0) throw new IllegalArgumentException("maxPromiseNanos must be positive");
    if (drift < 0 || drift >= 0.5) throw new IllegalArgumentException("drift " + drift + " must be in [0, 0.5)");
    this.cluster = cluster;
    this.self = self;
    this.maxPromiseNanos = maxPromiseNanos;
    this.drift = drift;
    // The previous run of this agent may have promised just before it stopped.
    this.bindsUntil = startedAt + startBindingNanos;
    this.boundBy = "agent start: a promise given before the restart may still run";
    this.sealedThrough = sealedThrough;
  }

  /** The epochs sealed so far (the agent keeps this on disk before it reports a release). */
  public long sealedThrough() {
    return sealedThrough;
  }

  /**
   * The highest epoch for which {@link #released} holds at {@code now}, or a higher one it held for
   * earlier (a release is final: a sealed epoch gets no promise again): what the agent reports.
   */
  public long releasedThrough(long now) {
    if (now - bindsUntil >= 0) releasedThrough = Math.max(releasedThrough, sealedThrough);
    return releasedThrough;
  }

  /** The local time before which this node must stay read-only. */
  public long bindsUntil() {
    return bindsUntil;
  }

  /** Answer one request at {@code now}; a promise given is recorded before the answer is returned. */
  public PromiseAnswer answer(PromiseRequest ask, View view, long now) {
    long seen = view.highestEpochSeen();
    // A committed epoch replaced the primary of every lower one.
    if (seen > 0) seal(seen - 1);
    if (!ask.cluster().equals(cluster)) return decline(ask, Reason.OTHER_CLUSTER, seen, "this agent serves cluster " + cluster);
    if (!view.failsafeEnabled()) return decline(ask, Reason.FAILSAFE_DISABLED, seen, "failsafe is off for " + cluster);
    if (!ask.membership().contains(self) || ask.primary().equals(self)) {
      return decline(ask, Reason.NOT_IN_MEMBERSHIP, seen, self + " is not a replica in the membership " + ask.membership());
    }
    if (seen > ask.epoch()) return decline(ask, Reason.HIGHER_EPOCH_SEEN, seen, "epoch " + seen + " is committed");
    if (seen < ask.epoch()) return decline(ask, Reason.EPOCH_UNKNOWN, seen, "highest epoch seen here is " + seen);
    if (!ask.primary().equals(view.primaryOfHighest())) {
      return decline(ask, Reason.NOT_THE_PRIMARY, seen, "epoch " + seen + " names " + view.primaryOfHighest());
    }
    if (view.replacementBegun()) seal(ask.epoch());
    if (ask.epoch() <= sealedThrough) {
      return decline(ask, Reason.REPLACEMENT_BEGUN, seen, "a workflow replacing " + ask.primary() + " has begun");
    }
    if (view.reachesControllerMajority()) return decline(ask, Reason.RELAYING, seen, "a controller majority answers here");
    if (ask.durationNanos() > maxPromiseNanos) {
      return decline(ask, Reason.DURATION_TOO_LONG, seen, "longest promise is " + maxPromiseNanos / 1_000_000 + " ms");
    }
    long until = now + bound(ask.durationNanos());
    if (until > bindsUntil) {
      bindsUntil = until;
      boundBy = "promise to " + ask.primary() + " (epoch " + ask.epoch() + ", round " + ask.round() + ")";
    }
    return new Promised(ask.round(), self, ask.epoch());
  }

  /**
   * This node learned that a workflow replacing the primary of {@code epoch} began (or a higher epoch
   * was committed): it gives no promise for that epoch again.
   */
  public void seal(long epoch) {
    sealedThrough = Math.max(sealedThrough, epoch);
  }

  /** Nanoseconds this node must still stay read-only at {@code now}; 0 when no promise binds it. */
  public long waitBeforeWritable(long now) {
    return Math.max(0, bindsUntil - now);
  }

  /** Why this node must wait, for {@code explain} and the log; empty when nothing binds it. */
  public Optional<String> binding(long now) {
    long wait = waitBeforeWritable(now);
    return wait == 0 ? Optional.empty() : Optional.of(boundBy + " binds " + self + " for " + wait / 1_000_000 + " ms more");
  }

  /**
   * Whether no promise of this node can keep the primary of {@code epoch} writable any more: the
   * epoch is sealed here (so no new promise) and every promise given has run out. The primary's hold
   * needs every other node's promise in one round, so one released node ends it.
   */
  public boolean released(long epoch, long now) {
    return epoch <= sealedThrough && now >= bindsUntil;
  }

  private long bound(long durationNanos) {
    return (long) Math.ceil(durationNanos * (1 + drift));
  }

  private Declined decline(PromiseRequest ask, Reason reason, long seen, String detail) {
    return new Declined(ask.round(), self, reason, seen, detail);
  }
}
