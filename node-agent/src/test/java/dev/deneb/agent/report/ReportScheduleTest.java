package dev.deneb.agent.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.protocol.HealthReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportScheduleTest {
  static final long MS = 1_000_000;
  final ReportSchedule schedule = new ReportSchedule(Duration.ofMillis(500), Duration.ofMillis(2000));
  final HealthReport healthy = HealthReport.newBuilder().setMysqldUp(true).setReadOnly(true).setSource("db1:3306")
      .setIoRunning(true).setSqlRunning(true).setLagSeconds(0).setExecutedGtids("0-1-5").build();

  @Test
  void aSteadyHealthyNodeReportsAtTheHeartbeatAndNeverBreaksItsPromise() {
    List<Long> sentAt = new ArrayList<>();
    long promiseEnd = Long.MAX_VALUE;
    for (long t = 0; t <= 20_000 * MS; t += 500 * MS) {
      // GTIDs move with every write; that alone sends nothing.
      var sent = schedule.decide(healthy.toBuilder().setExecutedGtids("0-1-" + t).build(), t);
      if (sent.isPresent()) {
        assertThat(t).as("sent before the previous promise ran out").isLessThanOrEqualTo(promiseEnd);
        promiseEnd = t + sent.get().getNextWithinMillis() * MS;
        sentAt.add(t);
      }
    }
    // 0 and 500 ms (the first report promises the interval), then one every 1.5-2 s.
    assertThat(sentAt.size()).isBetween(11, 15);
  }

  @Test
  void aChangeOrTroubleGoesOutAtOnceAndAtFullRate() {
    schedule.decide(healthy, 0);
    schedule.decide(healthy, 500 * MS);
    assertThat(schedule.decide(healthy, 1000 * MS)).isEmpty();
    HealthReport down = healthy.toBuilder().setMysqldUp(false).setError("connection refused").build();
    assertThat(schedule.decide(down, 1500 * MS)).hasValueSatisfying(r -> assertThat(r.getNextWithinMillis()).isEqualTo(500));
    assertThat(schedule.decide(down, 2000 * MS)).isPresent();
    assertThat(schedule.decide(down, 2500 * MS)).isPresent();
  }

  @Test
  void aRequestSendsTheNextProbeAndKeepsFullRateForAWhile() {
    schedule.decide(healthy, 0);
    schedule.decide(healthy, 500 * MS);
    schedule.requested(600 * MS);
    assertThat(schedule.decide(healthy, 1000 * MS)).isPresent();
    assertThat(schedule.decide(healthy, 1500 * MS)).isPresent();
    // Past the fast window the steady heartbeat is back.
    assertThat(schedule.decide(healthy, 31_000 * MS)).hasValueSatisfying(r -> assertThat(r.getNextWithinMillis()).isEqualTo(2000));
    assertThat(schedule.decide(healthy, 31_500 * MS)).isEmpty();
  }
}
