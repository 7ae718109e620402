package dev.deneb.simulation.lease;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * The model check of the quorum lease rule (DESIGN §3.9 rule 5; issue "Done when 5"): one run of
 * {@link LeaseModel} per seed — 60 simulated seconds of grants, applies, leader changes, pauses,
 * partitions, member crashes and restarts, operator failovers and drift within ρ — with S1 (and S2,
 * S3) checked after every event, under the production fence rule and the members' catch-up gate. A
 * failure prints the violation, the newest trace notes and the line that replays the seed as a plain
 * test ({@link LeaseModelReplayTest}).
 *
 * <p>Not vacuous: the coverage checks require, among other things, that at least a fifth of the runs
 * make a new primary writable after a FENCED proved by lease lapse, and that some of those happened
 * while the old primary's agent was paused with its keeper still believing it held the lease — the
 * case where only the lease's end protects the new primary; and that the catch-up gate held back a
 * restarted member that would have granted from an applied state behind one it had applied before its
 * restart, in some runs for a lease that earlier state had closed. {@link LeaseModelMutantTest} shows
 * the same check fails when the rule drops one of its waits, or the members drop the gate.
 */
class LeaseModelCheckTest {
  private static final Totals TOTALS = new Totals();

  @Property(tries = 1000, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void noTwoWritersUnderTheProductionLapseRule(@ForAll long seed) {
    LeaseModel.Outcome o = LeaseModel.run(LeaseModel.Config.of(seed, FenceRule.PRODUCTION));
    TOTALS.add(o);
    assertThat(o.violation()).as("%s%nnewest trace notes:%n%s%s", o.reproduce(), o.trace(), o.reproduce()).isNull();

    RunStats s = o.stats();
    Statistics.label("FENCED by lease lapse").collect(s.fencedByLapse > 0)
        .coverage(c -> c.check(true).percentage(p -> p >= 20));
    Statistics.label("new primary writable after a lapse").collect(s.promotionsAfterLapse > 0)
        .coverage(c -> c.check(true).percentage(p -> p >= 20));
    Statistics.label("... while the old primary's agent was paused, its keeper still writable").collect(s.promotionsOverPausedAgent > 0)
        .coverage(c -> c.check(true).percentage(p -> p >= 20));
    Statistics.label("FENCED by the old primary's acknowledgement").collect(s.fencedByAck > 0)
        .coverage(c -> c.check(true).percentage(p -> p >= 10));
    Statistics.label("failed over back (epoch >= 3)").collect(s.highestEpoch >= 3)
        .coverage(c -> c.check(true).percentage(p -> p >= 10));
    Statistics.label("leader changed").collect(s.leaderChanges > 0)
        .coverage(c -> c.check(true).percentage(p -> p >= 30));
    Statistics.label("agent cut off or paused").collect(s.agentCuts + s.agentPauses > 0)
        .coverage(c -> c.check(true).percentage(p -> p >= 50));
    Statistics.label("member paused or its applier stalled").collect(s.memberPauses + s.applyStalls > 0)
        .coverage(c -> c.check(true).percentage(p -> p >= 50));
    Statistics.label("member restarted").collect(s.memberRestarts > 0)
        .coverage(c -> c.check(true).percentage(p -> p >= 50));
    Statistics.label("restarted member caught up").collect(s.catchUps > 0)
        .coverage(c -> c.check(true).percentage(p -> p >= 50));
    Statistics.label("gate held back a grant from a fallen-back state").collect(s.gateHolds > 0)
        .coverage(c -> c.check(true).percentage(p -> p >= 20));
    Statistics.label("... of a lease the member had closed before its restart").collect(s.gateHoldsReopening > 0)
        .coverage(c -> c.check(true).percentage(p -> p >= 3));
  }

  @AfterContainer
  static void summary() {
    System.out.println(TOTALS.line());
  }

  /** Sums over every try, for the one-line summary. */
  static final class Totals {
    private final long started = System.nanoTime();
    private final long startedCpu = processCpuNanos();
    private long runs;
    private long violations;
    private long events;
    private long simulatedMillis;
    private long runsFencedByLapse;
    private long fencedByLapse;
    private long runsPromotedAfterLapse;
    private long promotionsAfterLapse;
    private long promotionsOverPausedAgent;
    private long runsFencedByAck;
    private long runsWithCutOrPause;
    private long leaderChanges;
    private long runsWithRestarts;
    private long restarts;
    private long catchUps;
    private long catchUpReadsTimedOut;
    private long runsWithGateHolds;
    private long gateHolds;
    private long runsWithReopeningHolds;
    private long reopeningHolds;
    private long minSlackNanos = Long.MAX_VALUE;

    synchronized void add(LeaseModel.Outcome o) {
      RunStats s = o.stats();
      runs++;
      if (o.violated()) violations++;
      events += s.events;
      simulatedMillis += o.config().durationMillis();
      if (s.fencedByLapse > 0) runsFencedByLapse++;
      fencedByLapse += s.fencedByLapse;
      if (s.promotionsAfterLapse > 0) runsPromotedAfterLapse++;
      promotionsAfterLapse += s.promotionsAfterLapse;
      promotionsOverPausedAgent += s.promotionsOverPausedAgent;
      if (s.fencedByAck > 0) runsFencedByAck++;
      if (s.agentCuts + s.agentPauses + s.memberPauses + s.memberLinkCuts > 0) runsWithCutOrPause++;
      leaderChanges += s.leaderChanges;
      if (s.memberRestarts > 0) runsWithRestarts++;
      restarts += s.memberRestarts;
      catchUps += s.catchUps;
      catchUpReadsTimedOut += s.catchUpReadsTimedOut;
      if (s.gateHolds > 0) runsWithGateHolds++;
      gateHolds += s.gateHolds;
      if (s.gateHoldsReopening > 0) runsWithReopeningHolds++;
      reopeningHolds += s.gateHoldsReopening;
      minSlackNanos = Math.min(minSlackNanos, s.minSlackNanos);
    }

    synchronized String line() {
      return String.format("lease model check (PRODUCTION rule): %d seeds x %d s simulated, %d events, %d violations;"
          + " runs with FENCED by lapse %d (%d in all), with a new primary writable after a lapse %d (%d in all, %d over a"
          + " paused old primary), with FENCED by ack %d, with a partition or pause %d; %d leader changes; runs with a"
          + " member restart %d (%d restarts, %d caught up, %d catch-up reads timed out); runs where the gate held back a"
          + " restarted member's grant from a fallen-back state %d (%d rounds), of a lease it had closed before its restart"
          + " %d (%d rounds); closest new primary after a lapse %s after the old one's last writable instant; %.1f s (%.1f s of CPU)",
          runs, runs == 0 ? 0 : simulatedMillis / runs / 1000, events, violations, runsFencedByLapse, fencedByLapse,
          runsPromotedAfterLapse, promotionsAfterLapse, promotionsOverPausedAgent, runsFencedByAck, runsWithCutOrPause,
          leaderChanges, runsWithRestarts, restarts, catchUps, catchUpReadsTimedOut, runsWithGateHolds, gateHolds,
          runsWithReopeningHolds, reopeningHolds, minSlackNanos == Long.MAX_VALUE ? "n/a" : minSlackNanos / 1_000_000 + " ms",
          (System.nanoTime() - started) / 1e9, (processCpuNanos() - startedCpu) / 1e9);
    }

    private static long processCpuNanos() {
      return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : 0;
    }
  }
}
