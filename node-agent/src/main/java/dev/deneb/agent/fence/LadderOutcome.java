package dev.deneb.agent.fence;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What one run of the {@link FencingLadder} did.
 *
 * @param confirmed true when some rung verified the fence
 * @param elapsed from the start of the first rung to the end of the last one run
 * @param steps the rungs run, in order; the last one is the verified one when {@code confirmed}
 */
public record LadderOutcome(boolean confirmed, Duration elapsed, List<RungResult> steps) {
  public LadderOutcome {
    steps = List.copyOf(steps);
  }

  /** The rung that verified the fence, if any. */
  public Optional<RungResult> confirmedBy() {
    return confirmed ? Optional.of(steps.get(steps.size() - 1)) : Optional.empty();
  }
}
