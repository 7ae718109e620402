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
 * partitions, operator failovers and drift within ρ — with S1 (and S2, S3) checked after every event,
 * under the production fence rule. A failure prints the violation, the newest trace notes and the line
 * that replays the seed as a plain test ({@link LeaseModelReplayTest}).
 *
 * <p>Not vacuous: the coverage checks require, among other things, that at least a fifth of the runs
 * make a new primary writable after a FENCED proved by lease lapse, and that some of those happened
 * while the old primary's agent was paused with its keeper still believing it held the lease — the
 * case where only the lease's end protects the new primary. {@link LeaseModelMutantTest} shows the
 * same check fails when the rule drops one of its waits.
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
      minSlackNanos = Math.min(minSlackNanos, s.minSlackNanos);
    }

    synchronized String line() {
      return String.format("lease model check (PRODUCTION rule): %d seeds x %d s simulated, %d events, %d violations;"
          + " runs with FENCED by lapse %d (%d in all), with a new primary writable after a lapse %d (%d in all, %d over a"
          + " paused old primary), with FENCED by ack %d, with a partition or pause %d; %d leader changes; closest new"
          + " primary after a lapse %s after the old one's last writable instant; %.1f s (%.1f s of CPU)",
          runs, runs == 0 ? 0 : simulatedMillis / runs / 1000, events, violations, runsFencedByLapse, fencedByLapse,
          runsPromotedAfterLapse, promotionsAfterLapse, promotionsOverPausedAgent, runsFencedByAck, runsWithCutOrPause,
          leaderChanges, minSlackNanos == Long.MAX_VALUE ? "n/a" : minSlackNanos / 1_000_000 + " ms",
          (System.nanoTime() - started) / 1e9, (processCpuNanos() - startedCpu) / 1e9);
    }

    private static long processCpuNanos() {
      return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : 0;
    }
  }
}
