package dev.deneb.simulation.lease;

import java.util.PriorityQueue;

/**
 * Virtual real time and the events of one run, all on one thread (STYLE 15): an event runs at its
 * time, in the order it was scheduled among events of the same time, so a seed replays exactly.
 * After every event the {@code afterEach} hook runs (the invariants).
 */
final class EventScheduler {
  private record Event(long at, long seq, String what, Runnable action) {}

  private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
      : Long.compare(a.seq, b.seq));
  private long now;
  private long seq;
  private long executed;
  private String current = "start";
  private boolean stopped;

  /** Real time in nanoseconds since the run began. */
  long now() {
    return now;
  }

  long executed() {
    return executed;
  }

  /** What the running event is (for traces). */
  String current() {
    return current;
  }

  void at(long atNanos, String what, Runnable action) {
    queue.add(new Event(Math.max(atNanos, now), seq++, what, action));
  }

  void after(long delayNanos, String what, Runnable action) {
    at(now + Math.max(0, delayNanos), what, action);
  }

  /** Ends the run after the current event. */
  void stop() {
    stopped = true;
  }

  /** Runs every event up to {@code endNanos} (or until stopped), calling {@code afterEach} after each one. */
  void runUntil(long endNanos, Runnable afterEach) {
    while (!stopped && !queue.isEmpty() && queue.peek().at <= endNanos) {
      Event e = queue.poll();
      now = e.at;
      current = e.what;
      e.action.run();
      executed++;
      afterEach.run();
    }
    if (!stopped) now = endNanos;
  }
}
