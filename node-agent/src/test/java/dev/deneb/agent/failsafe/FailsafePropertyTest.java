package dev.deneb.agent.failsafe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * S1 for failsafe holds: while the primary's hold keeps its database writable, no replica the
 * controllers could promote is released from its promises. {@link FailsafeRun} interleaves rounds,
 * delays, losses, drift within ρ, seals and replica restarts.
 */
class FailsafePropertyTest {

  @Property(tries = 300)
  void aHoldNeverOverlapsAReleasedReplica(@ForAll @LongRange(min = 0, max = 1_000_000) long seed) {
    FailsafeRun run = new FailsafeRun(seed, FailsafeRun.Mutant.NONE);
    Optional<String> violation = run.run();
    assertThat(violation).as("seed " + seed).isEmpty();
  }

  @Test
  void holdsAreReallyTakenInTheseRuns() {
    // The property above is vacuous if no round ever completes: count the ones that extended a hold.
    long complete = 0;
    for (long seed = 0; seed < 50; seed++) {
      FailsafeRun run = new FailsafeRun(seed, FailsafeRun.Mutant.NONE);
      run.run();
      complete += run.fullRounds();
    }
    assertThat(complete).isGreaterThan(100);
  }

  @Test
  void promotingANodeOutsideTheConfirmedMembershipIsCaught() {
    assertThat(firstViolation(FailsafeRun.Mutant.PROMOTES_OUTSIDE_CONFIRMED_MEMBERSHIP)).isPresent();
  }

  @Test
  void promisesWithoutTheDriftMarginAreCaught() {
    assertThat(firstViolation(FailsafeRun.Mutant.PROMISE_WITHOUT_DRIFT_MARGIN)).isPresent();
  }

  private static Optional<String> firstViolation(FailsafeRun.Mutant mutant) {
    for (long seed = 0; seed < 2_000; seed++) {
      Optional<String> v = new FailsafeRun(seed, mutant).run();
      if (v.isPresent()) return Optional.of("seed " + seed + ": " + v.get());
    }
    return Optional.empty();
  }
}
