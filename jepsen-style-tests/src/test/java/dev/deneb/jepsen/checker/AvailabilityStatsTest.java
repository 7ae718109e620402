package dev.deneb.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.jepsen.Runs;
import dev.deneb.jepsen.history.Durability;
import java.util.List;
import org.junit.jupiter.api.Test;

class AvailabilityStatsTest {

  @Test
  void measuresShareLatencyAndTheFailoverGap() {
    Verdict verdict = new AvailabilityStats().check(Runs.cleanHistory(), Runs.cleanObservations(Durability.SEMI_SYNC));

    assertThat(verdict.valid()).isTrue();
    assertThat(verdict.stats())
        .containsEntry("writes", 7)
        .containsEntry("ok", 6L)
        .containsEntry("info", 1L)
        .containsEntry("okShare", 6.0 / 7)
        .containsEntry("latencyP50Millis", 10L)
        // last ok before the partition at 2.0 s completed at 1.51 s; first ok of epoch 2 at 3.21 s
        .containsEntry("failoverGaps", List.of("epoch 2: 1700 ms"))
        .containsEntry("gapP50Millis", 1700L)
        .containsEntry("gapP99Millis", 1700L)
        // invoked during the partition (2.0 s to its heal at 5.0 s): v4 (info), v5 and v6 (ok)
        .containsEntry("okShareDuringFault", java.util.Map.of("partition", "0.667 (2 of 3)"));
  }

  @Test
  void nearestRankPercentiles() {
    List<Long> samples = List.of(5L, 1L, 4L, 2L, 3L);

    assertThat(AvailabilityStats.percentile(samples, 50)).isEqualTo(3L);
    assertThat(AvailabilityStats.percentile(samples, 99)).isEqualTo(5L);
    assertThat(AvailabilityStats.percentile(List.of(), 50)).isNull();
  }
}
