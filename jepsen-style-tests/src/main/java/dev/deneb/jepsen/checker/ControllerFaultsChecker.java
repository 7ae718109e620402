package dev.deneb.jepsen.checker;

import dev.deneb.jepsen.history.FaultInterval;
import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;
import dev.deneb.jepsen.history.Op;
import dev.deneb.jepsen.history.WorkflowRun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * <b>L3 controller faults are invisible</b> (DESIGN §2, §3.9; docs/lease.md): a fault of the
 * controller group alone — its leader or a minority killed or frozen — begins no failover. Leases are
 * granted by every member, so no primary lost its lease and nothing is to be replaced. Faults are
 * injected one at a time, so a failover that began during such a fault, or within {@code grace} of its
 * heal (a lease lost during the fault would lapse just after) and before the next fault began, was
 * caused by it.
 */
public final class ControllerFaultsChecker implements Checker {
  public static final String PROPERTY = "L3 controller faults begin no failover";
  /**
   * Faults of the controllers alone, and of the primary's links to them alone: with quorum leases
   * and failsafe (docs/lease.md) none of them costs the primary its lease — a minority or leader
   * fault by construction (a leader cut off from its followers, or an asymmetric cut between members,
   * included: each member grants from its own applied state), a quorum loss by the replicas'
   * promises, a primary cut off from every member by its replicas relaying its rounds.
   */
  static final Set<String> CONTROLLER_FAULTS = Set.of("kill-leader", "pause-leader", "kill-minority", "pause-minority",
      "quorum-loss", "partition-primary-controllers", "isolate-leader", "partition-controllers-asymmetric");

  private final Duration grace;

  public ControllerFaultsChecker(Duration grace) {
    this.grace = grace;
  }

  @Override
  public String property() {
    return PROPERTY;
  }

  @Override
  public Verdict check(History history, Observations observations) {
    List<String> violations = new ArrayList<>();
    int faults = 0;
    List<FaultInterval> all = history.faults();
    for (int i = 0; i < all.size(); i++) {
      FaultInterval f = all.get(i);
      if (!CONTROLLER_FAULTS.contains(f.fault())) continue;
      faults++;
      // Up to grace after the heal, but never into the next fault: that one may well cause a failover.
      long end = f.endOr(history.endNanos()) + grace.toNanos();
      if (i + 1 < all.size()) end = Math.min(end, all.get(i + 1).startNanos());
      for (WorkflowRun w : observations.workflows()) {
        if (w.kind().equals("failover") && w.beganAtNanos() >= f.startNanos() && w.beganAtNanos() <= end) {
          violations.add(w.describe() + " began during " + f.label() + " [" + Op.seconds(f.startNanos()) + ", "
              + (f.endNanos() == null ? "never healed" : Op.seconds(f.endNanos())) + "] (+" + grace.toMillis() + " ms)");
        }
      }
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("controllerFaults", faults);
    return Verdict.of(PROPERTY, violations, stats);
  }
}
