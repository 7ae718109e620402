package dev.deneb.agent.lease;

import dev.deneb.agent.failsafe.FailsafeHold;
import dev.deneb.agent.failsafe.PromiseAnswer;
import dev.deneb.agent.lease.LeaseAction.Reason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * <p>Failsafe (docs/lease.md "Failsafe"): when rounds stop reaching a majority and the fence point
 * nears, the keeper asks every other node of the membership its last majority round confirmed for a
 * promise ({@link FailsafeHold}); a round every one of them promised holds the database writable on
 * the same terms as a lease round. A node that promised others is bound: {@link #bindWritableUntil}
 * keeps it from becoming writable (a promotion waits) until its promises ran out.
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

  private final FailsafeHold failsafe;
  /** The cluster's failsafe setting, as the newest notice said; off until one says otherwise. */
  private boolean failsafeEnabled;
  private long lastAskSent = NEVER;
  /** Whether the database is writable by the failsafe hold alone (for FailsafeChanged). */
  private boolean failsafeActive;
  /** This node promised another not to become writable before this time (its own clock). */
  private long notWritableBefore = NEVER;

  /**
   * One round: its epoch, its send time, the distinct members that granted it so far, and the union
   * of the cluster memberships their grants named.
   */
  private record Sent(long epoch, long at, Set<String> grantedBy, Set<String> membership) {}

  /**
   * @param groupSize the controller members this agent is configured with; raised (never lowered) by
   *     {@link #updateGroupSize} when a member says the group is larger
   */
  public LeaseKeeper(String node, LeaseSettings settings, long highestEpochSeen, int groupSize) {
    this("", node, settings, highestEpochSeen, groupSize);
  }

  /** @param cluster the cluster this node belongs to, named in failsafe promise requests */
  public LeaseKeeper(String cluster, String node, LeaseSettings settings, long highestEpochSeen, int groupSize) {
    if (groupSize < 1) throw new IllegalArgumentException("groupSize " + groupSize + " must be at least 1");
    this.node = node;
    this.settings = settings;
    this.highestEpochSeen = highestEpochSeen;
    this.groupSize = groupSize;
    this.failsafe = new FailsafeHold(cluster, node, settings);
  }

  /** The cluster's failsafe setting changed (or was first learnt): asks and holds only while it is on. */
  public void setFailsafe(boolean enabled) {
    failsafeEnabled = enabled;
  }

  public boolean failsafeEnabled() {
    return failsafeEnabled;
  }

  /**
   * This node promised another node not to become writable before {@code until} (its monotonic
   * clock): an unfence waits until then, whatever the lease says. Only ever extended.
   */
  public void bindWritableUntil(long until) {
    if (notWritableBefore == NEVER || until - notWritableBefore > 0) notWritableBefore = until;
  }

  /** Nanoseconds an unfence must still wait for this node's own promises at {@code now}; 0 when none. */
  public long promiseWaitNanos(long now) {
    return notWritableBefore == NEVER ? 0 : Math.max(0, notWritableBefore - now);
  }

  /** Whether the database is writable by the failsafe hold alone at the last tick. */
  public boolean failsafeActive() {
    return failsafeActive;
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

  /**
   * How long the database may stay writable from {@code now}, in nanoseconds (before fenceLead):
   * the lease, or a failsafe hold that runs longer; negative or zero when neither is held. The lease
   * row the database's guard reads is written from this, so a hold keeps the guard quiet too.
   */
  public long remainingNanos(long now) {
    long until = leaseUntil;
    if (failsafeEnabled && primaryEpoch != 0 && failsafe.epoch() == primaryEpoch && failsafe.holdUntil() != NEVER) {
      until = until == NEVER ? failsafe.holdUntil() : Math.max(until, failsafe.holdUntil());
    }
    return until == NEVER ? 0 : until - now;
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
    failsafe.updateSettings(next);
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
   * A controller member connected (or reconnected). A round sent while it was not connected never
   * reached it, so while the newest round is short of a majority it is asked again now rather than
   * at the next retry or interval. This is what keeps a restart within the TTL invisible (DESIGN
   * §3.8): the resumed lease lasts only what the row has left, the first round goes out before any
   * stream is set up, and waiting a retry pause for the next one let the row run out (measured: the
   * row had 1.4 s left at the resume, the streams came up 0.5 s later, the retry 1.4 s later).
   */
  public List<LeaseAction> onMemberConnected(long now) {
    if (primaryEpoch != 0 && !newestRoundDone) lastRenewSent = NEVER;
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
    return onGrant(requestId, member, accepted, epoch, refusal, Set.of(), now);
  }

  /**
   * As {@link #onGrant(long, String, boolean, long, String, long)}, with the cluster's nodes as the
   * granting member applied them: a majority-granted round of the current epoch confirms their union
   * as the membership whose promises a failsafe hold needs.
   */
  public List<LeaseAction> onGrant(long requestId, String member, boolean accepted, long epoch, String refusal,
      Set<String> membership, long now) {
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
    sent.membership().addAll(membership);
    if (sent.grantedBy().size() >= majority()) {
      leaseUntil = Math.max(leaseUntil, sent.at() + settings.validNanos());
      if (requestId == nextRequestId) newestRoundDone = true;
      // Confirmed by a majority: a later hold needs promises from every other node named here.
      if (!sent.membership().isEmpty()) failsafe.confirm(sent.epoch(), sent.membership());
    }
    return tick(now);
  }

  /**
   * Another node's answer to a promise round. A decline that shows a higher epoch ends this node's
   * claim at once; one that shows a replacement begun ends the hold (renewals are refused from then
   * on too, so the lease ends with it).
   */
  public List<LeaseAction> onPromiseAnswer(PromiseAnswer answer, long now) {
    if (failsafe.onAnswer(answer) && answer instanceof PromiseAnswer.Declined d && d.epochSeen() > highestEpochSeen) {
      highestEpochSeen = d.epochSeen();
      primaryEpoch = 0;
      leaseUntil = NEVER;
      inFlight.clear();
      return fenceIfWritable(Reason.NOT_PRIMARY, d.node() + " has seen epoch " + d.epochSeen(), now);
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
      if (failsafeActive) {
        failsafeActive = false;
        actions.add(new LeaseAction.FailsafeChanged(false, Reason.FAILSAFE_ENDED, "epoch " + highestEpochSeen
            + " does not name " + node));
      }
      if (writable) {
        writable = false;
        actions.add(new LeaseAction.Fence(Reason.NOT_PRIMARY, "epoch " + highestEpochSeen + " does not name " + node));
      }
      return actions;
    }
    boolean leaseHolds = leaseUntil != NEVER && now < leaseUntil - settings.fenceLead().toNanos();
    boolean failsafeHolds = failsafeEnabled && failsafe.epoch() == primaryEpoch && failsafe.holds(now);
    boolean holds = leaseHolds || failsafeHolds;
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
      inFlight.put(id, new Sent(primaryEpoch, now, new HashSet<>(), new HashSet<>()));
      lastRenewSent = now;
      newestRoundDone = false;
      newestIsRetry = renew == Reason.RENEW_RETRY;
      actions.add(new LeaseAction.Renew(id, primaryEpoch, renew));
    }
    askPromisesIfDue(actions, now);
    noteFailsafe(actions, leaseHolds, failsafeHolds);
    boolean bound = promiseWaitNanos(now) > 0;
    if (writable && !holds) {
      writable = false;
      reissueUnfence = false;
      actions.add(new LeaseAction.Fence(Reason.LEASE_EXPIRING, leaseUntil == NEVER ? "no lease held"
          : "lease ends in " + Math.max(0, (leaseUntil - now) / 1_000_000) + " ms (fenceLead "
              + settings.fenceLead().toMillis() + " ms)"));
    } else if (!writable && holds && !bound) {
      // A node that promised another node not to become writable keeps that promise first.
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

  /**
   * Failsafe: while the newest round is short of a majority and the fence point is within a renew
   * interval and a retry, ask the confirmed other nodes for promises (carrying the newest round, for
   * a node that reaches the controllers to relay), at most every retry pause. Asking only near the
   * fence point keeps a single slow round from binding the replicas; asking from the start of that
   * window, whatever the newest round's age, leaves four or five asks to get one complete answer
   * before the fence point on a slow host, where each answer can take a few hundred milliseconds.
   */
  private void askPromisesIfDue(List<LeaseAction> actions, long now) {
    if (!failsafeEnabled || failsafe.epoch() != primaryEpoch || lastRenewSent == NEVER || newestRoundDone) return;
    long fencePoint = Math.max(leaseUntil == NEVER ? now : leaseUntil, failsafe.holdUntil() == Long.MIN_VALUE ? now
        : failsafe.holdUntil()) - settings.fenceLead().toNanos();
    if (fencePoint - now > settings.renewNanos() + settings.retryNanos()) return;
    if (lastAskSent != NEVER && now - lastAskSent < settings.retryNanos()) return;
    // The newest round rides along, for a node that reaches a controller majority to relay.
    Sent newest = inFlight.get(nextRequestId);
    long relayable = newest != null && newest.epoch() == primaryEpoch ? nextRequestId : 0;
    failsafe.ask(now).ifPresent(request -> {
      lastAskSent = now;
      actions.add(new LeaseAction.AskPromises(request, relayable, Reason.FAILSAFE_ASK));
    });
  }

  /** Says when the failsafe hold alone starts or stops keeping the database writable. */
  private void noteFailsafe(List<LeaseAction> actions, boolean leaseHolds, boolean failsafeHolds) {
    boolean active = failsafeHolds && !leaseHolds;
    if (active == failsafeActive) return;
    failsafeActive = active;
    actions.add(active
        ? new LeaseAction.FailsafeChanged(true, Reason.FAILSAFE_HOLD, "no controller majority renews the lease; every other"
            + " node of " + failsafe.confirmedOthers() + " promised not to become writable above epoch " + primaryEpoch)
        : new LeaseAction.FailsafeChanged(false, Reason.FAILSAFE_ENDED, failsafeHolds
            ? "a controller majority renews the lease again" : "a promise is missing or was declined"));
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
