package dev.deneb.agent.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.agent.failsafe.PromiseAnswer;
import dev.deneb.agent.lease.LeaseAction.AskPromises;
import dev.deneb.agent.lease.LeaseAction.FailsafeChanged;
import dev.deneb.agent.lease.LeaseAction.Fence;
import dev.deneb.agent.lease.LeaseAction.Reason;
import dev.deneb.agent.lease.LeaseAction.Renew;
import dev.deneb.agent.lease.LeaseAction.Unfence;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The keeper with failsafe (docs/lease.md "Failsafe"): a primary whose rounds stop reaching a
 * majority stays writable only on rounds every other confirmed node promised, and a node bound by its
 * own promise does not become writable.
 */
class LeaseKeeperFailsafeTest {
  static final long MS = 1_000_000;
  static final Set<String> NODES = Set.of("db1", "db2", "db3");
  final LeaseKeeper keeper = new LeaseKeeper("shop", "db1", LeaseSettings.DEFAULTS, 0, 3);

  /** Epoch 5 names db1; the first round is granted by two of three members, whose grants name NODES. */
  private void leaseHeld() {
    keeper.setFailsafe(true);
    Renew r = (Renew) keeper.onCommittedEpoch(5, "db1", 0).get(0);
    keeper.onGrant(r.requestId(), "c1", true, 5, "", NODES, 5 * MS);
    keeper.onGrant(r.requestId(), "c2", true, 5, "", NODES, 6 * MS);
    assertThat(keeper.writable()).isTrue();
  }

  /**
   * Ticks every 10 ms from {@code from} to {@code to}, no member answering; each promise request is
   * answered at once by {@code answer} (null: no answer). Returns the time of the first fence, or -1.
   */
  private long run(long from, long to, Function<AskPromises, List<PromiseAnswer>> answer, List<LeaseAction> seen) {
    for (long t = from; t < to; t += 10 * MS) {
      List<LeaseAction> actions = new ArrayList<>(keeper.tick(t));
      for (int i = 0; i < actions.size(); i++) {
        LeaseAction a = actions.get(i);
        seen.add(a);
        if (a instanceof Fence) return t;
        if (a instanceof AskPromises ask && answer != null) {
          for (PromiseAnswer p : answer.apply(ask)) actions.addAll(keeper.onPromiseAnswer(p, t));
        }
      }
    }
    return -1;
  }

  private static List<PromiseAnswer> promisedBy(AskPromises ask, String... nodes) {
    List<PromiseAnswer> out = new ArrayList<>();
    for (String n : nodes) out.add(new PromiseAnswer.Promised(ask.request().round(), n, ask.request().epoch()));
    return out;
  }

  @Test
  void everyOtherNodesPromiseKeepsThePrimaryWritableThroughAQuorumLoss() {
    leaseHeld();
    List<LeaseAction> seen = new ArrayList<>();

    long fenced = run(10 * MS, 30_000 * MS, ask -> promisedBy(ask, "db2", "db3"), seen);

    assertThat(fenced).isEqualTo(-1);
    assertThat(keeper.writable()).isTrue();
    assertThat(seen).filteredOn(a -> a instanceof AskPromises).first()
        .satisfies(a -> assertThat(((AskPromises) a).request().membership()).isEqualTo(NODES));
    assertThat(seen).filteredOn(a -> a instanceof FailsafeChanged).first()
        .satisfies(a -> assertThat(((FailsafeChanged) a).active()).isTrue());
    // Asked only near the fence point: no round before the first renewal round went unanswered.
    int firstAsk = seen.indexOf(seen.stream().filter(a -> a instanceof AskPromises).findFirst().orElseThrow());
    assertThat(seen.subList(0, firstAsk)).filteredOn(a -> a instanceof Renew).isNotEmpty();
  }

  @Test
  void oneMissingPromiseFencesOnTheNormalSchedule() {
    leaseHeld();

    long fenced = run(10 * MS, 10_000 * MS, ask -> promisedBy(ask, "db2"), new ArrayList<>());

    // As without failsafe: ttl·(1-ρ) - fenceLead after the last majority round (sent at 0).
    assertThat(fenced).isEqualTo(2470 * MS);
  }

  @Test
  void aPromiseFromANodeOutsideTheConfirmedMembershipDoesNotCount() {
    leaseHeld();

    long fenced = run(10 * MS, 10_000 * MS, ask -> promisedBy(ask, "db2", "db9"), new ArrayList<>());

    assertThat(fenced).isEqualTo(2470 * MS);
  }

  @Test
  void aDeclineShowingAHigherEpochFencesAtOnce() {
    leaseHeld();
    List<LeaseAction> seen = new ArrayList<>();

    long fenced = run(10 * MS, 10_000 * MS, ask -> List.of(new PromiseAnswer.Declined(ask.request().round(), "db2",
        PromiseAnswer.Reason.HIGHER_EPOCH_SEEN, 6, "epoch 6 is committed")), seen);

    assertThat(fenced).isPositive().isLessThan(2470 * MS);
    assertThat(seen).filteredOn(a -> a instanceof Fence).first()
        .satisfies(a -> assertThat(((Fence) a).reason()).isEqualTo(Reason.NOT_PRIMARY));
    assertThat(keeper.highestEpochSeen()).isEqualTo(6);
  }

  @Test
  void withFailsafeOffNothingIsAsked() {
    leaseHeld();
    keeper.setFailsafe(false);
    List<LeaseAction> seen = new ArrayList<>();

    long fenced = run(10 * MS, 10_000 * MS, ask -> promisedBy(ask, "db2", "db3"), seen);

    assertThat(fenced).isEqualTo(2470 * MS);
    assertThat(seen).noneMatch(a -> a instanceof AskPromises);
  }

  @Test
  void aRoundWithoutMembershipConfirmsNothing() {
    // Grants from members that name no nodes (an older controller): no hold is possible.
    keeper.setFailsafe(true);
    Renew r = (Renew) keeper.onCommittedEpoch(5, "db1", 0).get(0);
    keeper.onGrant(r.requestId(), "c1", true, 5, "", Set.of(), 5 * MS);
    keeper.onGrant(r.requestId(), "c2", true, 5, "", Set.of(), 6 * MS);
    List<LeaseAction> seen = new ArrayList<>();

    assertThat(run(10 * MS, 10_000 * MS, ask -> promisedBy(ask, "db2", "db3"), seen)).isEqualTo(2470 * MS);
    assertThat(seen).noneMatch(a -> a instanceof AskPromises);
  }

  @Test
  void theHoldEndsWhenTheMajorityReturnsAndTheLeaseTakesOver() {
    leaseHeld();
    List<LeaseAction> seen = new ArrayList<>();
    run(10 * MS, 8_000 * MS, ask -> promisedBy(ask, "db2", "db3"), seen);
    assertThat(keeper.failsafeActive()).isTrue();

    // The controllers are back: the next round is granted by a majority.
    Renew next = null;
    for (long t = 8_000 * MS; next == null; t += 10 * MS) {
      for (LeaseAction a : keeper.tick(t)) if (a instanceof Renew r) next = r;
    }
    keeper.onGrant(next.requestId(), "c1", true, 5, "", NODES, 8_600 * MS);
    List<LeaseAction> back = keeper.onGrant(next.requestId(), "c3", true, 5, "", NODES, 8_601 * MS);

    assertThat(back).anySatisfy(a -> assertThat(a).isInstanceOfSatisfying(FailsafeChanged.class,
        c -> assertThat(c.active()).isFalse()));
    assertThat(keeper.writable()).isTrue();
  }

  @Test
  void aNodeBoundByItsOwnPromiseWaitsBeforeBecomingWritable() {
    LeaseKeeper db2 = new LeaseKeeper("shop", "db2", LeaseSettings.DEFAULTS, 5, 3);
    db2.bindWritableUntil(3_030 * MS); // it promised db1 until then

    Renew r = (Renew) db2.onCommittedEpoch(6, "db2", 100 * MS).get(0);
    db2.onGrant(r.requestId(), "c1", true, 6, "", NODES, 110 * MS);
    List<LeaseAction> granted = db2.onGrant(r.requestId(), "c2", true, 6, "", NODES, 120 * MS);

    assertThat(granted).noneMatch(a -> a instanceof Unfence);
    assertThat(db2.writable()).isFalse();
    assertThat(db2.promiseWaitNanos(120 * MS)).isEqualTo(2_910 * MS);
    // Renewals granted as they go: the lease holds throughout, the promise decides.
    long unfencedAt = -1;
    for (long t = 130 * MS; t <= 3_100 * MS; t += 10 * MS) {
      List<LeaseAction> actions = new ArrayList<>(db2.tick(t));
      for (LeaseAction a : List.copyOf(actions)) {
        if (a instanceof Renew rr) {
          db2.onGrant(rr.requestId(), "c1", true, 6, "", NODES, t);
          actions.addAll(db2.onGrant(rr.requestId(), "c2", true, 6, "", NODES, t));
        }
      }
      for (LeaseAction a : actions) {
        if (a instanceof Unfence) {
          assertThat(unfencedAt).isEqualTo(-1);
          unfencedAt = t;
        }
      }
    }
    assertThat(unfencedAt).isEqualTo(3_030 * MS);
    assertThat(db2.writable()).isTrue();
  }

  /**
   * Relay: a primary cut off from every member asks its replicas with its newest round; the grants a
   * replica relays count as grants of that round, so the lease itself holds (no hold, no promise).
   */
  @Test
  void relayedGrantsOfTheNewestRoundKeepTheLeaseWithoutAnyPromise() {
    leaseHeld();
    List<LeaseAction> seen = new ArrayList<>();
    long fenced = -1;
    for (long t = 10 * MS; t < 30_000 * MS && fenced < 0; t += 10 * MS) {
      List<LeaseAction> actions = new ArrayList<>(keeper.tick(t));
      for (int i = 0; i < actions.size(); i++) {
        LeaseAction a = actions.get(i);
        seen.add(a);
        if (a instanceof Fence) fenced = t;
        if (a instanceof AskPromises ask) {
          assertThat(ask.renewRequestId()).as("the newest round rides along").isPositive();
          // db2 relays the round: two members grant it; db2 promises nothing.
          actions.addAll(keeper.onGrant(ask.renewRequestId(), "c2", true, 5, "", NODES, t));
          actions.addAll(keeper.onGrant(ask.renewRequestId(), "c3", true, 5, "", NODES, t));
          actions.addAll(keeper.onPromiseAnswer(new PromiseAnswer.Declined(ask.request().round(), "db2",
              PromiseAnswer.Reason.RELAYING, 5, "relayed"), t));
        }
      }
    }
    assertThat(fenced).as("fenced at").isEqualTo(-1);
    assertThat(keeper.writable()).isTrue();
    assertThat(keeper.failsafeActive()).as("held by the lease, not by a failsafe hold").isFalse();
    assertThat(seen).filteredOn(a -> a instanceof AskPromises).hasSizeGreaterThan(10);
  }

  /** A relayed refusal at the round's epoch (a replacement began) ends the claim like a direct one. */
  @Test
  void aRelayedRefusalFencesAtOnce() {
    leaseHeld();
    List<LeaseAction> out = new ArrayList<>();
    long t = 10 * MS;
    AskPromises ask = null;
    for (; t < 5_000 * MS && ask == null; t += 10 * MS) {
      for (LeaseAction a : keeper.tick(t)) if (a instanceof AskPromises p) ask = p;
    }
    assertThat(ask).as("asked before the lease ran out").isNotNull();
    out.addAll(keeper.onGrant(ask.renewRequestId(), "c2", false, 5, "REPLACEMENT_BEGUN", Set.of(), t));
    assertThat(out).anyMatch(a -> a instanceof Fence f && f.reason() == Reason.RENEWAL_REFUSED);
    assertThat(keeper.writable()).isFalse();
  }

  /**
   * The lease row the database's guard reads is written from remainingNanos: while a failsafe hold
   * keeps the database writable past the lease, remainingNanos covers the hold (else the guard would
   * fence a primary the hold keeps writable), and never outlasts what the keeper itself allows.
   */
  @Test
  void remainingCoversTheHoldAndNoMore() {
    leaseHeld();
    List<LeaseAction> seen = new ArrayList<>();
    long[] checked = {0};
    for (long t = 10 * MS; t < 20_000 * MS; t += 10 * MS) {
      List<LeaseAction> actions = new ArrayList<>(keeper.tick(t));
      for (int i = 0; i < actions.size(); i++) {
        if (actions.get(i) instanceof AskPromises ask) {
          for (PromiseAnswer p : promisedBy(ask, "db2", "db3")) actions.addAll(keeper.onPromiseAnswer(p, t));
        }
      }
      seen.addAll(actions);
      if (keeper.writable()) {
        assertThat(keeper.remainingNanos(t)).as("remaining at %d ms while writable", t / MS)
            .isGreaterThan(LeaseSettings.DEFAULTS.fenceLead().toNanos());
        assertThat(keeper.remainingNanos(t)).isLessThanOrEqualTo(LeaseSettings.DEFAULTS.validNanos());
        checked[0]++;
      }
    }
    assertThat(keeper.failsafeActive()).isTrue();
    assertThat(checked[0]).isGreaterThan(1000);
  }
}
