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
  /** Restarted members whose catch-up gate opened (a read index obtained and applied up to). */
  long catchUps;
  long catchUpReadsTimedOut;
  /** Rounds a restarted member refused while catching up that it would have granted from its fallen-back state. */
  long gateHolds;
  /** Of those, rounds for a lease the state it had applied before the restart had closed (a grant would have reopened it). */
  long gateHoldsReopening;
  /** Without the gate (the mutant): rounds a restarted member granted from its fallen-back state, and of those reopening a closed lease. */
  long fallenBackGrants;
  long reopeningGrants;
  long highestEpoch;
  /** Failsafe: promise rounds asked, promises given, relays started and granted, holds engaged, quorum losses and primary-replica cuts, lapses held back for a release. */
  long promiseAsks;
  long promises;
  long relays;
  long relaysGranted;
  long failsafeHolds;
  long quorumLosses;
  long replicaCuts;
  long releaseWaits;
  boolean fenceDirectives;
  /** Smallest gap between the old primary's last writable instant and a new primary's first, after a lapse. */
  long minSlackNanos = Long.MAX_VALUE;

  boolean faulted() {
    return agentCuts + agentPauses + memberPauses + applyStalls + memberLinkCuts + memberRestarts + quorumLosses > 0;
  }

  @Override
  public String toString() {
    return "events=" + events + " messages=" + messages + " leaderChanges=" + leaderChanges + " begun=" + failoversBegun
        + " fencedByLapse=" + fencedByLapse + " fencedByAck=" + fencedByAck + " chosen=" + candidatesChosen
        + " promotionsAfterLapse=" + promotionsAfterLapse + " overPausedAgent=" + promotionsOverPausedAgent + " highestEpoch=" + highestEpoch + " agentCuts=" + agentCuts
        + " agentPauses=" + agentPauses + " memberPauses=" + memberPauses + " applyStalls=" + applyStalls
        + " memberLinkCuts=" + memberLinkCuts + " operatorFailovers=" + operatorFailovers + " memberRestarts=" + memberRestarts
        + " catchUps=" + catchUps + " catchUpReadsTimedOut=" + catchUpReadsTimedOut + " gateHolds=" + gateHolds
        + " gateHoldsReopening=" + gateHoldsReopening
        + (fallenBackGrants == 0 ? "" : " fallenBackGrants=" + fallenBackGrants + " reopeningGrants=" + reopeningGrants) + " fenceDirectives=" + fenceDirectives
        + (minSlackNanos == Long.MAX_VALUE ? "" : " minSlackMs=" + minSlackNanos / 1_000_000)
        + (promiseAsks + quorumLosses == 0 ? "" : " promiseAsks=" + promiseAsks + " promises=" + promises + " relays=" + relays
            + " relaysGranted=" + relaysGranted + " failsafeHolds=" + failsafeHolds + " quorumLosses=" + quorumLosses
            + " replicaCuts=" + replicaCuts + " releaseWaits=" + releaseWaits);
  }
}
