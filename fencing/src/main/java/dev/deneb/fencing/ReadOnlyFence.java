package dev.deneb.fencing;

import dev.deneb.fencing.dialect.ReadOnlyState;
import dev.deneb.fencing.dialect.SessionInfo;
import dev.deneb.fencing.dialect.SqlDialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL rung of the fencing ladder (DESIGN §3.2 step 4): make the server read-only, kill client
 * sessions, verify — within a time budget ({@code fenceLead}).
 *
 * <p>Why the loop: {@code SET GLOBAL read_only=1} waits behind running writes and
 * {@code LOCK TABLES ... WRITE} holders, potentially for the whole {@code lock_wait_timeout}. So
 * each attempt is bounded ({@link SqlDialect#trySetReadOnly}); when it gives up, the client
 * sessions are killed — which releases their locks and rolls back their transactions — and the
 * attempt is repeated. Once read-only holds, client sessions are killed once more, so that open
 * transactions end now rather than at their next statement, and the switches are read back.
 *
 * <p>Order at the I/O boundary: read-only first, then kill. Killing first would let clients
 * reconnect and write in the gap.
 *
 * <p>An unreachable server is not this rung's to handle: the {@link SQLException} propagates and
 * the ladder escalates (SIGKILL, then STONITH).
 */
public final class ReadOnlyFence {

  private static final Logger log = LoggerFactory.getLogger(ReadOnlyFence.class);

  private final SqlDialect dialect;
  private final Duration attemptWait;
  private final Set<String> exemptUsers;
  private final LongSupplier nanoTime;

  /**
   * @param dialect the server's dialect
   * @param attemptWait how long one read-only attempt may wait for blockers before sessions are
   *     killed; a fraction of the budget (e.g. 100 ms for a 500 ms fenceLead)
   * @param exemptUsers accounts never killed (e.g. the agent's own monitoring account)
   * @param nanoTime a monotonic clock, {@code System::nanoTime} outside tests
   */
  public ReadOnlyFence(
      SqlDialect dialect, Duration attemptWait, Set<String> exemptUsers, LongSupplier nanoTime) {
    this.dialect = Objects.requireNonNull(dialect, "dialect");
    this.attemptWait = Objects.requireNonNull(attemptWait, "attemptWait");
    this.exemptUsers = Set.copyOf(exemptUsers);
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    if (attemptWait.toMillis() < 1) {
      throw new IllegalArgumentException("attemptWait must be at least 1 ms, got " + attemptWait);
    }
  }

  /**
   * Fences the server behind {@code c}. Idempotent: on a server that is already read-only it
   * kills client sessions and verifies.
   *
   * @param budget the time allowed (fenceLead); attempts stop once it is spent, and the outcome
   *     says so. One attempt can overrun the budget by at most its {@code attemptWait}.
   * @throws SQLException when the server is unreachable or refuses (e.g. missing privilege)
   */
  public FenceOutcome fence(Connection c, Duration budget) throws SQLException {
    long start = nanoTime.getAsLong();
    long deadline = start + budget.toNanos();
    List<SessionInfo> killed = new ArrayList<>();
    int attempts = 0;
    boolean readOnly = false;
    while (!readOnly) {
      attempts++;
      readOnly = dialect.trySetReadOnly(c, attemptWait);
      if (readOnly) {
        break;
      }
      List<SessionInfo> round = dialect.killClientSessions(c, exemptUsers);
      killed.addAll(round);
      log.info("read-only attempt {} was blocked for {} ms; killed {} client sessions",
          attempts, attemptWait.toMillis(), round.size());
      if (nanoTime.getAsLong() - deadline >= 0) {
        return outcome(false, start, attempts, killed, c,
            "read-only still blocked after " + attempts + " attempts within the "
                + budget.toMillis() + " ms budget: escalate");
      }
    }
    killed.addAll(dialect.killClientSessions(c, exemptUsers));
    ReadOnlyState state = dialect.readOnlyState(c);
    boolean verified = state.level().atLeast(dialect.fenceLevel());
    String reason = verified
        ? dialect.name() + " is " + state.level() + " after " + attempts + " attempt(s); killed "
            + killed.size() + " client session(s)"
        : "read-only was set but reads back as " + state.level() + " (someone lifted it?): escalate";
    return outcome(verified, start, attempts, killed, state, reason);
  }

  private FenceOutcome outcome(boolean fenced, long start, int attempts, List<SessionInfo> killed,
      Connection c, String reason) throws SQLException {
    return outcome(fenced, start, attempts, killed, dialect.readOnlyState(c), reason);
  }

  private FenceOutcome outcome(boolean fenced, long start, int attempts, List<SessionInfo> killed,
      ReadOnlyState state, String reason) {
    Duration elapsed = Duration.ofNanos(nanoTime.getAsLong() - start);
    FenceOutcome o = new FenceOutcome(fenced, elapsed, attempts, killed, state, reason);
    if (fenced) {
      log.info("fenced in {} ms: {}", elapsed.toMillis(), reason);
    } else {
      log.warn("not fenced after {} ms: {}", elapsed.toMillis(), reason);
    }
    return o;
  }
}
