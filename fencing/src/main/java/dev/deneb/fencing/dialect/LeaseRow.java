package dev.deneb.fencing.dialect;

import java.time.Duration;
import java.time.LocalDateTime;

/**
 * The local, non-replicated lease row ({@code deneb.lease}) that the in-database guard event
 * checks (DESIGN §3.2 step 5).
 *
 * @param epoch the epoch of the lease the agent held when it wrote the row
 * @param node the node id that wrote it
 * @param expiresAtUtc the expiry on the database server's clock, UTC
 * @param remaining {@code expiresAtUtc} minus the server's clock when the row was read; zero or
 *     negative once expired
 */
public record LeaseRow(long epoch, String node, LocalDateTime expiresAtUtc, Duration remaining) {

  /** Whether the guard event will treat this row as expired. */
  public boolean expired() {
    return remaining.isNegative() || remaining.isZero();
  }
}
