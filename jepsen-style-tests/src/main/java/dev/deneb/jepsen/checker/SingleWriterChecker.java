package dev.deneb.jepsen.checker;

import dev.deneb.jepsen.history.EpochChange;
import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;
import dev.deneb.jepsen.history.Op;
import dev.deneb.jepsen.history.OpPair;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * <b>S1 single writer</b> (DESIGN §2): at no real time do two nodes accept client writes.
 *
 * <p>Checked in its observable form on acknowledged ({@code ok}) writes:
 * <ol type="a">
 *   <li>every write acknowledged in epoch e was invoked before any write acknowledged in an epoch
 *       e' &gt; e completed — otherwise the old primary accepted a write after the new one had; and
 *   <li>every acknowledged write landed on the node that the epoch changes name as the primary of
 *       its epoch.
 * </ol>
 * An acknowledged write without node or epoch cannot be checked and is reported as a harness error.
 */
public final class SingleWriterChecker implements Checker {
  public static final String PROPERTY = "S1 single writer";

  @Override
  public String property() {
    return PROPERTY;
  }

  @Override
  public Verdict check(History history, Observations observations) {
    List<String> violations = new ArrayList<>();
    List<OpPair> acked = new ArrayList<>();
    for (OpPair w : history.clientPairs("write")) {
      if (!w.isOk()) continue;
      if (w.completion().node() == null || w.completion().epoch() == null) {
        violations.add("cannot check " + w.completion().describe() + ": an acknowledged write must record"
            + " the node it was sent to and its epoch (fix the client worker)");
      } else {
        acked.add(w);
      }
    }
    int ordering = checkOrder(acked, violations);
    int wrongNode = checkNodes(acked, observations, violations);
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("acknowledgedWrites", acked.size());
    stats.put("epochsWithWrites", acked.stream().map(w -> w.completion().epoch()).distinct().count());
    stats.put("orderViolations", ordering);
    stats.put("wrongNodeViolations", wrongNode);
    return Verdict.of(PROPERTY, violations, stats);
  }

  /** (a): for each epoch, the earliest completion of any later epoch must follow every invocation of it. */
  private static int checkOrder(List<OpPair> acked, List<String> violations) {
    TreeMap<Long, List<OpPair>> byEpoch = new TreeMap<>();
    acked.forEach(w -> byEpoch.computeIfAbsent(w.completion().epoch(), e -> new ArrayList<>()).add(w));
    // Walk epochs from the newest down, carrying the earliest-completing write of any newer epoch.
    OpPair earliestLater = null;
    int count = 0;
    List<String> found = new ArrayList<>();
    for (List<OpPair> writes : byEpoch.descendingMap().values()) {
      if (earliestLater != null) {
        for (OpPair w : writes) {
          if (w.invoke().time() >= earliestLater.completion().time()) {
            count++;
            found.add("write acknowledged in epoch " + w.completion().epoch() + " was invoked (op "
                + w.invoke().index() + ") at " + Op.seconds(w.invoke().time()) + ", after a write of newer epoch "
                + earliestLater.completion().epoch() + " had completed at "
                + Op.seconds(earliestLater.completion().time()) + ": " + w.completion().describe()
                + " vs " + earliestLater.completion().describe());
          }
        }
      }
      OpPair first = writes.stream().min(Comparator.comparingLong(w -> w.completion().time())).orElseThrow();
      if (earliestLater == null || first.completion().time() < earliestLater.completion().time()) {
        earliestLater = first;
      }
    }
    violations.addAll(found);
    return count;
  }

  /** (b): the write's node is the primary its epoch names. */
  private static int checkNodes(List<OpPair> acked, Observations observations, List<String> violations) {
    Map<Long, String> primaryOf = new HashMap<>();
    for (EpochChange c : observations.epochChanges()) primaryOf.put(c.epoch(), c.primary());
    int count = 0;
    for (OpPair w : acked) {
      Op ok = w.completion();
      String primary = primaryOf.get(ok.epoch());
      if (primary == null) {
        count++;
        violations.add("write acknowledged in epoch " + ok.epoch() + ", which no epoch change names: "
            + ok.describe());
      } else if (!primary.equals(ok.node())) {
        count++;
        violations.add("write acknowledged by " + ok.node() + " in epoch " + ok.epoch() + ", whose primary is "
            + primary + ": " + ok.describe());
      }
    }
    return count;
  }
}
