package dev.deneb.cli.demo;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * The demo's event log: one line per thing that happened, stamped with the wall-clock time (the
 * controllers run on this machine, so their {@code stepAtMillis} is on the same clock) and, after
 * {@link #mark}, with the milliseconds since the marked fault — the failover's timings.
 */
final class Events {
  private static final int KEPT = 200;
  private static final int MAX_TEXT = 240;
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

  private final Deque<String> lines = new ArrayDeque<>();
  private final Consumer<String> sink;
  private long markMillis = -1;

  /** @param sink receives each line as it is added (plain output prints it; the terminal view ignores it) */
  Events(Consumer<String> sink) {
    this.sink = sink;
  }

  /** Times from now on are also shown relative to {@code atMillis}, the moment a fault was injected. */
  synchronized void mark(long atMillis) {
    markMillis = atMillis;
  }

  synchronized long markMillis() {
    return markMillis;
  }

  void add(long atMillis, String text) {
    String line;
    synchronized (this) {
      String since = markMillis < 0 ? "" : String.format(" %+7d ms", atMillis - markMillis);
      // Details quote exception messages that span lines; an event stays one line of bounded length.
      String flat = text.replaceAll("\\s*\\R\\s*", " ");
      if (flat.length() > MAX_TEXT) flat = flat.substring(0, MAX_TEXT - 3) + "...";
      line = CLOCK.format(Instant.ofEpochMilli(atMillis)) + since + "  " + flat;
      lines.addLast(line);
      while (lines.size() > KEPT) lines.removeFirst();
    }
    sink.accept(line);
  }

  void now(String text) {
    add(System.currentTimeMillis(), text);
  }

  synchronized List<String> last(int n) {
    List<String> all = new ArrayList<>(lines);
    return all.subList(Math.max(0, all.size() - n), all.size());
  }
}
