package dev.deneb.simulation.lease;

/**
 * Whether a run has failsafe (docs/lease.md "Failsafe"), and the test-only mutants of it. With
 * failsafe, every agent runs the real {@code LeaseKeeper} with its hold on and answers promise
 * requests from the real {@code PromiseBook}; a replica connected to a member majority relays the
 * primary's round; reports carry what the book calls released; the leader counts the old primary as
 * fenced by lapse only once the real {@code FailsafeRelease} finds no hold can still run; and the
 * nemesis adds quorum losses and cuts between the primary and its replicas ({@link Faults}).
 * A third agent, {@link LeaseModel#OUTSIDER}, runs beside the cluster's two: its node is not
 * registered (a replica being provisioned), so it is never in a confirmed membership and never asked.
 */
enum FailsafeMode {
  /** No failsafe anywhere: the lease rule alone (every run of the lease model check before failsafe). */
  OFF,
  /** Production failsafe. */
  ON,
  /**
   * Mutant: the primary also asks the outsider, and takes its promise for that of a confirmed node —
   * a promise from outside the confirmed membership. The controllers may then promote a confirmed
   * node that never promised while the hold still runs.
   */
  OUTSIDER_PROMISE_COUNTS,
  /**
   * Mutant: the controllers count a lapse as proof without waiting for a witness to report itself
   * released. Not an S1 violation in the model (10,000 seeds searched, none): every node the hold
   * needed promised, and a promised node honours its promise whatever the controllers order, so the
   * candidate stays read-only until the hold is over. The wait is there for S4 — an SQL fence, or the
   * final position FENCED records, is final only once no hold can make the old primary writable again
   * — which the model does not check (it has no SQL fence and no GTIDs).
   */
  NO_RELEASE_WAIT;

  boolean on() {
    return this != OFF;
  }
}
