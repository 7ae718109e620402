package dev.deneb.agent.durability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.agent.durability.SemiSyncFallback.Step;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SemiSyncFallbackTest {
  private static final Duration PATIENCE = Duration.ofSeconds(1);
  private static final long MS = 1_000_000L;
  private static final long LEASE = 2_000 * MS;

  private final SemiSyncFallback fallback = new SemiSyncFallback();

  private static SemiSyncObservation on(long waiting, long acks, long replicas) {
    return new SemiSyncObservation(true, waiting, acks, replicas);
  }

  private static SemiSyncObservation off(long replicas) {
    return new SemiSyncObservation(false, 0, 0, replicas);
  }

  @Test
  void commitsStuckForThePatienceAreReleasedUntilTheLeasesFencePoint() {
    assertThat(fallback.observe(on(1, 10, 0), 0, PATIENCE, LEASE)).isInstanceOf(Step.Hold.class);
    assertThat(fallback.observe(on(2, 10, 0), 500 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Hold.class);
    Step s = fallback.observe(on(2, 10, 0), 1_000 * MS, PATIENCE, 1_234 * MS);
    assertThat(s).isInstanceOf(Step.Release.class);
    assertThat(((Step.Release) s).validForNanos()).isEqualTo(1_234 * MS);
    assertThat(((Step.Release) s).reason()).contains("2 commit(s) waited 1000 ms");
  }

  @Test
  void commitsStuckWithAReplicaConnectedAreNudgedOnceBeforeAnyRelease() {
    assertThat(fallback.observe(on(1, 10, 2), 0, PATIENCE, LEASE)).isInstanceOf(Step.Hold.class);
    assertThat(fallback.observe(on(1, 10, 2), 100 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Hold.class);
    Step nudge = fallback.observe(on(1, 10, 2), 200 * MS, PATIENCE, 1_500 * MS);
    assertThat(nudge).isInstanceOf(Step.Nudge.class);
    assertThat(((Step.Nudge) nudge).validForNanos()).isEqualTo(1_500 * MS);
    assertThat(((Step.Nudge) nudge).reason()).contains("1 commit(s) waited 200 ms", "2 semi-sync replica(s)");
    // One nudge per wait; still stuck at the patience: released as before.
    assertThat(fallback.observe(on(1, 10, 2), 600 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Hold.class);
    assertThat(fallback.observe(on(1, 10, 2), 1_000 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Release.class);
  }

  @Test
  void aNudgeThatWorkedEndsTheWaitAndTheNextWaitMayBeNudgedAgain() {
    fallback.observe(on(1, 10, 1), 0, PATIENCE, LEASE);
    assertThat(fallback.observe(on(1, 10, 1), 200 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Nudge.class);
    // The nudge's acknowledgement covered the stuck commit.
    assertThat(fallback.observe(on(0, 12, 1), 300 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Hold.class);
    fallback.observe(on(1, 12, 1), 5_000 * MS, PATIENCE, LEASE);
    assertThat(fallback.observe(on(1, 12, 1), 5_200 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Nudge.class);
  }

  @Test
  void aReplicaThatConnectsOnlyAtThePatienceStillGetsItsNudgeBeforeTheRelease() {
    fallback.observe(on(1, 10, 0), 0, PATIENCE, LEASE);
    assertThat(fallback.observe(on(1, 10, 0), 500 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Hold.class);
    assertThat(fallback.observe(on(1, 10, 1), 1_000 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Nudge.class);
    assertThat(fallback.observe(on(1, 10, 1), 1_500 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Release.class);
  }

  @Test
  void noNudgeWithoutAConnectedReplicaOrWithoutLease() {
    fallback.observe(on(1, 10, 0), 0, PATIENCE, LEASE);
    assertThat(fallback.observe(on(1, 10, 0), 500 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Hold.class);
    SemiSyncFallback other = new SemiSyncFallback();
    other.observe(on(1, 10, 1), 0, PATIENCE, LEASE);
    assertThat(other.observe(on(1, 10, 1), 500 * MS, PATIENCE, SemiSyncFallback.MIN_VALIDITY.toNanos() - 1))
        .isInstanceOf(Step.Hold.class);
  }

  @Test
  void aBusyPrimaryWhoseAcknowledgementsFlowIsNeverReleased() {
    // Some commit waits at every probe, but the acknowledged count keeps growing.
    for (int i = 0; i < 100; i++) {
      assertThat(fallback.observe(on(3, 10 + i, 1), i * 500 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Hold.class);
    }
  }

  @Test
  void withoutEnoughLeaseNothingIsReleased() {
    fallback.observe(on(1, 10, 0), 0, PATIENCE, LEASE);
    assertThat(fallback.observe(on(1, 10, 0), 5_000 * MS, PATIENCE, 0)).isInstanceOf(Step.Hold.class);
    assertThat(fallback.observe(on(1, 10, 0), 5_100 * MS, PATIENCE, SemiSyncFallback.MIN_VALIDITY.toNanos() - 1))
        .isInstanceOf(Step.Hold.class);
    // The same stuck wait, once a lease is held again (a renewal arrived): released.
    assertThat(fallback.observe(on(1, 10, 0), 5_200 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Release.class);
  }

  @Test
  void aWaitThatEndsStartsTheCountAfresh() {
    fallback.observe(on(1, 10, 0), 0, PATIENCE, LEASE);
    fallback.observe(on(0, 10, 0), 900 * MS, PATIENCE, LEASE);
    assertThat(fallback.observe(on(1, 11, 0), 1_000 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Hold.class);
    assertThat(fallback.observe(on(1, 11, 0), 1_900 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Hold.class);
    assertThat(fallback.observe(on(1, 11, 0), 2_000 * MS, PATIENCE, LEASE)).isInstanceOf(Step.Release.class);
  }

  @Test
  void resumesAtOnceWithAReplicaThenWaitsLongerEachTimeTheReplicaStillDoesNotAcknowledge() {
    long t = release(0);
    assertThat(fallback.observe(off(0), t + 1, PATIENCE, LEASE)).as("no replica").isInstanceOf(Step.Hold.class);
    assertThat(fallback.observe(off(1), t + 2, PATIENCE, LEASE)).as("first resume: at once").isInstanceOf(Step.Resume.class);

    // The replica is connected but acknowledges nothing: released again, and the next resume waits.
    long first = SemiSyncFallback.FIRST_HOLD_OFF.toNanos();
    long t2 = release(t + 2);
    assertThat(fallback.observe(off(1), t2 + first - 1, PATIENCE, LEASE)).isInstanceOf(Step.Hold.class);
    assertThat(fallback.observe(off(1), t2 + first, PATIENCE, LEASE)).isInstanceOf(Step.Resume.class);
    long t3 = release(t2 + first);
    assertThat(fallback.observe(off(1), t3 + 2 * first - 1, PATIENCE, LEASE)).as("twice as long").isInstanceOf(Step.Hold.class);
    assertThat(fallback.observe(off(1), t3 + 2 * first, PATIENCE, LEASE)).isInstanceOf(Step.Resume.class);

    // Acknowledged for over a minute after that resume: the next release resumes at once again.
    long t4 = t3 + 2 * first + SemiSyncFallback.MAX_HOLD_OFF.toNanos();
    long t5 = release(t4);
    assertThat(fallback.observe(off(1), t5 + 1, PATIENCE, LEASE)).isInstanceOf(Step.Resume.class);
  }

  @Test
  void switchedOffBySomeoneElseIsSwitchedOnOnceAReplicaIsConnected() {
    assertThat(fallback.observe(off(0), 0, PATIENCE, LEASE)).isInstanceOf(Step.Hold.class);
    assertThat(fallback.observe(off(1), 1, PATIENCE, LEASE)).isInstanceOf(Step.Resume.class);
  }

  /** Drives a stuck wait from {@code t} through its nudge (a replica is connected) to its release; returns the release's time. */
  private long release(long t) {
    assertThat(fallback.observe(on(1, 10, 1), t, PATIENCE, LEASE)).isInstanceOf(Step.Hold.class);
    assertThat(fallback.observe(on(1, 10, 1), t + PATIENCE.toNanos() / 2, PATIENCE, LEASE)).isInstanceOf(Step.Nudge.class);
    long at = t + PATIENCE.toNanos();
    assertThat(fallback.observe(on(1, 10, 1), at, PATIENCE, LEASE)).isInstanceOf(Step.Release.class);
    return at;
  }
}
