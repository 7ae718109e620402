package dev.deneb.agent.fence;

import java.util.List;

/**
 * One rung of the {@link FencingLadder}.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #attempt} returns within a bound the rung documents (its own timeout), whatever the
 *       database, the process table or a hook does — a rung that hangs would stop the escalation;
 *   <li>it says {@linkplain Verdict#verified() verified} only after checking that the database can
 *       no longer accept writes (read back read-only, the process gone, the hook exited 0), never
 *       because it merely sent something;
 *   <li>expected failures (unreachable server, no such process, hook failed) are verdicts with a
 *       reason, not exceptions; a {@link RuntimeException} is treated by the ladder as "not
 *       verified";
 *   <li>it does not sleep to wait for something: waiting for a process to die polls with a
 *       deadline.
 * </ul>
 * Rungs are called by one thread at a time (the agent's fencer thread).
 */
public interface FenceRung {

  /** A short, stable name for logs and metrics: {@code sql-read-only}, {@code sigkill-mysqld}, {@code stonith}. */
  String name();

  /**
   * Tries to fence.
   *
   * @param request why the agent fences
   * @param earlier what the rungs before this one did in this run (none of them verified)
   */
  Verdict attempt(FenceRequest request, List<RungResult> earlier);

  /** A rung's answer; the ladder adds the name and the time taken. */
  record Verdict(boolean verified, String reason) {
    public static Verdict verified(String reason) {
      return new Verdict(true, reason);
    }

    public static Verdict notVerified(String reason) {
      return new Verdict(false, reason);
    }
  }
}
