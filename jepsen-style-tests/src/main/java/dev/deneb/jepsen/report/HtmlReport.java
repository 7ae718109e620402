package dev.deneb.jepsen.report;

import static dev.deneb.jepsen.report.Html.colour;
import static dev.deneb.jepsen.report.Html.escape;

import dev.deneb.jepsen.checker.FailoverGap;
import dev.deneb.jepsen.checker.Verdict;
import dev.deneb.jepsen.history.EpochChange;
import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;
import dev.deneb.jepsen.history.Op;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One self-contained HTML page per run: the checker verdicts, the failover table and the latency
 * and throughput charts. Inline CSS and SVG only — no scripts, no external resources — so the file
 * can be attached to a CI run or a bug report and opened anywhere. Times are seconds since the
 * history's first op.
 */
public final class HtmlReport {
  /** Violations listed per verdict; the rest are counted, the JSON history has them all. */
  private static final int MAX_LISTED = 25;

  private static final String STYLE = "body{font-family:sans-serif;margin:1.5em;color:#222}"
      + "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;"
      + "text-align:left;vertical-align:top;font-size:13px}th{background:#f3f3f3}.pass{color:#2ca02c;font-weight:bold}"
      + ".fail{color:#d62728;font-weight:bold}svg{display:block;margin:0.5em 0 1.5em;font-size:11px}"
      + "svg .title{font-weight:bold;font-size:13px}.fault-label{fill:#a01010}.swatch{display:inline-block;width:12px;"
      + "height:12px;margin:0 4px 0 12px;vertical-align:middle}";

  private HtmlReport() {}

  /** Writes the page for a run to {@code file}, replacing it. */
  public static void write(Path file, History history, Observations observations, List<Verdict> verdicts)
      throws IOException {
    Files.writeString(file, render(history, observations, verdicts), StandardCharsets.UTF_8);
  }

  /** The page as a string. */
  public static String render(History history, Observations observations, List<Verdict> verdicts) {
    boolean allValid = verdicts.stream().allMatch(Verdict::valid);
    Charts charts = new Charts(history);
    return "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Deneb Jepsen-style run</title><style>"
        + STYLE + "</style></head><body><h1>Deneb Jepsen-style run: "
        + (allValid ? "<span class='pass'>valid</span>" : "<span class='fail'>INVALID</span>") + "</h1>"
        + "<p>" + history.ops().size() + " ops over " + Op.seconds(history.endNanos() - history.startNanos())
        + ", durability " + observations.durability() + ", final primary "
        + escape(observations.finalState().primaryNode()) + " in epoch " + observations.finalState().epoch() + "</p>"
        + "<h2>Verdicts</h2>" + verdictTable(verdicts)
        + "<h2>Failovers</h2>" + failoverTable(history, observations)
        + "<h2>Writes</h2>" + legend(observations) + charts.latency() + charts.throughput()
        + "</body></html>\n";
  }

  private static String verdictTable(List<Verdict> verdicts) {
    StringBuilder t = new StringBuilder("<table class='verdicts'><tr><th>property</th><th>verdict</th>"
        + "<th>violations</th><th>figures</th></tr>");
    for (Verdict v : verdicts) {
      t.append("<tr><td>").append(escape(v.property())).append("</td><td class='")
          .append(v.valid() ? "pass'>PASS" : "fail'>FAIL").append("</td><td>");
      if (!v.violations().isEmpty()) {
        t.append("<ul>");
        v.violations().stream().limit(MAX_LISTED).forEach(s -> t.append("<li>").append(escape(s)).append("</li>"));
        if (v.violations().size() > MAX_LISTED) {
          t.append("<li>… and ").append(v.violations().size() - MAX_LISTED).append(" more</li>");
        }
        t.append("</ul>");
      }
      t.append("</td><td>").append(v.stats().entrySet().stream()
          .map(e -> escape(e.getKey()) + " = " + escape(e.getValue())).collect(Collectors.joining("<br>")))
          .append("</td></tr>");
    }
    return t.append("</table>").toString();
  }

  private static String failoverTable(History history, Observations observations) {
    Map<Long, FailoverGap> gaps = FailoverGap.of(history, observations).stream()
        .collect(Collectors.toMap(g -> g.change().epoch(), g -> g));
    StringBuilder t = new StringBuilder("<table class='failovers'><tr><th>epoch</th><th>when (s)</th><th>from</th>"
        + "<th>to</th><th>reason</th><th>after fault</th><th>lost GTIDs</th><th>client write gap (ms)</th></tr>");
    for (EpochChange c : observations.epochChanges()) {
      FailoverGap gap = gaps.get(c.epoch());
      t.append("<tr><td>").append(c.epoch()).append("</td><td>")
          .append(Op.seconds(c.atNanos() - history.startNanos())).append("</td><td>")
          .append(gap == null ? "—" : escape(gap.fromPrimary())).append("</td><td>").append(escape(c.primary()))
          .append("</td><td>").append(escape(c.reason())).append("</td><td>")
          .append(gap == null || gap.cause() == null ? "—" : escape(gap.cause().label())).append("</td><td>")
          .append(c.lostGtids().isEmpty() ? "—" : escape(String.join(", ", c.lostGtids()))).append("</td><td>")
          .append(gap == null ? "—" : gap.gapNanos() == null ? "writes did not resume" : gap.gapNanos() / 1_000_000)
          .append("</td></tr>");
    }
    return t.append("</table>").toString();
  }

  private static String legend(Observations observations) {
    StringBuilder p = new StringBuilder("<p>epochs:");
    for (EpochChange c : observations.epochChanges()) {
      p.append("<span class='swatch' style='background:").append(colour(c.epoch())).append("'></span>")
          .append(c.epoch()).append(" (").append(escape(c.primary())).append(')');
    }
    return p.append("; ✕ red: fail, ✕ orange: info (indeterminate); shaded: faults</p>").toString();
  }
}
