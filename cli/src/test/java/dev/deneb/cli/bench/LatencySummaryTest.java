package dev.deneb.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LatencySummaryTest {

  @Test
  void nearestRankPercentiles() {
    long[] sorted = new long[100];
    for (int i = 0; i < 100; i++) {
      sorted[i] = i + 1;
    }
    assertThat(LatencySummary.percentile(sorted, 0.50)).isEqualTo(50);
    assertThat(LatencySummary.percentile(sorted, 0.99)).isEqualTo(99);
    assertThat(LatencySummary.percentile(new long[] {7}, 0.99)).isEqualTo(7);
    assertThat(LatencySummary.percentile(new long[0], 0.5)).isZero();
  }

  @Test
  void summarizesUnsortedSamplesOverTheWindow() {
    LatencySummary s = LatencySummary.of(new long[] {3_000_000, 1_000_000, 2_000_000, 4_000_000}, 1, Duration.ofSeconds(2));

    assertThat(s.reads()).isEqualTo(4);
    assertThat(s.errors()).isEqualTo(1);
    assertThat(s.readsPerSecond()).isEqualTo(2.0);
    assertThat(s.p50()).isEqualTo(Duration.ofMillis(2));
    assertThat(s.p99()).isEqualTo(Duration.ofMillis(4));
  }
}
