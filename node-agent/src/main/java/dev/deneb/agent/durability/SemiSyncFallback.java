package dev.deneb.agent.durability;

import java.time.Duration;

/**
 * Decides when the primary's agent lets commits that wait for a semi-sync acknowledgement return
 * without one, and when it asks for acknowledgements again (docs/durability.md). Pure: time comes in
 * as arguments, the agent's loop thread calls it with each probe and carries out the step.
 *
 * <p>Why the agent and not the server: the server measures its own timeout from a commit's start on
 * its wall clock, so a server frozen past the timeout (a paused host, a VM migration) returns its
 * waiting commits as committed the moment it resumes — after the controllers may have replaced it.
 * The 30-minute semi-sync Jepsen run lost two acknowledged writes that way. The agent gives the
 * server no timeout and releases the waits itself, only while its lease runs, with a deadline the
 * server checks when it executes the release ({@link Step.Release#validForNanos}).
 *
 * <p>Rules, one step per probe:
 * <ul>
 *   <li>Commits are <em>stuck</em> when some wait and no acknowledgement arrived since the first
 *       probe that saw them wait. Stuck for {@code patience} (the cluster's semi-sync timeout) with
 *       more than {@link #MIN_VALIDITY} of lease left: release, valid until the lease's fence point.
 *       Without enough lease: hold; the lease keeper fences.
 *   <li>Stuck for {@link #NUDGE_AFTER} while a semi-sync replica is connected: <em>nudge</em>, once
 *       per wait and before any release — commit one replicated row, whose acknowledgement covers every earlier commit. A
 *       replica that received a commit over an asynchronous connection and then reconnected as a
 *       semi-sync replica asks only for what follows, so that commit's own acknowledgement never
 *       comes (seen in clean-clone CI at bootstrap: the replicas took their role just after the
 *       primary took its first client commit; it waited out the timeout, the primary fell back to
 *       async, and an acknowledged write was lost with the primary's crash).
 *   <li>Released (the primary side off) and a semi-sync replica connected: resume at once — every
 *       commit acknowledged without a replica is one a failover may lose, so the window stays as
 *       short as the replicas allow. Only when a release follows a resume within
 *       {@link #MAX_HOLD_OFF} (a replica connected yet not acknowledging: its link black-holed, or
 *       too far behind) does the next resume wait, {@link #FIRST_HOLD_OFF} and then twice the
 *       previous wait each time, up to {@link #MAX_HOLD_OFF}: such a replica costs one stall per
 *       hold-off, not one per probe.
 * </ul>
 */
public final class SemiSyncFallback {
  /** A release must leave the server this long to execute it; less, and the lease is about to end. */
  public static final Duration MIN_VALIDITY = Duration.ofMillis(100);
  public static final Duration FIRST_HOLD_OFF = Duration.ofSeconds(5);
  public static final Duration MAX_HOLD_OFF = Duration.ofSeconds(60);
  /** How long commits are stuck, with a replica connected, before a nudge; at most a quarter of the patience. */
  public static final Duration NUDGE_AFTER = Duration.ofMillis(200);

  /** What to do after a probe. */
  public sealed interface Step {
    /** Nothing to do. */
    record Hold() implements Step {}

    /**
     * Switch the primary side off, if the server executes it within {@code validForNanos} of the
     * decision (the lease's fence point).
     */
    record Release(long validForNanos, String reason) implements Step {}

    /** Switch the primary side on again. */
    record Resume(String reason) implements Step {}

    /**
     * Commit one replicated row, if the server executes it within {@code validForNanos} (the lease's
     * fence point): its acknowledgement covers the stuck commits before it.
     */
    record Nudge(long validForNanos, String reason) implements Step {}
  }

  private static final Step HOLD = new Step.Hold();

  private boolean waiting;
  private long waitingSince;
  private long acknowledgedAtWaitStart;
  private boolean released;
  private long releasedAt;
  private boolean resumedOnce;
  private long resumedAt;
  private long holdOffNanos;
  /** A nudge was asked for during the current wait. */
  private boolean nudged;

  /**
   * @param now monotonic nanoseconds
   * @param patience how long commits may be stuck before they are released (the cluster's semi-sync
   *     timeout)
   * @param leaseLeftNanos how long this agent may still act as primary (its fence point less now);
   *     zero or less without a lease
   */
  public Step observe(SemiSyncObservation o, long now, Duration patience, long leaseLeftNanos) {
    if (!o.enabled()) {
      waiting = false;
      if (!released) { // switched off by someone else (or before this agent started): on again as after a release
        released = true;
        releasedAt = now;
      }
      if (o.replicas() > 0 && now - releasedAt >= holdOffNanos) {
        released = false;
        resumedOnce = true;
        resumedAt = now;
        return new Step.Resume(o.replicas() + " semi-sync replica(s) connected, " + Duration.ofNanos(now - releasedAt).toMillis()
            + " ms after the release");
      }
      return HOLD;
    }
    released = false;
    if (o.waitingSessions() == 0 || (waiting && o.acknowledged() > acknowledgedAtWaitStart)) {
      // Nothing waits, or acknowledgements arrive: not stuck; a new wait starts counting afresh.
      waiting = o.waitingSessions() > 0;
      waitingSince = now;
      acknowledgedAtWaitStart = o.acknowledged();
      nudged = false;
      return HOLD;
    }
    if (!waiting) {
      waiting = true;
      waitingSince = now;
      acknowledgedAtWaitStart = o.acknowledged();
      nudged = false;
      return HOLD;
    }
    long stuck = now - waitingSince;
    long nudgeAfter = Math.min(NUDGE_AFTER.toNanos(), patience.toNanos() / 4);
    // Nudged before any release, even at the probe that would release: that costs at most one probe
    // of stall, and saves the semi-sync guarantee when the acknowledgement was only lost.
    if (!nudged && o.replicas() > 0 && stuck >= nudgeAfter && leaseLeftNanos >= MIN_VALIDITY.toNanos()) {
      nudged = true;
      return new Step.Nudge(leaseLeftNanos, o.waitingSessions() + " commit(s) waited " + Duration.ofNanos(stuck).toMillis()
          + " ms without an acknowledgement although " + o.replicas() + " semi-sync replica(s) are connected");
    }
    if (stuck < patience.toNanos() || leaseLeftNanos < MIN_VALIDITY.toNanos()) return HOLD;
    holdOffNanos = resumedOnce && now - resumedAt < MAX_HOLD_OFF.toNanos()
        ? Math.min(Math.max(FIRST_HOLD_OFF.toNanos(), holdOffNanos * 2), MAX_HOLD_OFF.toNanos())
        : 0;
    waiting = false;
    released = true;
    releasedAt = now;
    return new Step.Release(leaseLeftNanos, o.waitingSessions() + " commit(s) waited " + Duration.ofNanos(stuck).toMillis()
        + " ms without an acknowledgement (" + o.replicas() + " semi-sync replica(s) connected); the lease runs "
        + Duration.ofNanos(leaseLeftNanos).toMillis() + " ms more; next resume no sooner than "
        + Duration.ofNanos(holdOffNanos).toSeconds() + " s after a replica is back");
  }

  /** This node stopped being a writable semi-sync primary: the next one starts afresh. */
  public void reset() {
    waiting = false;
    nudged = false;
    released = false;
    resumedOnce = false;
    holdOffNanos = 0;
  }
}
