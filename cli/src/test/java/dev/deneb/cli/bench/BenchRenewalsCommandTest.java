package dev.deneb.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deneb.cli.CliException;
import dev.deneb.cli.bench.BenchRenewalsCommand.LatencyHistogram;
import dev.deneb.cli.bench.BenchRenewalsCommand.Rounds;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The pure parts of {@code deneb bench renewals}; nothing here starts a controller or asserts a speed. */
class BenchRenewalsCommandTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  /** What a ring told: each member grant and majority, with whether the round was measured. */
  private static final class Recorded implements Rounds.Timings {
    final List<String> events = new ArrayList<>();

    @Override
    public void memberGrant(int member, long nanos, boolean window) {
      events.add("c" + (member + 1) + " " + nanos / MS + " ms" + (window ? "" : " (unmeasured)"));
    }

    @Override
    public void majority(long nanos, boolean window) {
      events.add("majority " + nanos / MS + " ms" + (window ? "" : " (unmeasured)"));
    }
  }

  @Test
  void aRoundIsTimedAtTheSecondDistinctMembersGrant() {
    Rounds rounds = new Rounds(8, 2);
    Recorded t = new Recorded();
    long id = rounds.open(1_000 * MS, true);

    assertThat(rounds.granted(id, 0, 1_002 * MS, t)).isTrue();
    assertThat(rounds.granted(id, 0, 1_003 * MS, t)).as("the same member twice is one grant").isTrue();
    rounds.granted(id, 2, 1_005 * MS, t);
    rounds.granted(id, 1, 1_009 * MS, t);

    assertThat(t.events).containsExactly("c1 2 ms", "c3 5 ms", "majority 5 ms", "c2 9 ms");
    assertThat(rounds.windowRoundsWithoutMajority()).isZero();
  }

  @Test
  void unmeasuredRoundsSaySoAndUnknownRoundsAreRefused() {
    Rounds rounds = new Rounds(8, 2);
    Recorded t = new Recorded();
    long id = rounds.open(0, false);
    rounds.granted(id, 0, MS, t);
    rounds.granted(id, 1, 2 * MS, t);

    assertThat(t.events).containsExactly("c1 1 ms (unmeasured)", "c2 2 ms (unmeasured)", "majority 2 ms (unmeasured)");
    assertThat(rounds.granted(id + 5, 1, 2 * MS, t)).isFalse();
    assertThat(rounds.windowRoundsWithoutMajority()).isZero();
  }

  @Test
  void measuredRoundsWithoutAMajorityAreCountedInTheRingAndWhenPushedOut() {
    Rounds rounds = new Rounds(4, 2);
    Recorded t = new Recorded();
    long first = rounds.open(0, true);
    rounds.granted(first, 1, MS, t); // one member only
    for (int i = 1; i < 4; i++) rounds.open(i * 500 * MS, false);
    assertThat(rounds.windowRoundsWithoutMajority()).isEqualTo(1);

    rounds.open(2_000 * MS, false); // takes the first round's slot

    assertThat(rounds.windowRoundsWithoutMajority()).isEqualTo(1);
    assertThat(rounds.granted(first, 2, 2_001 * MS, t)).isFalse();
    assertThat(t.events).containsExactly("c2 1 ms");
  }

  @Test
  void theRingSpansTheTtlWithRoomToSpare() {
    assertThat(Rounds.sizeFor(3000, 500)).isEqualTo(8);
    assertThat(Rounds.sizeFor(3000, 50)).isEqualTo(64);
    assertThat(Rounds.sizeFor(3000, 3000)).isEqualTo(4);
    for (int interval : new int[] {50, 100, 250, 500, 700, 1000, 3000}) {
      assertThat((long) Rounds.sizeFor(3000, interval) * interval).isGreaterThan(3000 + interval);
    }
  }

  @Test
  void histogramPercentilesAreWithinTwoPercentAndTheMaximumIsExact() {
    LatencyHistogram h = new LatencyHistogram();
    for (int i = 1; i <= 10_000; i++) h.record(i * 1_000L); // 1 us .. 10 ms
    h.record(80 * MS + 123);

    LatencyHistogram.Snapshot s = h.snapshot();
    assertThat(s.count()).isEqualTo(10_001);
    assertThat((double) s.percentile(0.50)).isCloseTo(5_000_000, org.assertj.core.data.Percentage.withPercentage(2));
    assertThat((double) s.percentile(0.99)).isCloseTo(9_900_000, org.assertj.core.data.Percentage.withPercentage(2));
    assertThat(s.percentile(1.0)).isEqualTo(80 * MS + 123);
    assertThat(s.maxNanos()).isEqualTo(80 * MS + 123);
    assertThat(new LatencyHistogram().snapshot().percentile(0.99)).isZero();
  }

  @Test
  void histogramBucketsAreContiguous() {
    for (long v = 0; v < 1_000_000; v++) {
      int i = LatencyHistogram.index(v);
      if (LatencyHistogram.upperBound(i) < v || (i > 0 && LatencyHistogram.upperBound(i - 1) >= v)) {
        throw new AssertionError(v + " us falls into bucket " + i + " which ends at " + LatencyHistogram.upperBound(i));
      }
    }
    assertThat(LatencyHistogram.index(Long.MAX_VALUE)).isLessThan(64 * 64);
  }

  @Test
  void readsPrometheusSamplesByNameAndLabel() {
    String text = """
        # HELP deneb_lease_grants_total Lease renewal rounds this member answered
        # TYPE deneb_lease_grants_total counter
        deneb_lease_grants_total{result="granted",} 1234.0
        deneb_lease_grants_total{result="refused",} 5.0
        deneb_lease_grants_dropped_total 2.0
        deneb_raft_applied_index 40123.0
        deneb_raft_applied_index_other 7.0
        """;

    assertThat(BenchRenewalsCommand.metric(text, "deneb_lease_grants_total", "result=\"granted\"")).isEqualTo(1234.0);
    assertThat(BenchRenewalsCommand.metric(text, "deneb_lease_grants_total", null)).isEqualTo(1239.0);
    assertThat(BenchRenewalsCommand.metric(text, "deneb_raft_applied_index", null)).isEqualTo(40123.0);
    assertThat(BenchRenewalsCommand.metric(text, "deneb_agents_connected", null)).isZero();
    assertThat(BenchRenewalsCommand.metric(null, "deneb_raft_applied_index", null)).isZero();
  }

  @Test
  void optionsHaveFleetDefaultsAndTheOldNameStillParses() {
    BenchRenewalsCommand cmd = new BenchRenewalsCommand();
    new CommandLine(cmd).parseArgs();
    assertThat(cmd.clusters).isEqualTo(1000);
    assertThat(cmd.seconds).isEqualTo(30);
    // The agent's own default (LeaseSettings): the bench measures the fleet as agents run it.
    assertThat(cmd.intervalMs).isEqualTo((int) dev.deneb.agent.lease.LeaseSettings.DEFAULTS.renewInterval().toMillis()).isEqualTo(1000);
    assertThat(cmd.heartbeatMs).isEqualTo(5000); // the agent's reportHeartbeat default (AgentConfigLoader)
    assertThat(cmd.reportIntervalMs).isEqualTo(500);
    cmd.validate();
    assertThat(cmd.warmupMillis()).isGreaterThanOrEqualTo(2L * cmd.heartbeatMs);

    BenchRenewalsCommand old = new BenchRenewalsCommand();
    new CommandLine(old).parseArgs("--primaries", "300");
    assertThat(old.primaries).isEqualTo(300);
    assertThat(new CommandLine(old).getCommandSpec().findOption("--primaries").hidden()).isTrue();
  }

  @Test
  void refusesSizesOutsideTheSupportedRange() {
    for (String[] args : new String[][] {{"--clusters", "0"}, {"--clusters", "30001"}, {"--interval-ms", "10"},
        {"--heartbeat-ms", "100"}, {"--seconds", "1"}, {"--channels-per-member", "-1"},
        {"--channels-per-member", "65"}}) {
      BenchRenewalsCommand cmd = new BenchRenewalsCommand();
      new CommandLine(cmd).parseArgs(args);
      assertThatThrownBy(cmd::validate).as(String.join(" ", args)).isInstanceOf(CliException.class);
    }
    BenchRenewalsCommand max = new BenchRenewalsCommand();
    new CommandLine(max).parseArgs("--clusters", "30000");
    max.validate();
    assertThat(max.channelsPerMember).as("one channel per 500 agents, at most 64").isEqualTo(64);
    BenchRenewalsCommand small = new BenchRenewalsCommand();
    new CommandLine(small).parseArgs("--clusters", "1000");
    small.validate();
    assertThat(small.channelsPerMember).as("6,000 agents / 500, rounded up").isEqualTo(6);
  }
}
