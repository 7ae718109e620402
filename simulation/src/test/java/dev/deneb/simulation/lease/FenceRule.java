package dev.deneb.simulation.lease;

import dev.deneb.agent.lease.LeaseSettings;
import dev.deneb.controller.lease.LapseRule;
import dev.deneb.controller.lease.LeaseView;

/**
 * How the model's leader decides that the replaced primary's lease provably lapsed (the FENCED step
 * without an acknowledgement). {@link #PRODUCTION} is {@code FailoverPolicy.fence}'s rule; the others
 * are test-only mutants that each drop one wait, to show the model check can fail.
 */
enum FenceRule {
  /** FailoverPolicy: {@code revokedSilenceMillis > ttl·(1+ρ) + margin} — a majority closed and silent past the bound. */
  PRODUCTION("revokedSilence > lapseBound (FailoverPolicy)") {
    @Override
    boolean lapsed(Evaluation e) {
      return e.status().revokedSilenceMillis() > e.boundMillis();
    }
  },
  /** Drops the wait for members to close: the detection number (open members' words taken as they were) as proof. */
  GROUP_SILENCE("mutant: groupSilence > lapseBound (ignores whether members closed)") {
    @Override
    boolean lapsed(Evaluation e) {
      return e.status().groupSilenceMillis() > e.boundMillis();
    }
  },
  /** Drops the wait for a majority: the leader's own grant table alone (closed, silent past the bound). */
  LEADER_ONLY("mutant: the leader's own view only (closed and silent > lapseBound)") {
    @Override
    boolean lapsed(Evaluation e) {
      return e.own().closed() && e.own().silenceMillis() > e.boundMillis();
    }
  },
  /**
   * Drops the wait for the in-database guard: assumes the agent fenced itself {@code fenceLead} before
   * its lease end (bound {@code ttl·(1-ρ) - fenceLead}), which a paused agent never does.
   */
  TRUSTS_SELF_FENCE("mutant: revokedSilence > ttl·(1-ρ) - fenceLead (trusts the agent's own fence)") {
    @Override
    boolean lapsed(Evaluation e) {
      LeaseSettings s = LeaseSettings.DEFAULTS;
      return e.status().revokedSilenceMillis() > (long) (e.ttlMillis() * (1 - s.drift())) - s.fenceLead().toMillis();
    }
  },
  /** Drops the drift factor and the margin: bound = ttl. Unsafe only within ρ·ttl (30 ms at the defaults). */
  NO_DRIFT_NO_MARGIN("mutant: revokedSilence > ttl (no drift factor, no margin)") {
    @Override
    boolean lapsed(Evaluation e) {
      return e.status().revokedSilenceMillis() > e.ttlMillis();
    }
  };

  /** What the leader knows at one tick: the real LapseRule's reading, its own view, the TTL and the production bound. */
  record Evaluation(LapseRule.LeaseStatus status, LeaseView own, long ttlMillis, long boundMillis) {}

  private final String description;

  FenceRule(String description) {
    this.description = description;
  }

  String description() {
    return description;
  }

  abstract boolean lapsed(Evaluation e);
}
