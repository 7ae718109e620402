package dev.deneb.controller.failover;

import dev.deneb.fencing.gtid.GtidFlavor;
import dev.deneb.fencing.gtid.GtidState;
import dev.deneb.fencing.gtid.MostAdvanced;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.NodeState;
import dev.deneb.protocol.PromotionRule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Chooses the replica to promote (DESIGN §3.4; STYLE 9): among healthy replicas not marked
 * {@code must_not} that have applied their relay log, the one with the most transactions (a GTID
 * superset of every other candidate), ties broken by promotion rule, then lag, then name. Every
 * replica left out is listed with its reason, for {@code explain} and the log. Pure: the caller
 * passes what the agents reported.
 *
 * <p>{@link Mode#SAFE} promotes only a candidate that has every transaction any candidate has (and
 * the old primary's final position, when it is known). {@link Mode#LOSSY} may promote the most
 * advanced of incomparable candidates and reports exactly what the others had that it lacks — a
 * lossy promotion must always be loud.
 */
public final class CandidateChooser {
  private CandidateChooser() {}

  public enum Mode { SAFE, LOSSY }

  /** What one replica's agent last reported, as the leader holds it. */
  public record ReplicaReport(boolean mysqldUp, boolean fresh, String executedGtids, String receivedGtids, long lagSeconds) {}

  public sealed interface Choice {
    /** @param lostGtids what other candidates (and the old primary, when known) had that {@code node} lacks */
    record Chosen(String node, boolean lossy, String lostGtids, String reason) implements Choice {}

    record NoCandidate(String reason) implements Choice {}
  }

  /** The choice, and every replica that was left out with why. */
  public record Result(Choice choice, Map<String, String> leftOut) {}

  /**
   * @param oldPrimaryFinal the replaced primary's executed GTIDs read after it was fenced, when it
   *     was reachable (DESIGN §3.3); a candidate must contain it
   */
  public static Result choose(ClusterRecord cluster, Map<String, ReplicaReport> reports, GtidFlavor flavor,
      Optional<String> oldPrimaryFinal, Mode mode) {
    String replaced = cluster.hasWorkflow() ? cluster.getWorkflow().getFrom() : cluster.getPrimary();
    Map<String, String> leftOut = new TreeMap<>();
    Map<String, GtidState> candidates = new LinkedHashMap<>();
    Map<String, NodeRecord> nodes = new LinkedHashMap<>();
    Optional<GtidState> finalPosition;
    try {
      finalPosition = oldPrimaryFinal.map(t -> GtidState.parse(flavor, t));
    } catch (IllegalArgumentException e) {
      return new Result(new Choice.NoCandidate("the old primary's final position is unreadable: " + e.getMessage()), leftOut);
    }
    for (NodeRecord n : cluster.getNodesList()) {
      String why = disqualification(n, replaced, reports.get(n.getNode()));
      if (why == null) {
        ReplicaReport r = reports.get(n.getNode());
        try {
          GtidState executed = GtidState.parse(flavor, r.executedGtids());
          GtidState received = GtidState.parse(flavor, r.receivedGtids());
          if (!executed.contains(received)) {
            why = "relay log not applied yet: received " + received.missingFrom(executed).describe() + " not executed";
          } else if (finalPosition.isPresent() && !executed.contains(finalPosition.get())) {
            why = "has not executed the old primary's final position yet (lacks " + finalPosition.get().missingFrom(executed).describe() + ")";
          } else {
            candidates.put(n.getNode(), executed);
            nodes.put(n.getNode(), n);
          }
        } catch (IllegalArgumentException e) {
          why = "unreadable GTIDs: " + e.getMessage();
        }
      }
      if (why != null) leftOut.put(n.getNode(), why);
    }
    leftOut.remove(replaced);
    if (candidates.isEmpty()) {
      return new Result(new Choice.NoCandidate("no eligible replica: " + leftOut), leftOut);
    }
    MostAdvanced<String> front = MostAdvanced.among(candidates);
    Comparator<String> preference = Comparator
        .comparingInt((String n) -> rank(nodes.get(n).getPromotionRule()))
        .thenComparingLong(n -> reports.get(n).lagSeconds() < 0 ? Long.MAX_VALUE : reports.get(n).lagSeconds())
        .thenComparing(Comparator.naturalOrder());
    if (front.hasDominant()) {
      String chosen = front.dominant().stream().min(preference).orElseThrow();
      String reason = chosen + " has every transaction of the " + candidates.size() + " eligible replica(s)"
          + (front.dominant().size() > 1 ? "; tie among " + front.dominant() + " broken by promotion rule, lag, name" : "")
          + (finalPosition.isPresent() ? " and the old primary's final position" : "; the old primary's final position is unknown");
      return new Result(new Choice.Chosen(chosen, false, "", reason), leftOut);
    }
    if (mode == Mode.SAFE) {
      return new Result(new Choice.NoCandidate("no replica has every transaction: " + front.undominated()
          + " each lack something another has; a lossy promotion needs an operator"), leftOut);
    }
    String chosen = front.undominated().stream().min(preference).orElseThrow();
    List<String> lost = new ArrayList<>();
    for (Map.Entry<String, GtidState> other : candidates.entrySet()) {
      if (!other.getKey().equals(chosen) && !candidates.get(chosen).contains(other.getValue())) {
        lost.add(other.getKey() + ": " + other.getValue().missingFrom(candidates.get(chosen)).describe());
      }
    }
    return new Result(new Choice.Chosen(chosen, true, String.join("; ", lost),
        "LOSSY: no replica has every transaction; " + chosen + " chosen among " + front.undominated()
            + " by promotion rule, lag, name"), leftOut);
  }

  private static String disqualification(NodeRecord n, String replaced, ReplicaReport r) {
    if (n.getNode().equals(replaced)) return "the primary being replaced";
    if (n.getPromotionRule() == PromotionRule.MUST_NOT) return "promotion rule must_not";
    if (n.getState() != NodeState.ONLINE) return "node is " + n.getState();
    if (n.getNeedsCheck()) return "not yet checked against the current primary's GTIDs";
    if (r == null) return "no report from its agent";
    if (!r.fresh()) return "its agent's last report is too old";
    if (!r.mysqldUp()) return "its database is down";
    return null;
  }

  private static int rank(PromotionRule rule) {
    return rule == PromotionRule.PREFER ? 0 : 1;
  }
}
