package dev.deneb.state.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A smoke test of the benchmark's mix (not of speed): it runs, and it measures accepted work, not refusals. */
class ApplyBenchmarkTest {

  @Test
  void theMixIsAcceptedAndTheReportIsComplete() {
    for (int clusters : new int[] {1, 10}) {
      ApplyBenchmark.Report r = ApplyBenchmark.measure(clusters, Duration.ofMillis(50), Duration.ofMillis(200), 7);
      assertThat(r.commands()).isPositive();
      assertThat(r.refusedCommands()).as("commands of the mix refused").isZero();
      assertThat(r.renewals()).isEqualTo(r.renew().count() * ApplyBenchmark.BATCH);
      assertThat(r.renewalsAccepted()).isGreaterThan(r.renewals() / 2);
      assertThat(r.all().count()).isEqualTo(r.commands());
      assertThat(r.format()).contains("commands/s", "renewals/s", "p50", "p99", "max");
    }
  }
}
