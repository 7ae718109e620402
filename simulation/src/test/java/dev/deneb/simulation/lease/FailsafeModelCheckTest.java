package dev.deneb.simulation.lease;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The lease model check with failsafe (issue "Failsafe", Done when 4): the same runs as
 * {@link LeaseModelCheckTest} — grants, applies, leader changes, pauses, partitions, member restarts,
 * operator failovers, every clock drifting within ρ — with the real hold, promise book and release
 * rule on ({@link FailsafeMode#ON}), and a nemesis that adds quorum losses and isolates the primary
 * from the members and from some of its replicas, some of which lose the members too ({@link Faults}).
 * S1–S3 are checked after every event. Seeds run in order from 1, so the counts below are the same
 * on every machine; a failure prints the violation, the newest trace notes and the replay line.
 *
 * <p>Not vacuous: the runs must, in all, engage holds, give promises, relay rounds that a member
 * majority granted, wait at a lapse for a witness's release, and still fail over after it.
 * {@link #aPromiseFromOutsideTheConfirmedMembershipIsCaught} shows the check can fail.
 */
class FailsafeModelCheckTest {
  static final int SEEDS = 1_000;
  /** The first seed (from 1) at which the outsider mutant violates S1; see the mutant test's note on pins. */
  static final long FIRST_OUTSIDER_COUNTEREXAMPLE = 25;
  static final int MUTANT_BUDGET = 2_000;

  @Test
  void noTwoWritersWithFailsafe() {
    RunStats sum = new RunStats();
    long runsHeld = 0;
    long runsReleasedThenFailedOver = 0;
    long started = System.nanoTime();
    for (long seed = 1; seed <= SEEDS; seed++) {
      LeaseModel.Outcome o = LeaseModel.run(LeaseModel.Config.of(seed, FenceRule.PRODUCTION).withFailsafe(FailsafeMode.ON));
      assertThat(o.violation()).as("%s%nnewest trace notes:%n%s%s", o.reproduce(), o.trace(), o.reproduce()).isNull();
      RunStats s = o.stats();
      if (s.failsafeHolds > 0) runsHeld++;
      if (s.releaseWaits > 0 && s.fencedByLapse > 0) runsReleasedThenFailedOver++;
      add(sum, s);
    }
    System.out.printf("lease model check with failsafe: %d seeds x 60 s, 0 violations; runs with a hold %d; runs that waited"
        + " for a release at a lapse and then fenced by lapse %d; totals: %s; %.1f s%n", SEEDS, runsHeld,
        runsReleasedThenFailedOver, sum, (System.nanoTime() - started) / 1e9);
    assertThat(sum.quorumLosses).as("quorum losses").isPositive();
    assertThat(runsHeld).as("runs in which a hold engaged").isGreaterThanOrEqualTo(SEEDS / 10);
    assertThat(sum.promises).as("promises given").isPositive();
    assertThat(sum.relaysGranted).as("relays a member majority granted").isPositive();
    assertThat(sum.releaseWaits).as("lapses held back for a witness's release").isPositive();
    assertThat(runsReleasedThenFailedOver).as("runs that failed over by lapse after such a wait").isPositive();
    assertThat(sum.promotionsAfterLapse).as("new primaries writable after a lapse").isPositive();
  }

  private static void add(RunStats sum, RunStats s) {
    sum.events += s.events;
    sum.messages += s.messages;
    sum.leaderChanges += s.leaderChanges;
    sum.failoversBegun += s.failoversBegun;
    sum.fencedByLapse += s.fencedByLapse;
    sum.fencedByAck += s.fencedByAck;
    sum.candidatesChosen += s.candidatesChosen;
    sum.promotionsAfterLapse += s.promotionsAfterLapse;
    sum.promotionsOverPausedAgent += s.promotionsOverPausedAgent;
    sum.agentCuts += s.agentCuts;
    sum.agentPauses += s.agentPauses;
    sum.memberPauses += s.memberPauses;
    sum.applyStalls += s.applyStalls;
    sum.memberLinkCuts += s.memberLinkCuts;
    sum.operatorFailovers += s.operatorFailovers;
    sum.memberRestarts += s.memberRestarts;
    sum.catchUps += s.catchUps;
    sum.highestEpoch = Math.max(sum.highestEpoch, s.highestEpoch);
    sum.promiseAsks += s.promiseAsks;
    sum.promises += s.promises;
    sum.relays += s.relays;
    sum.relaysGranted += s.relaysGranted;
    sum.failsafeHolds += s.failsafeHolds;
    sum.quorumLosses += s.quorumLosses;
    sum.replicaCuts += s.replicaCuts;
    sum.releaseWaits += s.releaseWaits;
    sum.minSlackNanos = Math.min(sum.minSlackNanos, s.minSlackNanos);
  }

  /**
   * The mutant: the primary also asks a node outside its confirmed membership and takes that promise
   * for a confirmed node's. The controllers then promote the confirmed node that never promised while
   * the hold still runs: S1 fails, and the seed replays to the same violation.
   */
  @Test
  void aPromiseFromOutsideTheConfirmedMembershipIsCaught() {
    LeaseModel.Outcome found = null;
    long started = System.nanoTime();
    for (long seed = 1; seed <= MUTANT_BUDGET && found == null; seed++) {
      LeaseModel.Outcome o = LeaseModel.run(LeaseModel.Config.of(seed, FenceRule.PRODUCTION)
          .withFailsafe(FailsafeMode.OUTSIDER_PROMISE_COUNTS));
      if (o.violated()) found = o;
    }
    assertThat(found).as("an S1 counterexample for the outsider mutant within %d seeds", MUTANT_BUDGET).isNotNull();
    System.out.printf("%s: counterexample at seed %d (%.1f s): %s%n%s%n%s%n", FailsafeMode.OUTSIDER_PROMISE_COUNTS,
        found.config().seed(), (System.nanoTime() - started) / 1e9, found.violation(), found.trace(), found.reproduce());
    assertThat(found.violation()).startsWith("S1");
    assertThat(found.config().seed()).as("seeds to find the mutant").isEqualTo(FIRST_OUTSIDER_COUNTEREXAMPLE);
    LeaseModel.Outcome again = LeaseModel.run(found.config());
    assertThat(again.violation()).as("the same seed replays to the same violation").isEqualTo(found.violation());
    assertThat(again.trace()).isEqualTo(found.trace());
  }

  /**
   * A longer search on request: {@code -Ddeneb.sim.failsafeSearch=MODE:SEEDS[:FROM]} runs seeds FROM..
   * under that failsafe mode and prints the first violation (ON must have none).
   */
  @Test
  void searchOnRequest() {
    String search = System.getProperty("deneb.sim.failsafeSearch");
    Assumptions.assumeTrue(search != null, "set -Ddeneb.sim.failsafeSearch=MODE:SEEDS[:FROM] to search longer");
    String[] parts = search.split(":");
    FailsafeMode mode = FailsafeMode.valueOf(parts[0]);
    long seeds = parts.length > 1 ? Long.parseLong(parts[1]) : 20_000;
    long from = parts.length > 2 ? Long.parseLong(parts[2]) : 1;
    long started = System.nanoTime();
    RunStats sum = new RunStats();
    LeaseModel.Outcome found = null;
    for (long seed = from; seed < from + seeds && found == null; seed++) {
      LeaseModel.Outcome o = LeaseModel.run(LeaseModel.Config.of(seed, FenceRule.PRODUCTION).withFailsafe(mode));
      add(sum, o.stats());
      if (o.violated()) found = o;
    }
    System.out.printf("failsafe %s, seeds %d..: %s (%.1f s); totals: %s%n", mode, from, found == null ? "no violation in "
        + seeds + " seeds" : "violation at seed " + found.config().seed() + ": " + found.violation() + "\n" + found.trace()
        + "\n" + found.reproduce(), (System.nanoTime() - started) / 1e9, sum);
    if (mode == FailsafeMode.ON) assertThat(found).as("a violation with production failsafe").isNull();
  }
}
