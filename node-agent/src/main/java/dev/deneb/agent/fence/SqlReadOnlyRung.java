package dev.deneb.agent.fence;

import dev.deneb.fencing.FenceOutcome;
import dev.deneb.fencing.dialect.SqlErrors;
import java.io.Closeable;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rung 1: the SQL fence ({@link dev.deneb.fencing.ReadOnlyFence}: read-only, kill client sessions,
 * read back) within {@code budget} (the agent's {@code fenceLead}).
 *
 * <p>Bound: returns within {@code 1.5 × budget} plus {@value #ABORT_WAIT_MS} ms, whatever the
 * server does. The SQL runs on a worker thread of this rung; when it has not answered by then (a
 * SIGSTOPped server accepts TCP and then says nothing until the socket timeout) its connection is
 * aborted and the rung reports "not verified" so the ladder escalates. Should the call still not
 * return, later attempts report "not verified" at once instead of queueing behind it.
 *
 * <p>A connection the server closed while it was idle (wait_timeout) fails at the first statement;
 * the rung then tries once more on a new connection if at least half the budget is left.
 */
public final class SqlReadOnlyRung implements FenceRung, Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(SqlReadOnlyRung.class);
  static final long ABORT_WAIT_MS = 200;

  /** What the rung needs of the database; a {@code LocalDatabase} of its own in the agent. */
  public interface Target {
    /** Fences within {@code budget}; throws when the server cannot be used. Called on the rung's worker thread only. */
    FenceOutcome fence(Duration budget) throws SQLException;

    /** Called from another thread while {@link #fence} hangs: make it fail now (close its connection). */
    void abort();

    void close();
  }

  private final Target db;
  private final Duration budget;
  private final Duration limit;
  private final LongSupplier nanoTime;
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "deneb-agent-sql-fence");
    t.setDaemon(true);
    return t;
  });
  private Future<FenceOutcome> inFlight;

  /**
   * @param budget the time the SQL fence is given ({@code fenceLead}); {@link dev.deneb.fencing.ReadOnlyFence}
   *     may overrun it by one attempt (a quarter of it) and the final kill-and-verify, so the hard
   *     limit is one and a half times it
   */
  public SqlReadOnlyRung(Target db, Duration budget, LongSupplier nanoTime) {
    if (budget.toMillis() < 1) throw new IllegalArgumentException("the SQL fence budget must be at least 1 ms, got " + budget);
    this.db = db;
    this.budget = budget;
    this.limit = budget.plus(budget.dividedBy(2));
    this.nanoTime = nanoTime;
  }

  @Override
  public String name() {
    return "sql-read-only";
  }

  @Override
  public Verdict attempt(FenceRequest request, List<RungResult> earlier) {
    if (inFlight != null && !inFlight.isDone()) {
      return Verdict.notVerified("the previous SQL fence has not returned even after its connection was aborted "
          + "(server hung?): not tried again");
    }
    long start = nanoTime.getAsLong();
    long deadline = start + limit.toNanos();
    for (int tries = 1; ; tries++) {
      long left = deadline - nanoTime.getAsLong();
      Duration callBudget = Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(budget.toNanos(), left)));
      inFlight = worker.submit(() -> db.fence(callBudget));
      try {
        FenceOutcome o = inFlight.get(Math.max(0, left), TimeUnit.NANOSECONDS);
        return o.fenced() ? Verdict.verified(o.reason()) : Verdict.notVerified(o.reason());
      } catch (TimeoutException e) {
        db.abort();
        try {
          inFlight.get(ABORT_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException ignored) {
          // The call failed (as it should once aborted) or is still stuck: either way, not verified.
        }
        return Verdict.notVerified("the server did not answer within " + limit.toMillis() + " ms (connection aborted)");
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof SQLException s) {
          boolean timeLeft = deadline - nanoTime.getAsLong() > budget.toNanos() / 2;
          if (tries == 1 && timeLeft && SqlErrors.isConnectionFailure(s)) {
            LOG.info("SQL fence failed at once on a connection error ({}): trying once more on a new connection",
                SqlErrors.describe(s));
            continue;
          }
          return Verdict.notVerified((SqlErrors.isConnectionFailure(s) ? "cannot reach the server: " : "SQL error ")
              + SqlErrors.describe(s));
        }
        return Verdict.notVerified("the SQL fence failed: " + cause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        db.abort();
        return Verdict.notVerified("interrupted (the agent is stopping)");
      }
    }
  }

  @Override
  public void close() {
    worker.shutdownNow();
    db.abort();
    db.close();
  }
}
