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
}
