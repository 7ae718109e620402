package dev.deneb.fencing;

import dev.deneb.fencing.dialect.ReadOnlyState;
import dev.deneb.fencing.dialect.SessionInfo;
import java.time.Duration;
import java.util.List;

/**
 * What one {@link ReadOnlyFence#fence} run did, for the ladder's log line, metrics and the
 * acknowledgement sent to the controller.
 *
 * @param fenced true when the server was verified at its dialect's fence level at the end
 * @param elapsed from the start of the run to the verification
 * @param attempts read-only attempts made
 * @param killed sessions a KILL was sent to, in order
 * @param finalState the read-only switches read back at the end
 * @param reason a sentence a person can act on: how it succeeded, or why it did not
 */
public record FenceOutcome(
    boolean fenced,
    Duration elapsed,
    int attempts,
    List<SessionInfo> killed,
    ReadOnlyState finalState,
    String reason) {

  public FenceOutcome {
    killed = List.copyOf(killed);
  }
}
