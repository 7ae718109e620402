package dev.deneb.agent.lease;

import dev.deneb.agent.lease.LeaseAction.Reason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The primary agent's lease, as a pure state machine on the agent's monotonic clock (DESIGN §3.2,
 * §3.9; docs/lease.md). No clock, no I/O: every input carries {@code now} (nanoseconds from
 * {@code System.nanoTime()} in production, a counter in tests), and outputs are {@link LeaseAction}s
 * for the I/O side.
 *
 * <p>Quorum leases: each renewal round (one request id, one send time {@code s}) goes to every
 * controller member; each member grants or refuses it from its own applied state. The lease runs to
 * {@code s + ttl·(1-ρ)} once a majority of the group's members granted that round — no single
 * member, the leader included, is on the path.
 *
 * <p>Safety rule, checked by the tests: the keeper never leaves the database writable at a time
 * {@code t ≥ s + ttl·(1-ρ) - fenceLead}, where {@code s} is the send time of the newest round a
 * majority granted; and it never asks for writes for an epoch below the highest it has seen (S3).
 *
 * <p>Not thread-safe: the agent calls it from one thread.
 */
public final class LeaseKeeper {
  private static final long NEVER = Long.MIN_VALUE;

  private final String node;
  private LeaseSettings settings;
  private long highestEpochSeen;
  /** The epoch whose committed primary is this node, or 0 when it is not primary. */
  private long primaryEpoch;
  /** Monotonic time until which the lease holds; NEVER when no renewal was accepted for primaryEpoch. */
  private long leaseUntil = NEVER;
  private long lastRenewSent = NEVER;
  /** Whether the newest round sent reached a majority (no retry needed). */
  private boolean newestRoundDone;
  /** Whether the newest round was itself a retry: a round is retried once, then the interval rules. */
  private boolean newestIsRetry;
  /**
   * Whether the database may accept writes: set when an unfence is ordered, cleared only when a fence
   * is ordered. Conservative on purpose — after an unfence that failed or is in doubt the server may
   * still be writable (an earlier unfence worked), so the keeper must still fence it at lease end.
   */
  private boolean writable;
  /** An unfence is in doubt while the lease holds: order it again (it is idempotent). */
  private boolean reissueUnfence;
  private long nextRequestId;
  private final Map<Long, Sent> inFlight = new HashMap<>();

  /** Voting members of the controller group; a round needs grants from a majority of them. */
  private int groupSize;

  /** One round: its epoch, its send time, and the distinct members that granted it so far. */
  private record Sent(long epoch, long at, java.util.Set<String> grantedBy) {}

  /**
   * @param groupSize the controller members this agent is configured with; raised (never lowered) by
   *     {@link #updateGroupSize} when a member says the group is larger
   */
  public LeaseKeeper(String node, LeaseSettings settings, long highestEpochSeen, int groupSize) {
    if (groupSize < 1) throw new IllegalArgumentException("groupSize " + groupSize + " must be at least 1");
    this.node = node;
    this.settings = settings;
    this.highestEpochSeen = highestEpochSeen;
    this.groupSize = groupSize;
  }

  /**
   * A member said the group has {@code size} voting members. Only ever raised: a majority of a
   * larger group is never smaller than one of a smaller group, so raising is the safe direction.
   */
  public void updateGroupSize(int size) {
    groupSize = Math.max(groupSize, size);
  }

  public int majority() {
    return groupSize / 2 + 1;
  }

  public long highestEpochSeen() {
    return highestEpochSeen;
  }

  public boolean writable() {
    return writable;
  }

  /** Remaining lease at {@code now}, in nanoseconds; negative or zero when none is held. */
  public long remainingNanos(long now) {
    return leaseUntil == NEVER ? 0 : leaseUntil - now;
  }

  /**
   * After an agent restart: the lease the previous run held, as its local lease row still records it
   * ({@code remainingNanos} on the database's clock, which the row's writer had already bounded by
   * that lease). Resuming it keeps a writable primary writable through a restart within the TTL
   * (DESIGN §3.8) — the next accepted renewal takes over. Refused for an epoch below the highest seen.
   *
   * @return whether the lease was resumed
   */
  public boolean resume(long epoch, long remainingNanos, long now) {
    if (epoch < highestEpochSeen || epoch <= 0) return false;
    long until = now + (long) (remainingNanos * (1 - settings.drift()));
    if (until - settings.fenceLead().toNanos() <= now) return false;
    highestEpochSeen = epoch;
    primaryEpoch = epoch;
    leaseUntil = until;
    writable = true;
    return true;
  }

  /** The cluster's TTL can change with its settings; a shorter TTL applies from the next renewal. */
  public void updateSettings(LeaseSettings next) {
    this.settings = next;
  }

  /**
   * What the controller group has committed: epoch {@code epoch} names {@code primary}. A lower
   * epoch than already seen is ignored (S3). A new epoch that names another node ends this node's
   * claim at once.
   */
  public List<LeaseAction> onCommittedEpoch(long epoch, String primary, long now) {
    // S3: a lower epoch changes nothing — but time has still passed, so the lease is still checked.
    if (epoch < highestEpochSeen) return tick(now);
    if (epoch > highestEpochSeen) {
      highestEpochSeen = epoch;
      inFlight.clear();
      leaseUntil = NEVER;
    }
    long was = primaryEpoch;
    primaryEpoch = node.equals(primary) ? epoch : 0;
    // Named primary of a new epoch (a promotion): ask for the lease now, not at the next interval.
    if (primaryEpoch != 0 && primaryEpoch != was) lastRenewSent = NEVER;
    return tick(now);
  }

  /**
   * One member's answer to a round. Once a majority of distinct members granted the round, the lease
   * runs to {@code sent + ttl·(1-ρ)} (never shortened by an older round completing late). A refusal
   * from a member at the round's epoch (a workflow is replacing this primary) ends the claim now and
   * fences; a refusal from a member that has not applied the round's epoch yet is only no grant.
   *
   * @param member the answering member's id (a round counts each member once)
   * @param epoch the cluster's epoch as that member has applied it
   */
  public List<LeaseAction> onGrant(long requestId, String member, boolean accepted, long epoch, String refusal, long now) {
    Sent sent = inFlight.get(requestId);
    if (sent == null) return tick(now); // an answer to a round from before an epoch change, or long gone
    if (epoch > highestEpochSeen) {
      // The controller knows a newer epoch than this agent: whatever it says, this claim is over.
      highestEpochSeen = epoch;
      primaryEpoch = 0;
      leaseUntil = NEVER;
      return fenceIfWritable(Reason.NOT_PRIMARY, "the controller is at epoch " + epoch, now);
    }
    if (sent.epoch() != primaryEpoch) return tick(now);
    if (!accepted) {
      // That member lags behind the round's epoch (or is catching up after a restart): no grant, no verdict.
      if (epoch < sent.epoch() || refusal.equals("MEMBER_CATCHING_UP")) return tick(now);
      inFlight.clear();
      primaryEpoch = 0;
      leaseUntil = NEVER;
      return fenceIfWritable(Reason.RENEWAL_REFUSED, "renewal for epoch " + sent.epoch() + " refused by " + member + ": "
          + refusal, now);
    }
    sent.grantedBy().add(member);
    if (sent.grantedBy().size() >= majority()) {
      leaseUntil = Math.max(leaseUntil, sent.at() + settings.validNanos());
      if (requestId == nextRequestId) newestRoundDone = true;
    }
    return tick(now);
  }

  /**
   * The I/O side could not carry out {@code action} (the database was unreachable, or a session was
   * killed under it). The keeper forgets that it happened, so the next tick decides it again: an
   * unconfirmed fence is retried for as long as no lease is held, an unconfirmed unfence for as long
   * as one is.
   */
  public void actionFailed(LeaseAction action) {
    // An unfence in doubt keeps `writable` (the server may be writable) and is simply ordered again;
    // a fence in doubt makes the server count as writable, so it is ordered again too.
    if (action instanceof LeaseAction.Unfence) reissueUnfence = true;
    if (action instanceof LeaseAction.Fence) writable = true;
  }

  /** Called every few tens of milliseconds: renew when due, fence or unfence as the lease says. */
  public List<LeaseAction> tick(long now) {
    List<LeaseAction> actions = new ArrayList<>();
    if (primaryEpoch == 0) {
      reissueUnfence = false;
      if (writable) {
        writable = false;
        actions.add(new LeaseAction.Fence(Reason.NOT_PRIMARY, "epoch " + highestEpochSeen + " does not name " + node));
      }
      return actions;
    }
    boolean holds = leaseUntil != NEVER && now < leaseUntil - settings.fenceLead().toNanos();
    Reason renew = null;
    if (lastRenewSent == NEVER || now - lastRenewSent >= settings.renewNanos()) {
      renew = Reason.RENEW_DUE;
    } else if (holds && !newestRoundDone && !newestIsRetry && now - lastRenewSent >= settings.retryNanos()) {
      // The newest round is short of a majority (a slow or lost answer) while the lease can still be
      // saved: ask again now rather than at the next interval — once per interval, so slow members
      // get at most twice the rounds, never a storm that makes them slower. Without a lease, rounds
      // keep the interval, so a controller outage does not multiply the traffic on the members left.
      renew = Reason.RENEW_RETRY;
    }
    if (renew != null) {
      long id = ++nextRequestId;
      inFlight.put(id, new Sent(primaryEpoch, now, new java.util.HashSet<>()));
      lastRenewSent = now;
      newestRoundDone = false;
      newestIsRetry = renew == Reason.RENEW_RETRY;
      actions.add(new LeaseAction.Renew(id, primaryEpoch, renew));
    }
    if (writable && !holds) {
      writable = false;
      reissueUnfence = false;
      actions.add(new LeaseAction.Fence(Reason.LEASE_EXPIRING, leaseUntil == NEVER ? "no lease held"
          : "lease ends in " + Math.max(0, (leaseUntil - now) / 1_000_000) + " ms (fenceLead "
              + settings.fenceLead().toMillis() + " ms)"));
    } else if (!writable && holds) {
      writable = true;
      actions.add(new LeaseAction.Unfence(primaryEpoch, Reason.LEASE_HELD));
    } else if (writable && holds && reissueUnfence) {
      reissueUnfence = false;
      actions.add(new LeaseAction.Unfence(primaryEpoch, Reason.LEASE_HELD));
    }
    // Forget requests whose answer can no longer extend the lease.
    inFlight.values().removeIf(s -> now - s.at() > settings.validNanos());
    return actions;
  }

  private List<LeaseAction> fenceIfWritable(Reason reason, String detail, long now) {
    List<LeaseAction> actions = new ArrayList<>();
    reissueUnfence = false;
    if (writable) {
      writable = false;
      actions.add(new LeaseAction.Fence(reason, detail));
    }
    actions.addAll(tick(now));
    return actions;
  }
}
