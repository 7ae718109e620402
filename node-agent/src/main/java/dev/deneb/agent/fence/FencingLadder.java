package dev.deneb.agent.fence;

import dev.deneb.agent.config.AgentConfig;
import dev.deneb.agent.db.LocalDatabase;
import dev.deneb.fencing.FenceOutcome;
import java.io.Closeable;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fencing ladder of DESIGN §3.2 step 4: runs its rungs in order until one verifies the fence.
 * In the agent: {@link SqlReadOnlyRung} (read-only, kill client sessions, verify — within
 * {@code fenceLead}), then {@link KillMysqldRung} when {@code database.pidFile} is configured,
 * then {@link StonithRung} when {@code fencing.stonithCommand} is.
 *
 * <p>Every step is logged with its rung, time and reason. When no rung verifies the fence the
 * outcome says so and the caller retries (the agent's lease keeper asks for the fence again at its
 * next tick); the in-database guard still makes the server read-only once its lease row expires.
 *
 * <p>Not thread-safe: the agent runs it on its fencer thread only.
 */
public final class FencingLadder implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(FencingLadder.class);

  /** While the ladder keeps failing (it is retried every tick), its full log is repeated at most this often. */
  static final Duration REPEAT_LOG_INTERVAL = Duration.ofSeconds(5);

  private final List<FenceRung> rungs;
  private final LongSupplier nanoTime;
  /** Failed runs in a row, and failed runs since the last one logged in full. */
  private long failuresInARow;
  private long quietFailures;
  private long lastLoudNanos;

  /**
   * @param rungs in the order to try them; at least one
   * @param nanoTime a monotonic clock, {@code System::nanoTime} outside tests
   */
  public FencingLadder(List<FenceRung> rungs, LongSupplier nanoTime) {
    if (rungs.isEmpty()) throw new IllegalArgumentException("a fencing ladder needs at least one rung");
    this.rungs = List.copyOf(rungs);
    this.nanoTime = nanoTime;
  }

  /**
   * The agent's ladder. {@code fenceDb} is a connection of the ladder's own (closed with it), so a
   * hung fence never shares a connection with the agent's other SQL.
   */
  public static FencingLadder forAgent(AgentConfig config, LocalDatabase fenceDb) {
    List<FenceRung> rungs = new ArrayList<>();
    rungs.add(new SqlReadOnlyRung(new SqlReadOnlyRung.Target() {
      @Override
      public FenceOutcome fence(Duration budget) throws SQLException {
        return fenceDb.fence(budget);
      }

      @Override
      public void abort() {
        fenceDb.abort();
      }

      @Override
      public void close() {
        fenceDb.close();
      }
    }, config.lease().fenceLead(), System::nanoTime));
    config.database().pidFile().ifPresent(pidFile -> {
      KillMysqldRung kill = new KillMysqldRung(pidFile, config.fencing().killTimeout(), ProcessTable.system(), System::nanoTime);
      LOG.info("fencing ladder: {}", kill.check());
      rungs.add(kill);
    });
    if (!config.fencing().stonithCommand().isEmpty()) {
      rungs.add(new StonithRung(config.fencing().stonithCommand(), config.fencing().stonithTimeout(), System::nanoTime));
    }
    FencingLadder ladder = new FencingLadder(rungs, System::nanoTime);
    LOG.info("fencing ladder for {}/{}: {}", config.cluster(), config.node(), ladder.describe());
    return ladder;
  }

  /** The rungs in order, e.g. {@code sql-read-only -> sigkill-mysqld -> stonith}. */
  public String describe() {
    return rungs.stream().map(FenceRung::name).collect(Collectors.joining(" -> "));
  }

  /** Runs the rungs in order until one verifies the fence; logs every step. Never throws. */
  public LadderOutcome fence(FenceRequest request) {
    long start = nanoTime.getAsLong();
    boolean loud = failuresInARow == 0 || start - lastLoudNanos >= REPEAT_LOG_INTERVAL.toNanos();
    List<RungResult> steps = new ArrayList<>();
    for (int i = 0; i < rungs.size(); i++) {
      FenceRung rung = rungs.get(i);
      long t0 = nanoTime.getAsLong();
      FenceRung.Verdict v;
      try {
        v = rung.attempt(request, List.copyOf(steps));
        if (v == null) v = FenceRung.Verdict.notVerified("the rung gave no answer");
      } catch (RuntimeException e) {
        v = FenceRung.Verdict.notVerified("the rung failed: " + e);
        LOG.error("fence rung {} failed", rung.name(), e);
      }
      String reason = v.reason() == null ? "" : v.reason().strip().replaceAll("\\s*\\R\\s*", " ");
      RungResult r = new RungResult(rung.name(), v.verified(), Duration.ofNanos(nanoTime.getAsLong() - t0), reason);
      steps.add(r);
      String step = "fence step " + (i + 1) + "/" + rungs.size() + " " + r.rung();
      if (r.verified()) {
        LOG.warn("{} on {}: verified in {} ms: {}", step, request.node(), r.elapsed().toMillis(), r.reason());
        break;
      }
      String next = i + 1 < rungs.size() ? "escalating to " + rungs.get(i + 1).name() : "no rung left";
      if (loud) {
        LOG.error("{} on {}: NOT verified in {} ms: {} ({})", step, request.node(), r.elapsed().toMillis(), r.reason(), next);
      } else {
        LOG.debug("{} on {}: NOT verified in {} ms: {} ({})", step, request.node(), r.elapsed().toMillis(), r.reason(), next);
      }
    }
    LadderOutcome outcome = new LadderOutcome(steps.get(steps.size() - 1).verified(),
        Duration.ofNanos(nanoTime.getAsLong() - start), steps);
    if (outcome.confirmed()) {
      failuresInARow = 0;
      quietFailures = 0;
      LOG.warn("fenced {} by {} in {} ms (epoch {}, {})", request.node(), outcome.confirmedBy().orElseThrow().rung(),
          outcome.elapsed().toMillis(), request.epoch(), request.reason());
    } else {
      failuresInARow++;
      if (loud) {
        LOG.error("FENCING NOT CONFIRMED on {} after {} ms by any of {} (epoch {}, {}); retrying, and the in-database "
            + "guard still fires at lease expiry{}", request.node(), outcome.elapsed().toMillis(), describe(), request.epoch(),
            request.reason(), quietFailures == 0 ? "" : " (" + quietFailures + " more failed runs since the last report)");
        lastLoudNanos = start;
        quietFailures = 0;
      } else {
        quietFailures++;
      }
    }
    return outcome;
  }

  /** One line naming why each earlier rung failed, for the next rung's log and the STONITH hook. */
  static String escalationSummary(FenceRequest request, List<RungResult> earlier) {
    if (earlier.isEmpty()) return request.reason();
    return request.reason() + "; not confirmed by " + earlier.stream()
        .map(r -> r.rung() + " (" + r.reason() + ")").collect(Collectors.joining(", "));
  }

  @Override
  public void close() {
    for (FenceRung r : rungs) {
      if (r instanceof Closeable c) {
        try {
          c.close();
        } catch (IOException | RuntimeException e) {
          LOG.debug("closing fence rung {}: {}", r.name(), e.getMessage());
        }
      }
    }
  }
}
