package dev.deneb.agent.fence;

import java.time.Duration;

/**
 * What one rung of the ladder did.
 *
 * @param rung the rung's {@link FenceRung#name() name}
 * @param verified true when the rung confirmed that the database can no longer accept writes
 * @param elapsed how long the rung took, measured by the ladder
 * @param reason a sentence a person can act on: how it was confirmed, or why it was not
 */
public record RungResult(String rung, boolean verified, Duration elapsed, String reason) {
  @Override
  public String toString() {
    return rung + " " + (verified ? "verified" : "NOT verified") + " in " + elapsed.toMillis() + " ms: " + reason;
  }
}
