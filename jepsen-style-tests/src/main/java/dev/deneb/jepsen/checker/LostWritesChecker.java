package dev.deneb.jepsen.checker;

import dev.deneb.jepsen.history.Durability;
import dev.deneb.jepsen.history.EpochChange;
import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;
import dev.deneb.jepsen.history.Op;
import dev.deneb.jepsen.history.OpPair;
import dev.deneb.jepsen.history.Quarantine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * <b>S4 no silent loss</b> (DESIGN §2), after the last heal, on the final primary's rows.
 *
 * <ul>
 *   <li>{@code SEMI_SYNC}: every {@code ok} write's value is on the final primary; none may be missing.
 *   <li>{@code ASYNC}: a missing {@code ok} write is allowed only when its GTID is covered by what the
 *       controller reported — a quarantine's extra GTIDs or an epoch change's lost GTIDs. A missing
 *       write without a GTID, or whose GTID no report covers, is a silent loss. A reported GTID whose
 *       write is nevertheless present on the final primary was merged back, which S4 also forbids.
 *       A reported set that explained no missing write is listed in the stats (over-reporting is not
 *       a loss, but worth a look).
 * </ul>
 * Writes that ended {@code info} or {@code fail} may be absent: only acknowledged writes are promised.
 */
public final class LostWritesChecker implements Checker {
  public static final String PROPERTY = "S4 no silent loss";

  @Override
  public String property() {
    return PROPERTY;
  }

  @Override
  public Verdict check(History history, Observations observations) {
    Set<String> rows = observations.finalState().rowsOnPrimary();
    String primary = observations.finalState().primaryNode();
    boolean async = observations.durability() == Durability.ASYNC;
    Map<String, GtidCover> reports = reportedSets(observations);
    GtidCover everything = new GtidCover(allReported(observations));

    List<String> violations = new ArrayList<>();
    int acked = 0;
    int missing = 0;
    int explained = 0;
    for (OpPair w : history.clientPairs("write")) {
      if (!w.isOk()) continue;
      acked++;
      Op ok = w.completion();
      if (rows.contains(ok.value())) {
        if (async && everything.covers(ok.gtid())) {
          violations.add("write reported lost (gtid " + ok.gtid() + ") is present on final primary " + primary
              + ": merged back silently instead of staying quarantined: " + ok.describe());
        }
        continue;
      }
      missing++;
      if (!async) {
        violations.add("acknowledged write missing from final primary " + primary + " in semi-sync mode: "
            + ok.describe());
      } else if (ok.gtid() == null) {
        violations.add("acknowledged write missing from final primary " + primary
            + " and recorded without a GTID, so no report can cover it: " + ok.describe());
      } else if (reports.values().stream().map(r -> r.covers(ok.gtid())).reduce(false, Boolean::logicalOr)) {
        explained++;
      } else {
        violations.add("acknowledged write missing from final primary " + primary + " and its gtid "
            + ok.gtid() + " is in no quarantine or lost-GTID report: " + ok.describe());
      }
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("durability", observations.durability());
    stats.put("acknowledgedWrites", acked);
    stats.put("missingAcknowledged", missing);
    stats.put("missingCoveredByReports", explained);
    stats.put("reportsMatchingNothing", reports.entrySet().stream()
        .filter(e -> !e.getValue().isEmpty() && e.getValue().matchedNothing()).map(Map.Entry::getKey).toList());
    return Verdict.of(PROPERTY, violations, stats);
  }

  private static Map<String, GtidCover> reportedSets(Observations observations) {
    Map<String, GtidCover> sets = new LinkedHashMap<>();
    for (Quarantine q : observations.quarantines()) {
      sets.put("quarantine of " + q.node() + " in epoch " + q.epoch(), new GtidCover(q.extraGtids()));
    }
    for (EpochChange c : observations.epochChanges()) {
      if (!c.lostGtids().isEmpty()) sets.put("lost GTIDs of epoch " + c.epoch(), new GtidCover(c.lostGtids()));
    }
    return sets;
  }

  private static List<String> allReported(Observations observations) {
    List<String> all = new ArrayList<>();
    observations.quarantines().forEach(q -> all.addAll(q.extraGtids()));
    observations.epochChanges().forEach(c -> all.addAll(c.lostGtids()));
    return all;
  }
}
