package dev.deneb.jepsen.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deneb.jepsen.history.EpochChange;
import dev.deneb.jepsen.history.Quarantine;
import dev.deneb.jepsen.history.WorkflowRun;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the controller's JSON ({@code GET /v1/clusters/{c}/history} and {@code GET /v1/clusters/{c}})
 * into the checkers' {@link dev.deneb.jepsen.history.Observations} parts. Pure: no I/O, so the
 * conversions are unit-tested on the exact strings the controller writes.
 */
public final class ControllerFacts {
  private ControllerFacts() {}

  /**
   * Maps controller wall-clock milliseconds onto the history's monotonic clock. Both clocks are
   * sampled once, together, at the start of the run; controllers run on this host, so their
   * {@code atMillis} stamps come from the same wall clock (a step of it during a run would shift
   * the mapped times, which only the failover table and S5's overlap check read).
   */
  public record Clock(long wallMillis, long nanos) {
    public static Clock sample() {
      long n = System.nanoTime();
      return new Clock(System.currentTimeMillis(), n);
    }

    public long toNanos(long atMillis) {
      return nanos + (atMillis - wallMillis) * 1_000_000L;
    }
  }

  /** A workflow the harness saw in flight: when it began (controller stamp) and when last seen in flight (harness clock). */
  public record SeenWorkflow(String kind, long targetEpoch, long begunAtMillis, long lastSeenInFlightNanos) {}

  /** MariaDbGap's wording: {@code at 0-1-150, other side at 0-2-140} or {@code at 0-1-5, other side has nothing}. */
  private static final Pattern GAP = Pattern.compile(
      "at (\\d+)-(\\d+)-(\\d+), other side (?:at (\\d+)-(\\d+)-(\\d+)|has nothing)");

  /**
   * The GTIDs a controller gap description covers, as {@code d-s-lo..hi} ranges: for "at A, other
   * side at B" the seqs after B up to A, from A's server (the transactions the side at A wrote while
   * it was primary); when both are at the same seq from different servers (diverged), A itself.
   * Text around the gaps ({@code db2: }, {@code old primary: }) is ignored.
   */
  public static Set<String> gtidRanges(String described) {
    Set<String> ranges = new LinkedHashSet<>();
    if (described == null) return ranges;
    Matcher m = GAP.matcher(described);
    while (m.find()) {
      long domain = Long.parseLong(m.group(1));
      long server = Long.parseLong(m.group(2));
      long ahead = Long.parseLong(m.group(3));
      long behind = m.group(6) == null ? 0 : Long.parseLong(m.group(6));
      long lo = behind >= ahead ? ahead : behind + 1;
      ranges.add(domain + "-" + server + "-" + lo + ".." + ahead);
    }
    return ranges;
  }

  /** Every entry of {@code GET /v1/clusters/{c}/history}'s {@code history} array, times mapped by {@code clock}. */
  public static List<EpochChange> epochChanges(JsonNode historyBody, Clock clock) {
    List<EpochChange> changes = new ArrayList<>();
    for (JsonNode h : historyBody.path("history")) {
      changes.add(new EpochChange(h.path("epoch").asLong(), h.path("primary").asText(), h.path("reason").asText(),
          clock.toNanos(h.path("atMillis").asLong()), gtidRanges(h.path("lostGtids").asText(""))));
    }
    return changes;
  }

  /**
   * Every quarantined node of {@code GET /v1/clusters/{c}}, with the GTIDs it reported; the epoch is
   * that of the history entry whose {@code quarantined} text names the node (the newest such), or
   * the cluster's epoch when none does.
   */
  public static List<Quarantine> quarantines(JsonNode clusterBody, JsonNode historyBody) {
    List<Quarantine> found = new ArrayList<>();
    for (JsonNode n : clusterBody.path("nodes")) {
      if (!n.path("state").asText().equals("quarantined")) continue;
      String node = n.path("node").asText();
      long epoch = clusterBody.path("epoch").asLong();
      for (JsonNode h : historyBody.path("history")) {
        if (h.path("quarantined").asText("").contains(node + " quarantined")) epoch = h.path("epoch").asLong();
      }
      found.add(new Quarantine(node, epoch, gtidRanges(n.path("quarantinedGtids").asText(""))));
    }
    return found;
  }

  /**
   * The workflows of the run, <em>derived</em>: the controller keeps no list of finished workflows,
   * so there is one {@link WorkflowRun} per epoch change above the first, its kind from the reason's
   * prefix ({@code failover: ...}, {@code switchover: ...}, {@code failover aborted at ...}). When
   * the harness saw the workflow in flight ({@code seen}, by target epoch), its begin is the
   * controller's {@code begunAtMillis} and its end no earlier than the last time it was seen in
   * flight; otherwise both are the epoch change's time. S5 therefore checks that every epoch change
   * has a reason of a workflow and that the workflows the harness saw did not overlap; it cannot see
   * a second workflow the controller started and finished unseen between two polls.
   */
  public static List<WorkflowRun> workflows(List<EpochChange> changes, Map<Long, SeenWorkflow> seen, Clock clock) {
    List<WorkflowRun> runs = new ArrayList<>();
    for (int i = 1; i < changes.size(); i++) {
      EpochChange c = changes.get(i);
      String reason = c.reason();
      String kind = reason.startsWith("failover") ? "failover" : reason.startsWith("switchover") ? "switchover" : null;
      if (kind == null) continue; // not produced by a workflow: S5 reports the epoch as produced by none
      String outcome = reason.contains(" aborted at ") ? "aborted" : "completed";
      SeenWorkflow s = seen.get(c.epoch());
      long began = s == null ? c.atNanos() : Math.min(clock.toNanos(s.begunAtMillis()), c.atNanos());
      long ended = s == null ? c.atNanos() : Math.max(s.lastSeenInFlightNanos(), c.atNanos());
      runs.add(new WorkflowRun(kind, changes.get(i - 1).epoch(), c.epoch(), began, ended, outcome));
    }
    return runs;
  }
}
