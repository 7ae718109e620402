package dev.deneb.agent.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.agent.lease.LeaseAction.Fence;
import dev.deneb.agent.lease.LeaseAction.Reason;
import dev.deneb.agent.lease.LeaseAction.Renew;
import dev.deneb.agent.lease.LeaseAction.Unfence;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaseKeeperTest {
  static final long MS = 1_000_000;
  final LeaseSettings settings = LeaseSettings.DEFAULTS; // ttl 3 s, ρ 1%, fenceLead 500 ms, renew 1 s
  final LeaseKeeper keeper = new LeaseKeeper("db1", settings, 0, 1);

  @Test
  void aPrimaryRenewsAndBecomesWritableOnlyOnceARenewalIsAccepted() {
    List<LeaseAction> first = keeper.onCommittedEpoch(4, "db1", 0);
    assertThat(first).singleElement().isInstanceOf(Renew.class);
    assertThat(keeper.writable()).isFalse();
    Renew r = (Renew) first.get(0);
    assertThat(r.epoch()).isEqualTo(4);

    List<LeaseAction> granted = keeper.onGrant(r.requestId(), "c1", true, 4, "", 30 * MS);
    assertThat(granted).containsExactly(new Unfence(4, Reason.LEASE_HELD));
    assertThat(keeper.writable()).isTrue();
    // The lease is measured from the send time (0), not the answer (30 ms): 2970 ms.
    assertThat(keeper.remainingNanos(30 * MS)).isEqualTo(2970 * MS - 30 * MS);
  }

  @Test
  void withoutAnswersItFencesFenceLeadBeforeTheLeaseEnds() {
    Renew r = (Renew) keeper.onCommittedEpoch(1, "db1", 0).get(0);
    keeper.onGrant(r.requestId(), "c1", true, 1, "", 10 * MS);
    // Renewals keep being sent but never answered (the link to every controller is cut).
    long fencedAt = -1;
    for (long t = 20 * MS; t < 4000 * MS; t += 10 * MS) {
      for (LeaseAction a : keeper.tick(t)) {
        if (a instanceof Fence f) {
          assertThat(f.reason()).isEqualTo(Reason.LEASE_EXPIRING);
          fencedAt = t;
        }
      }
      if (fencedAt >= 0) break;
    }
    // ttl·(1-ρ) - fenceLead = 2970 - 500 = 2470 ms after the accepted send at 0.
    assertThat(fencedAt).isEqualTo(2470 * MS);
    assertThat(keeper.writable()).isFalse();
  }

  @Test
  void aRefusedRenewalFencesAtOnce() {
    Renew r1 = (Renew) keeper.onCommittedEpoch(2, "db1", 0).get(0);
    keeper.onGrant(r1.requestId(), "c1", true, 2, "", 5 * MS);
    Renew r2 = (Renew) keeper.tick(1000 * MS).get(0);
    List<LeaseAction> refused = keeper.onGrant(r2.requestId(), "c1", false, 2, "WORKFLOW_IN_FLIGHT", 1020 * MS);
    assertThat(refused).singleElement().isInstanceOfSatisfying(Fence.class,
        f -> assertThat(f.reason()).isEqualTo(Reason.RENEWAL_REFUSED));
    assertThat(keeper.tick(2000 * MS)).isEmpty(); // no more renewals for a refused claim
  }

  @Test
  void aNewerEpochNamingAnotherNodeFencesAndStaleEpochsAreIgnored() {
    Renew r = (Renew) keeper.onCommittedEpoch(3, "db1", 0).get(0);
    keeper.onGrant(r.requestId(), "c1", true, 3, "", 5 * MS);
    assertThat(keeper.onCommittedEpoch(4, "db2", 100 * MS)).singleElement().isInstanceOf(Fence.class);
    // S3: an order from epoch 3 after epoch 4 was seen changes nothing.
    assertThat(keeper.onCommittedEpoch(3, "db1", 200 * MS)).isEmpty();
    assertThat(keeper.onCommittedEpoch(3, "db1", 300 * MS)).noneMatch(a -> a instanceof Unfence || a instanceof Renew);
    assertThat(keeper.highestEpochSeen()).isEqualTo(4);
    assertThat(keeper.writable()).isFalse();
  }

  @Test
  void everyInputChecksTheLeaseNotJustTicks() {
    // Found by the property test (seed 2491): a stale epoch notice arriving after the fence point
    // returned nothing, leaving the keeper's writable flag stale until the next tick.
    Renew r = (Renew) keeper.onCommittedEpoch(2, "db1", 0).get(0);
    keeper.onGrant(r.requestId(), "c1", true, 2, "", 8 * MS);
    keeper.onCommittedEpoch(3, "db2", 100 * MS); // fences (not primary) ...
    LeaseKeeper k2 = new LeaseKeeper("db1", settings, 0, 1);
    Renew r2 = (Renew) k2.onCommittedEpoch(2, "db1", 0).get(0);
    k2.onGrant(r2.requestId(), "c1", true, 2, "", 8 * MS);
    k2.onCommittedEpoch(1, "db1", 2471 * MS); // a stale notice after s + ttl(1-ρ) - fenceLead = 2470 ms
    assertThat(k2.writable()).isFalse();
  }

  @Test
  void aFailedActionIsDecidedAgainAtTheNextTick() {
    Renew r = (Renew) keeper.onCommittedEpoch(1, "db1", 0).get(0);
    Unfence u = (Unfence) keeper.onGrant(r.requestId(), "c1", true, 1, "", 5 * MS).get(0);
    keeper.actionFailed(u); // e.g. the guard killed the agent's session under it
    assertThat(keeper.tick(10 * MS)).contains(new Unfence(1, Reason.LEASE_HELD));
    assertThat(keeper.tick(20 * MS)).noneMatch(a -> a instanceof Unfence); // once per failure
    // An unfence in doubt may have worked: the server still counts as writable and is fenced at lease end.
    keeper.actionFailed(new Unfence(1, Reason.LEASE_HELD));
    assertThat(keeper.writable()).isTrue();
    List<LeaseAction> fence = keeper.tick(2500 * MS); // past s + ttl(1-ρ) - fenceLead
    Fence f = (Fence) fence.stream().filter(a -> a instanceof Fence).findFirst().orElseThrow();
    keeper.actionFailed(f); // the database did not answer
    assertThat(keeper.tick(2550 * MS)).anyMatch(a -> a instanceof Fence);
  }

  @Test
  void aRestartedAgentResumesTheLeaseItsRowRecordsAndNoMore() {
    LeaseKeeper restarted = new LeaseKeeper("db1", settings, 4, 1);
    assertThat(restarted.resume(3, 2000 * MS, 0)).as("below the highest epoch seen").isFalse();
    assertThat(restarted.resume(4, 400 * MS, 0)).as("less than fenceLead left").isFalse();
    assertThat(restarted.resume(4, 2000 * MS, 0)).isTrue();
    assertThat(restarted.writable()).isTrue();
    // 2000 ms on the database's clock counts as 1980 ms here (ρ = 1%); fence at 1980 - 500.
    assertThat(restarted.tick(1479 * MS)).noneMatch(a -> a instanceof Fence);
    assertThat(restarted.tick(1480 * MS)).anyMatch(a -> a instanceof Fence);
  }

  @Test
  void aResumedLeaseIsRenewedAsSoonAsAMemberConnectsNotAtTheNextRetry() {
    LeaseKeeper restarted = new LeaseKeeper("db1", settings, 4, 3);
    assertThat(restarted.resume(4, 1400 * MS, 0)).isTrue();
    // The first round goes out before any controller stream exists: it reaches no one.
    assertThat(restarted.tick(0)).anyMatch(a -> a instanceof Renew);
    assertThat(restarted.tick(100 * MS)).as("a retry pause (250 ms) has not passed").noneMatch(a -> a instanceof Renew);
    List<LeaseAction> connected = restarted.onMemberConnected(100 * MS);
    assertThat(connected).anyMatch(a -> a instanceof Renew);
    Renew round = (Renew) connected.stream().filter(a -> a instanceof Renew).findFirst().orElseThrow();
    restarted.onGrant(round.requestId(), "c1", true, 4, "", 120 * MS);
    restarted.onGrant(round.requestId(), "c2", true, 4, "", 130 * MS);
    // Once the newest round is done, a reconnect asks nothing extra.
    assertThat(restarted.onMemberConnected(200 * MS)).noneMatch(a -> a instanceof Renew);
    // Granted by a majority: the lease now runs from the round sent at 100 ms, past the row's end.
    assertThat(restarted.tick(1500 * MS)).noneMatch(a -> a instanceof Fence);
    assertThat(restarted.writable()).isTrue();
  }

  @Test
  void aLateAnswerFromAnOlderEpochGrantsNothing() {
    Renew old = (Renew) keeper.onCommittedEpoch(5, "db1", 0).get(0);
    keeper.onCommittedEpoch(6, "db2", 10 * MS);
    keeper.onCommittedEpoch(7, "db1", 20 * MS);
    List<LeaseAction> late = keeper.onGrant(old.requestId(), "c1", true, 5, "", 30 * MS);
    assertThat(late).noneMatch(a -> a instanceof Unfence);
    assertThat(keeper.writable()).isFalse();
  }

  @Test
  void settingsThatLeaveNoTimeToRenewAreRejected() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() ->
            new LeaseSettings(Duration.ofMillis(900), 0.01, Duration.ofMillis(700), Duration.ofMillis(500)))
        .hasMessageContaining("leaves no time to renew");
  }

  @Test
  void theIntervalIsAtMostAThirdOfTheTtlSoTheShortestTtlStillRenews() {
    // 1 s TTL (the smallest a cluster may set) with the default 1 s interval: rounds every 333 ms.
    LeaseSettings shortTtl = settings.withTtl(Duration.ofSeconds(1));
    assertThat(shortTtl.renewNanos()).isEqualTo(333_333_333L);
    assertThat(settings.renewNanos()).isEqualTo(1000 * MS);
    assertThat(settings.retryNanos()).isEqualTo(250 * MS);
  }

  @Test
  void aRoundShortOfAMajorityIsRetriedWhileTheLeaseHolds() {
    Renew r = (Renew) three.onCommittedEpoch(4, "db1", 0).get(0);
    three.onGrant(r.requestId(), "c1", true, 4, "", 5 * MS);
    three.onGrant(r.requestId(), "c2", true, 4, "", 5 * MS);
    // Completed rounds are not retried: the next goes out at the interval.
    assertThat(three.tick(999 * MS)).isEmpty();
    Renew second = (Renew) three.tick(1000 * MS).get(0);
    assertThat(second.reason()).isEqualTo(Reason.RENEW_DUE);
    three.onGrant(second.requestId(), "c1", true, 4, "", 1005 * MS);
    // Only one grant: after a quarter of the interval the round is followed by another.
    assertThat(three.tick(1249 * MS)).isEmpty();
    Renew retry = (Renew) three.tick(1250 * MS).get(0);
    assertThat(retry.reason()).isEqualTo(Reason.RENEW_RETRY);
    three.onGrant(retry.requestId(), "c1", true, 4, "", 1260 * MS);
    three.onGrant(retry.requestId(), "c3", true, 4, "", 1260 * MS);
    // The retry completed: back to the interval, counted from the retry's send.
    assertThat(three.tick(2249 * MS)).isEmpty();
    assertThat(((Renew) three.tick(2250 * MS).get(0)).reason()).isEqualTo(Reason.RENEW_DUE);
    assertThat(three.remainingNanos(2250 * MS)).isEqualTo((1250 + 2970 - 2250) * MS);
  }

  @Test
  void aRetryIsNotRetriedSoSlowMembersGetAtMostTwiceTheRounds() {
    Renew r = (Renew) three.onCommittedEpoch(4, "db1", 0).get(0);
    three.onGrant(r.requestId(), "c1", true, 4, "", 5 * MS);
    three.onGrant(r.requestId(), "c2", true, 4, "", 5 * MS);
    int rounds = 0;
    // From here on nothing answers: a round at 1000, its retry at 1250, the next at 2250 and its retry
    // at 2500 — then the lease ends (fenced at 2470), and without a lease only the interval remains.
    for (long t = 10 * MS; t < 2400 * MS; t += 10 * MS) {
      for (LeaseAction a : three.tick(t)) if (a instanceof Renew) rounds++;
    }
    assertThat(rounds).isEqualTo(3);
  }

  @Test
  void withoutALeaseRoundsKeepTheIntervalSoAnOutageDoesNotMultiplyTraffic() {
    three.onCommittedEpoch(4, "db1", 0); // never answered: no lease ever held
    int rounds = 1;
    for (long t = 10 * MS; t < 10_000 * MS; t += 10 * MS) {
      for (LeaseAction a : three.tick(t)) if (a instanceof Renew) rounds++;
    }
    assertThat(rounds).isEqualTo(10);
  }

  // ---- quorum leases (docs/lease.md) ----

  final LeaseKeeper three = new LeaseKeeper("db1", settings, 0, 3);

  @Test
  void aRoundHoldsTheLeaseOnlyOnceAMajorityOfDistinctMembersGrantedIt() {
    Renew r = (Renew) three.onCommittedEpoch(4, "db1", 0).get(0);
    assertThat(three.onGrant(r.requestId(), "c1", true, 4, "", 10 * MS)).isEmpty();
    // The same member again (two links to one member) is still one grant.
    assertThat(three.onGrant(r.requestId(), "c1", true, 4, "", 12 * MS)).isEmpty();
    assertThat(three.writable()).isFalse();
    assertThat(three.onGrant(r.requestId(), "c3", true, 4, "", 20 * MS)).containsExactly(new Unfence(4, Reason.LEASE_HELD));
    // Measured from the round's send time (0), however late the majority completed.
    assertThat(three.remainingNanos(20 * MS)).isEqualTo(2970 * MS - 20 * MS);
  }

  @Test
  void aRoundGrantedByAMinorityNeverExtendsTheLease() {
    Renew first = (Renew) three.onCommittedEpoch(4, "db1", 0).get(0);
    three.onGrant(first.requestId(), "c1", true, 4, "", 5 * MS);
    three.onGrant(first.requestId(), "c2", true, 4, "", 5 * MS);
    // From here on only c1 answers (the agent is cut off from c2 and c3): the lease ends with round 0.
    long fencedAt = -1;
    for (long t = 10 * MS; t < 4000 * MS && fencedAt < 0; t += 10 * MS) {
      for (LeaseAction a : three.tick(t)) {
        if (a instanceof Renew next) three.onGrant(next.requestId(), "c1", true, 4, "", t + MS);
        if (a instanceof Fence f) fencedAt = t;
      }
    }
    assertThat(fencedAt).isEqualTo(2470 * MS);
  }

  @Test
  void aRefusalFromAMemberThatHasNotAppliedTheEpochIsNoVerdict() {
    Renew r = (Renew) three.onCommittedEpoch(7, "db1", 0).get(0);
    three.onGrant(r.requestId(), "c1", true, 7, "", 5 * MS);
    three.onGrant(r.requestId(), "c2", true, 7, "", 5 * MS);
    assertThat(three.writable()).isTrue();
    Renew next = (Renew) three.tick(1000 * MS).get(0);
    // c3 lags at epoch 6: it cannot grant epoch 7 yet, and that says nothing about this primary.
    assertThat(three.onGrant(next.requestId(), "c3", false, 6, "INVALID_ARGUMENT", 505 * MS)).isEmpty();
    // Nor from a member that restarted and has not caught up with the group yet.
    assertThat(three.onGrant(next.requestId(), "c1", false, 0, "MEMBER_CATCHING_UP", 506 * MS)).isEmpty();
    assertThat(three.writable()).isTrue();
    // A member at epoch 7 that refuses has applied a workflow replacing this primary: fence at once.
    assertThat(three.onGrant(next.requestId(), "c2", false, 7, "WORKFLOW_IN_FLIGHT", 510 * MS)).singleElement()
        .isInstanceOfSatisfying(Fence.class, f -> assertThat(f.reason()).isEqualTo(Reason.RENEWAL_REFUSED));
  }

  @Test
  void aLargerGroupAnnouncedByAMemberRaisesTheMajorityAndASmallerOneDoesNotLowerIt() {
    three.updateGroupSize(5);
    assertThat(three.majority()).isEqualTo(3);
    three.updateGroupSize(1);
    assertThat(three.majority()).isEqualTo(3);
  }
}
