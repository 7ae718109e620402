package dev.deneb.jepsen.checker;

import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;
import dev.deneb.jepsen.history.OpPair;
import dev.deneb.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * <b>No phantom rows</b>: every row on the final primary was written by a client. A row whose
 * value no client ever invoked is a phantom (invented, duplicated from elsewhere, or left from
 * another run). A row whose write ended {@code fail} is one too: {@code fail} promises the write
 * did not happen (see {@code Outcomes}). Rows of {@code info} writes may be present or absent.
 */
public final class PhantomRowsChecker implements Checker {
  public static final String PROPERTY = "no phantom rows";

  @Override
  public String property() {
    return PROPERTY;
  }

  @Override
  public Verdict check(History history, Observations observations) {
    Map<String, OpPair> writeOf = new HashMap<>();
    for (OpPair w : history.clientPairs("write")) {
      if (w.invoke().value() != null) writeOf.put(w.invoke().value(), w);
    }
    String primary = observations.finalState().primaryNode();
    List<String> violations = new ArrayList<>();
    int indeterminatePresent = 0;
    for (String row : new TreeSet<>(observations.finalState().rowsOnPrimary())) {
      OpPair w = writeOf.get(row);
      if (w == null) {
        violations.add("row \"" + row + "\" on final primary " + primary + " was never written by any client");
      } else if (w.outcome() == OpType.FAIL) {
        violations.add("row \"" + row + "\" on final primary " + primary + " belongs to a write that failed"
            + " definitely (" + w.completion().describe() + "); if the error was a lost connection it must"
            + " be recorded as info");
      } else if (w.outcome() == OpType.INFO) {
        indeterminatePresent++;
      }
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("rowsOnPrimary", observations.finalState().rowsOnPrimary().size());
    stats.put("indeterminateWritesPresent", indeterminatePresent);
    return Verdict.of(PROPERTY, violations, stats);
  }
}
