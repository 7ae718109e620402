package dev.deneb.controller.failover;

import dev.deneb.fencing.FenceOutcome;
import dev.deneb.fencing.ReadOnlyFence;
import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.fencing.dialect.Dialects;
import dev.deneb.fencing.dialect.SqlDialect;
import dev.deneb.fencing.dialect.SqlErrors;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;

/**
 * The controller's own SQL access to a primary being replaced (DESIGN §3.3): when its agent cannot
 * confirm the fence (the agent is cut off or dead) but its mysqld is still reachable, the leader
 * fences it directly — read-only, client sessions killed, verified — and reads its final executed
 * GTIDs, so the candidate can catch up to them: no loss even in async durability. Bounded in time
 * by the endpoint's timeouts and the fence budget; the caller's thread blocks for that long.
 */
public final class SqlFencer {
  /** What the attempt found: fenced (with the final position) or why not. */
  public record Result(boolean fenced, String finalGtids, String detail) {}

  public record Access(String user, String password, Duration connectTimeout, Duration socketTimeout) {
    @Override
    public String toString() {
      return user + " (connect " + connectTimeout.toMillis() + " ms, socket " + socketTimeout.toMillis() + " ms)";
    }
  }

  private static final Duration BUDGET = Duration.ofSeconds(1);

  private final Access access;

  public SqlFencer(Access access) {
    this.access = access;
  }

  public Result fence(String host, int port) {
    DatabaseEndpoint endpoint = new DatabaseEndpoint(host, port, access.user(), access.password(), access.connectTimeout(),
        access.socketTimeout());
    try (Connection c = endpoint.open()) {
      SqlDialect dialect = Dialects.detect(c);
      FenceOutcome o = new ReadOnlyFence(dialect, Duration.ofMillis(200), Set.of(access.user()), System::nanoTime).fence(c, BUDGET);
      if (!o.fenced()) return new Result(false, "", "SQL fence of " + host + ":" + port + " not confirmed: " + o.reason());
      String gtids = dialect.executedGtids(c).format();
      return new Result(true, gtids, "fenced over SQL by the controller (" + o.reason() + "); final position " + gtids);
    } catch (SQLException e) {
      return new Result(false, "", "no SQL access to " + host + ":" + port + ": " + SqlErrors.describe(e));
    } catch (RuntimeException e) {
      return new Result(false, "", "SQL fence of " + host + ":" + port + " failed: " + e.getMessage());
    }
  }
}
