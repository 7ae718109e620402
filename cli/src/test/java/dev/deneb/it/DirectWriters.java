package dev.deneb.it;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.sandbox.HaEnvironment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The split-brain checker (S1): one thread per node writing continuously on that node's direct
 * application connection ({@link HaEnvironment#appEndpoint}), bypassing discovery, so a node that
 * accepts a write it should refuse is caught whatever DNS or the API say. Each accepted write is
 * recorded with its monotonic invocation and completion times; each refused one with its time and
 * error, so a test can tell when a node stopped (or never stopped) accepting writes.
 *
 * <p>Ids are {@code (index+1)·10^12 + n} per node, so the writers never collide with each other or
 * with the discovery-driven {@code Writer} (whose ids start low).
 */
final class DirectWriters implements AutoCloseable {
  /** A write the node acknowledged: invoked at {@code startNanos}, acknowledged at {@code endNanos}. */
  record Accepted(String node, long id, long startNanos, long endNanos) {}

  record Refused(String node, long atNanos, String error) {}

  private final Map<String, List<Accepted>> accepted = new LinkedHashMap<>();
  private final Map<String, List<Refused>> refused = new HashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);

  DirectWriters(HaEnvironment env, List<String> nodes) {
    for (int i = 0; i < nodes.size(); i++) {
      String node = nodes.get(i);
      accepted.put(node, new ArrayList<>());
      refused.put(node, new ArrayList<>());
      DatabaseEndpoint endpoint = env.appEndpoint(node);
      long firstId = (i + 1) * 1_000_000_000_000L;
      Thread t = new Thread(() -> run(node, endpoint, firstId), "direct-writer-" + node);
      t.setDaemon(true);
      threads.add(t);
    }
  }

  DirectWriters start() {
    threads.forEach(Thread::start);
    return this;
  }

  private void run(String node, DatabaseEndpoint endpoint, long firstId) {
    long next = firstId;
    Connection c = null;
    while (running.get()) {
      long start = System.nanoTime();
      try {
        if (c == null) c = endpoint.open();
        try (PreparedStatement s = c.prepareStatement("INSERT INTO app.writes (id, node, epoch) VALUES (?, ?, -1)")) {
          s.setLong(1, next++);
          s.setString(2, node);
          // The interval is stamped before the statement is sent (invocation) and after the server's OK.
          start = System.nanoTime();
          s.executeUpdate();
          long end = System.nanoTime();
          synchronized (this) {
            accepted.get(node).add(new Accepted(node, next - 1, start, end));
          }
        }
      } catch (SQLException | RuntimeException e) {
        synchronized (this) {
          refused.get(node).add(new Refused(node, start, e.getMessage()));
        }
        // A read-only refusal leaves the session usable; anything else (server gone, session killed
        // by a fence) needs a new one.
        boolean connectionLost = !(e instanceof SQLException sql) || sql.getSQLState() == null || sql.getSQLState().startsWith("08");
        if (connectionLost) {
          close(c);
          c = null;
        }
        // Back off between refused attempts (a replica refuses every write): not a wait for a condition.
        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      }
    }
    close(c);
  }

  private static void close(Connection c) {
    if (c == null) return;
    try {
      c.close();
    } catch (SQLException ignored) {
      // Broken already: nothing to release.
    }
  }

  synchronized List<Accepted> accepted(String node) {
    return List.copyOf(accepted.get(node));
  }

  synchronized List<Refused> refused(String node) {
    return List.copyOf(refused.get(node));
  }

  synchronized long acceptedAfter(String node, long nanos) {
    return accepted.get(node).stream().filter(a -> a.startNanos() > nanos).count();
  }

  synchronized List<Refused> refusedAfter(String node, long nanos) {
    return refused.get(node).stream().filter(r -> r.atNanos() > nanos).toList();
  }

  /** The longest time between two accepted writes on {@code node} after {@code since}, in ms. */
  synchronized long longestGapMs(String node, long since) {
    long longest = 0;
    long previous = since;
    for (Accepted a : accepted.get(node)) {
      if (a.endNanos() <= since) continue;
      longest = Math.max(longest, a.endNanos() - previous);
      previous = a.endNanos();
    }
    return longest / 1_000_000;
  }

  synchronized Optional<Accepted> last(String node) {
    List<Accepted> l = accepted.get(node);
    return l.isEmpty() ? Optional.empty() : Optional.of(l.get(l.size() - 1));
  }

  synchronized Optional<Accepted> firstAfter(String node, long nanos) {
    return accepted.get(node).stream().filter(a -> a.startNanos() > nanos).findFirst();
  }

  /**
   * Every pair of accepted writes on two different nodes whose intervals overlap: the observable
   * violation of S1 ("at no real time do two nodes accept client writes"). Empty when S1 held. At
   * most {@code limit} are returned, with the overlapping writes named.
   */
  synchronized List<String> overlaps(int limit) {
    List<Accepted> all = new ArrayList<>();
    accepted.values().forEach(all::addAll);
    all.sort(Comparator.comparingLong(Accepted::startNanos));
    // Sweep by invocation time, remembering the latest-ending write of each node so far: a write
    // overlaps another node's if that node had a write still in flight (end > this start).
    Map<String, Accepted> latestEnd = new HashMap<>();
    List<String> out = new ArrayList<>();
    for (Accepted a : all) {
      for (Accepted other : latestEnd.values()) {
        if (!other.node().equals(a.node()) && other.endNanos() > a.startNanos() && out.size() < limit) {
          out.add(a.node() + " id " + a.id() + " [" + a.startNanos() + ", " + a.endNanos() + "] overlaps " + other.node()
              + " id " + other.id() + " [" + other.startNanos() + ", " + other.endNanos() + "]");
        }
      }
      latestEnd.merge(a.node(), a, (x, y) -> x.endNanos() >= y.endNanos() ? x : y);
    }
    return out;
  }

  @Override
  public void close() {
    running.set(false);
    for (Thread t : threads) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
