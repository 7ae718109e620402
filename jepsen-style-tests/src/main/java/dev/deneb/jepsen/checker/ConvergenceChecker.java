package dev.deneb.jepsen.checker;

import dev.deneb.jepsen.history.EpochChange;
import dev.deneb.jepsen.history.FinalState;
import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;
import dev.deneb.jepsen.history.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * <b>Convergence</b>: after the last heal, the API and DNS both name the final primary — the
 * primary of the newest epoch change — within {@code bound} of the heal. The bound is generous by
 * design (it catches a cluster that never settles, not a slow one; speed is for benchmarks). With
 * no healed fault in the history, the bound is measured from the history's start.
 */
public final class ConvergenceChecker implements Checker {
  public static final String PROPERTY = "convergence";
  private final Duration bound;

  /** @param bound how long after the last heal API and DNS may take to name the final primary */
  public ConvergenceChecker(Duration bound) {
    if (bound.isNegative()) throw new IllegalArgumentException("convergence bound must be >= 0, got " + bound);
    this.bound = bound;
  }

  @Override
  public String property() {
    return PROPERTY;
  }

  @Override
  public Verdict check(History history, Observations observations) {
    FinalState end = observations.finalState();
    List<String> violations = new ArrayList<>();
    List<EpochChange> changes = observations.epochChanges();
    if (!changes.isEmpty()) {
      EpochChange last = changes.get(changes.size() - 1);
      if (last.epoch() != end.epoch() || !Objects.equals(last.primary(), end.primaryNode())) {
        violations.add("final state says " + end.primaryNode() + " in epoch " + end.epoch()
            + " but the newest epoch change is " + last.primary() + " in epoch " + last.epoch());
      }
    }
    if (!Objects.equals(end.primaryNode(), end.apiAnswer())) {
      violations.add("API names " + end.apiAnswer() + " instead of final primary " + end.primaryNode());
    }
    if (!Objects.equals(end.primaryNode(), end.dnsAnswer())) {
      violations.add("DNS names " + end.dnsAnswer() + " instead of final primary " + end.primaryNode());
    }
    long healed = history.lastHealNanos().orElse(history.startNanos());
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("lastHealAt", Op.seconds(healed));
    stats.put("boundMillis", bound.toMillis());
    if (end.convergedAtNanos() == null) {
      violations.add("API and DNS were never seen both naming " + end.primaryNode() + " after the heal at "
          + Op.seconds(healed));
    } else {
      long took = Math.max(0, end.convergedAtNanos() - healed);
      stats.put("convergedMillisAfterHeal", took / 1_000_000);
      if (took > bound.toNanos()) {
        violations.add("API and DNS named " + end.primaryNode() + " only " + took / 1_000_000
            + " ms after the heal at " + Op.seconds(healed) + ", beyond the bound of " + bound.toMillis() + " ms");
      }
    }
    return Verdict.of(PROPERTY, violations, stats);
  }
}
