package dev.deneb.simulation.lease;

/** What one run went through, so a passing property can show it was not vacuous. */
final class RunStats {
  long events;
  long messages;
  long leaderChanges;
  long failoversBegun;
  long fencedByLapse;
  long fencedByAck;
  long candidatesChosen;
  long promotionsAfterLapse;
  /** Of those, how many while the old primary's agent was paused with its keeper still writable (only the lease end fenced it). */
  long promotionsOverPausedAgent;
  long agentCuts;
  long agentPauses;
  long memberPauses;
  long applyStalls;
  long memberLinkCuts;
  long operatorFailovers;
  long memberRestarts;
  long highestEpoch;
  boolean fenceDirectives;
  /** Smallest gap between the old primary's last writable instant and a new primary's first, after a lapse. */
  long minSlackNanos = Long.MAX_VALUE;

  boolean faulted() {
    return agentCuts + agentPauses + memberPauses + applyStalls + memberLinkCuts > 0;
  }

  @Override
  public String toString() {
    return "events=" + events + " messages=" + messages + " leaderChanges=" + leaderChanges + " begun=" + failoversBegun
        + " fencedByLapse=" + fencedByLapse + " fencedByAck=" + fencedByAck + " chosen=" + candidatesChosen
        + " promotionsAfterLapse=" + promotionsAfterLapse + " overPausedAgent=" + promotionsOverPausedAgent + " highestEpoch=" + highestEpoch + " agentCuts=" + agentCuts
        + " agentPauses=" + agentPauses + " memberPauses=" + memberPauses + " applyStalls=" + applyStalls
        + " memberLinkCuts=" + memberLinkCuts + " operatorFailovers=" + operatorFailovers + " memberRestarts=" + memberRestarts + " fenceDirectives=" + fenceDirectives
        + (minSlackNanos == Long.MAX_VALUE ? "" : " minSlackMs=" + minSlackNanos / 1_000_000);
  }
}
