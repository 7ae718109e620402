package dev.deneb.jepsen.report;

import static dev.deneb.jepsen.report.Html.colour;
import static dev.deneb.jepsen.report.Html.escape;
import static dev.deneb.jepsen.report.Html.num;

import dev.deneb.jepsen.history.FaultInterval;
import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Op;
import dev.deneb.jepsen.history.OpPair;
import dev.deneb.jepsen.history.OpType;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The report's two inline SVG charts over the run's time axis: write latency (one mark per write,
 * coloured by epoch; failed and indeterminate writes marked apart) and acknowledged writes per
 * second (bars stacked by epoch). Fault intervals are shaded and labelled on both, so a latency
 * spike or a throughput hole lines up with the fault that caused it.
 */
final class Charts {
  private static final int WIDTH = 960;
  private static final int HEIGHT = 260;
  private static final int LEFT = 60;
  private static final int RIGHT = 20;
  private static final int TOP = 24;
  private static final int BOTTOM = 30;

  private final History history;
  private final long start;
  private final long span;

  Charts(History history) {
    this.history = history;
    this.start = history.startNanos();
    this.span = Math.max(1, history.endNanos() - start);
  }

  private static final int MAX_POINTS = 20_000;

  /** Latency of each write against its invocation time. */
  String latency() {
    List<OpPair> writes = history.clientPairs("write").stream().filter(w -> w.completion() != null).toList();
    double maxMillis = Math.max(1, writes.stream().mapToLong(OpPair::latencyNanos).max().orElse(0) / 1e6);
    StringBuilder svg = open("write latency (ms) over time (s)");
    axes(svg, maxMillis, "ms");
    // At most about MAX_POINTS acknowledged writes are drawn (evenly sampled); every fail and info is.
    int every = Math.max(1, writes.size() / MAX_POINTS);
    int seen = 0;
    for (OpPair w : writes) {
      Op done = w.completion();
      if (done.type() == OpType.OK && seen++ % every != 0) continue;
      double x = x(w.invoke().time());
      double y = y(w.latencyNanos() / 1e6, maxMillis);
      String tip = "<title>" + escape(done.describe() + ", " + w.latencyNanos() / 1_000_000 + " ms") + "</title>";
      if (done.type() == OpType.OK) {
        svg.append("<circle cx='").append(num(x)).append("' cy='").append(num(y)).append("' r='2.5' fill='")
            .append(colour(done.epoch())).append("'>").append(tip).append("</circle>");
      } else {
        String stroke = done.type() == OpType.FAIL ? "#d62728" : "#ff7f0e";
        svg.append("<path d='M").append(num(x - 3)).append(' ').append(num(y - 3)).append(" l6 6 m0 -6 l-6 6' stroke='")
            .append(stroke).append("' class='").append(done.type().json()).append("'>").append(tip).append("</path>");
      }
    }
    return close(svg);
  }

  /** Acknowledged writes per second of the run, stacked by epoch. */
  String throughput() {
    TreeMap<Long, TreeMap<Long, Integer>> perSecond = new TreeMap<>();
    for (OpPair w : history.clientPairs("write")) {
      if (!w.isOk()) continue;
      long second = (w.completion().time() - start) / 1_000_000_000L;
      long epoch = w.completion().epoch() == null ? -1 : w.completion().epoch();
      perSecond.computeIfAbsent(second, s -> new TreeMap<>()).merge(epoch, 1, Integer::sum);
    }
    double max = Math.max(1, perSecond.values().stream()
        .mapToInt(m -> m.values().stream().mapToInt(Integer::intValue).sum()).max().orElse(0));
    StringBuilder svg = open("acknowledged writes per second");
    axes(svg, max, "ops/s");
    double barWidth = Math.max(1, (WIDTH - LEFT - RIGHT) * 1e9 / span - 1);
    for (Map.Entry<Long, TreeMap<Long, Integer>> bucket : perSecond.entrySet()) {
      double x = x(start + bucket.getKey() * 1_000_000_000L);
      double stacked = 0;
      for (Map.Entry<Long, Integer> part : bucket.getValue().entrySet()) {
        double top = y(stacked + part.getValue(), max);
        double bottom = y(stacked, max);
        Long epoch = part.getKey() < 0 ? null : part.getKey();
        svg.append("<rect x='").append(num(x)).append("' y='").append(num(top)).append("' width='")
            .append(num(Math.min(barWidth, WIDTH - RIGHT - x))).append("' height='").append(num(bottom - top))
            .append("' fill='").append(colour(epoch)).append("'><title>second ").append(bucket.getKey())
            .append(", epoch ").append(epoch).append(": ").append(part.getValue()).append(" ok</title></rect>");
        stacked += part.getValue();
      }
    }
    return close(svg);
  }

  private StringBuilder open(String title) {
    StringBuilder svg = new StringBuilder();
    svg.append("<svg xmlns='http://www.w3.org/2000/svg' width='").append(WIDTH).append("' height='").append(HEIGHT)
        .append("' viewBox='0 0 ").append(WIDTH).append(' ').append(HEIGHT).append("' role='img'>")
        .append("<text x='").append(LEFT).append("' y='14' class='title'>").append(escape(title)).append("</text>");
    for (FaultInterval f : history.faults()) {
      double x0 = x(f.startNanos());
      double x1 = x(f.endOr(start + span));
      svg.append("<rect class='fault' x='").append(num(x0)).append("' y='").append(TOP).append("' width='")
          .append(num(Math.max(1, x1 - x0))).append("' height='").append(HEIGHT - TOP - BOTTOM)
          .append("' fill='#d62728' fill-opacity='0.12'><title>").append(escape(f.label())).append("</title></rect>")
          .append("<text x='").append(num(x0 + 3)).append("' y='").append(TOP + 12).append("' class='fault-label'>")
          .append(escape(f.label())).append("</text>");
    }
    return svg;
  }

  private void axes(StringBuilder svg, double max, String unit) {
    int bottom = HEIGHT - BOTTOM;
    svg.append("<line x1='").append(LEFT).append("' y1='").append(bottom).append("' x2='").append(WIDTH - RIGHT)
        .append("' y2='").append(bottom).append("' stroke='#333'/>")
        .append("<line x1='").append(LEFT).append("' y1='").append(TOP).append("' x2='").append(LEFT)
        .append("' y2='").append(bottom).append("' stroke='#333'/>")
        .append("<text x='").append(LEFT - 4).append("' y='").append(TOP + 4).append("' text-anchor='end'>")
        .append(num(max)).append("</text><text x='").append(LEFT - 4).append("' y='").append(bottom)
        .append("' text-anchor='end'>0 ").append(unit).append("</text>");
    for (int i = 0; i <= 10; i++) {
      long t = start + span * i / 10;
      svg.append("<text x='").append(num(x(t))).append("' y='").append(HEIGHT - 12).append("' text-anchor='middle'>")
          .append(num((t - start) / 1e9)).append("</text>");
    }
  }

  private static String close(StringBuilder svg) {
    return svg.append("</svg>").toString();
  }

  private double x(long nanos) {
    return LEFT + (double) (nanos - start) / span * (WIDTH - LEFT - RIGHT);
  }

  private static double y(double value, double max) {
    return HEIGHT - BOTTOM - value / max * (HEIGHT - TOP - BOTTOM);
  }
}
