package dev.deneb.sandbox.workload;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A client that writes unique rows continuously through the primary it discovers, as an application
 * would: one {@code INSERT} at a time into {@code app.writes(id, node, epoch)}, rediscovering the
 * primary after any error. It records every outcome with monotonic times, so a test can tell which
 * writes were acknowledged (and must survive), and how long writes were impossible.
 *
 * <p>An error after the statement was sent is indeterminate: the row may or may not exist. Such
 * writes are neither counted as acknowledged nor as failed.
 */
public final class Writer implements AutoCloseable {
  /** Where to write now, or empty when the primary is unknown; the epoch is what the client believed. */
  public record Target(String node, long epoch, DatabaseEndpoint endpoint) {}

  public record Ack(long id, String node, long epoch, long atNanos) {}

  public static final String CREATE_TABLE =
      "CREATE TABLE IF NOT EXISTS app.writes (id BIGINT PRIMARY KEY, node VARCHAR(64) NOT NULL, epoch BIGINT NOT NULL)";

  private final Supplier<Optional<Target>> locator;
  private final Thread thread;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Ack> acks = new ArrayList<>();
  private long attempts;
  private long failures;
  private long indeterminate;
  private long nextId;

  /**
   * @param firstId ids are {@code firstId, firstId+1, ...}, so several writers never collide
   */
  public Writer(String name, long firstId, Supplier<Optional<Target>> locator) {
    this.locator = locator;
    this.nextId = firstId;
    this.thread = new Thread(this::run, "writer-" + name);
    this.thread.setDaemon(true);
  }

  public Writer start() {
    thread.start();
    return this;
  }

  private void run() {
    Connection c = null;
    Target target = null;
    while (running.get()) {
      try {
        if (c == null) {
          Optional<Target> t = locator.get();
          if (t.isEmpty()) {
            pause();
            continue;
          }
          target = t.get();
          c = target.endpoint().open();
        }
        long id;
        synchronized (this) {
          id = nextId++;
          attempts++;
        }
        boolean sent = false;
        try (PreparedStatement s = c.prepareStatement("INSERT INTO app.writes (id, node, epoch) VALUES (?, ?, ?)")) {
          s.setLong(1, id);
          s.setString(2, target.node());
          s.setLong(3, target.epoch());
          sent = true;
          s.executeUpdate();
          synchronized (this) {
            acks.add(new Ack(id, target.node(), target.epoch(), System.nanoTime()));
          }
        } catch (SQLException e) {
          synchronized (this) {
            boolean connectionLost = e.getSQLState() != null && e.getSQLState().startsWith("08");
            if (sent && connectionLost) indeterminate++; else failures++;
          }
          throw e;
        }
      } catch (SQLException | RuntimeException e) {
        close(c);
        c = null;
        pause();
      }
    }
    close(c);
  }

  private static void pause() {
    // A short back-off between attempts against a primary that is changing; not a wait for a condition.
    java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
  }

  private static void close(Connection c) {
    if (c == null) return;
    try {
      c.close();
    } catch (SQLException ignored) {
      // Broken already.
    }
  }

  public synchronized List<Ack> acks() {
    return List.copyOf(acks);
  }

  public synchronized long attempts() {
    return attempts;
  }

  public synchronized long failures() {
    return failures;
  }

  public synchronized long indeterminate() {
    return indeterminate;
  }

  /** Acknowledged writes after {@code nanos}. */
  public synchronized long acksAfter(long nanos) {
    return acks.stream().filter(a -> a.atNanos() > nanos).count();
  }

  /**
   * The longest time between consecutive acknowledged writes that overlaps [{@code from}, ∞): the
   * client-observed write unavailability around a fault injected at {@code from}.
   */
  public synchronized Duration longestGapAfter(long fromNanos) {
    long longest = 0;
    long previous = Long.MIN_VALUE;
    for (Ack a : acks) {
      if (previous != Long.MIN_VALUE && a.atNanos() > fromNanos) longest = Math.max(longest, a.atNanos() - previous);
      previous = a.atNanos();
    }
    return Duration.ofNanos(longest);
  }

  @Override
  public void close() {
    running.set(false);
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
