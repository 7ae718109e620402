package dev.deneb.cli.demo;

import dev.deneb.cli.Table;
import dev.deneb.sandbox.workload.Writer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * What the demo shows. On a terminal: the screen is cleared and redrawn twice a second (cluster,
 * epoch, primary, a table of nodes, the writer's rate and total, the newest events, the keys). Not on
 * a terminal (CI, a pipe): every event is printed once as it happens, plus a status line every
 * {@value #PLAIN_STATUS_SECONDS} s, so the output reads as a log.
 */
final class DemoView implements AutoCloseable {
  private static final long REDRAW_MILLIS = 500;
  private static final int PLAIN_STATUS_SECONDS = 5;
  private static final int EVENT_LINES = 14;
  private static final String CLEAR = "\033[H\033[2J";

  private final PrintWriter out;
  private final boolean terminal;
  private final Supplier<ClusterWatch.Snapshot> snapshot;
  private final Supplier<Writer> writer;
  private final Events events;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile String keys = "";
  private long lastAcks;
  private long lastAt = System.nanoTime();
  private double rate;

  DemoView(PrintWriter out, boolean terminal, Supplier<ClusterWatch.Snapshot> snapshot, Supplier<Writer> writer, Events events) {
    this.out = out;
    this.terminal = terminal;
    this.snapshot = snapshot;
    this.writer = writer;
    this.events = events;
    this.thread = new Thread(this::run, "demo-view");
    this.thread.setDaemon(true);
  }

  /** An {@link Events} sink: plain output prints each line at once; the terminal view draws them itself. */
  static java.util.function.Consumer<String> sink(PrintWriter out, boolean terminal) {
    return line -> {
      if (!terminal) {
        synchronized (out) {
          out.println(line);
          out.flush();
        }
      }
    };
  }

  DemoView start() {
    thread.start();
    return this;
  }

  /** The key help shown at the bottom of the terminal view (empty while the script runs). */
  void keys(String help) {
    keys = help;
  }

  private void run() {
    long ticks = 0;
    while (running) {
      LockSupport.parkNanos(Duration.ofMillis(REDRAW_MILLIS).toNanos());
      if (!running) break;
      updateRate();
      if (terminal) {
        draw();
      } else if (++ticks % (PLAIN_STATUS_SECONDS * 1000 / REDRAW_MILLIS) == 0) {
        events.now("status: " + statusLine(snapshot.get()));
      }
    }
  }

  private void updateRate() {
    Writer w = writer.get();
    if (w == null) return;
    long acks = w.acks().size();
    long now = System.nanoTime();
    rate = (acks - lastAcks) * 1e9 / Math.max(1, now - lastAt);
    lastAcks = acks;
    lastAt = now;
  }

  private String statusLine(ClusterWatch.Snapshot s) {
    StringBuilder b = new StringBuilder("epoch " + s.epoch() + ", primary " + s.primary());
    for (ClusterWatch.Node n : s.nodes()) {
      if (!n.name().equals(s.primary())) b.append(", ").append(n.name()).append(' ').append(n.replication());
    }
    Writer w = writer.get();
    if (w != null) b.append(String.format(", %.0f writes/s, %d acknowledged", rate, lastAcks));
    return b.toString();
  }

  private void draw() {
    ClusterWatch.Snapshot s = snapshot.get();
    StringBuilder b = new StringBuilder(CLEAR);
    b.append("deneb demo — cluster orders (3 controllers, 3 MariaDB in semi-sync, an agent each, a writer)\n\n");
    b.append(String.format("epoch %d   primary %s   controller leader %s   decision %s%n", s.epoch(), s.primary(), s.leader(),
        s.reason().isEmpty() ? "?" : s.reason()));
    if (s.workflowInFlight()) {
      b.append("workflow: ").append(s.workflow().path("kind").asText()).append(" to epoch ")
          .append(s.workflow().path("targetEpoch").asLong()).append(" at ").append(s.workflow().path("step").asText()).append('\n');
    }
    if (s.error() != null) b.append("! ").append(s.error()).append('\n');
    b.append('\n');
    Table t = Table.withHeaders("NODE", "ROLE", "STATE", "MYSQLD", "READ_ONLY", "REPLICATION");
    for (ClusterWatch.Node n : s.nodes()) {
      String state = n.state() + (n.needsCheck() ? " (needs check)" : "");
      t.row(n.name(), n.role(), state, n.mysqld(), n.readOnly(), n.replication());
    }
    b.append(t.render()).append('\n');
    Writer w = writer.get();
    b.append(w == null ? "writer: not started\n"
        : String.format("writer: %.0f writes/s, %d acknowledged, %d failed, %d indeterminate%n", rate, lastAcks, w.failures(), w.indeterminate()));
    b.append("\nevents:\n");
    for (String line : events.last(EVENT_LINES)) b.append("  ").append(line).append('\n');
    if (!keys.isEmpty()) b.append('\n').append(keys).append('\n');
    synchronized (out) {
      out.print(b);
      out.flush();
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
