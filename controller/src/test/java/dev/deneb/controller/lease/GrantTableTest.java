package dev.deneb.controller.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.WorkflowRecord;
import dev.deneb.protocol.WorkflowStep;
import dev.deneb.state.DenebState;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class GrantTableTest {
  static final long MS = 1_000_000;
  final AtomicReference<DenebState> applied = new AtomicReference<>(state(cluster(3, "db1", false)));
  final GrantTable table = new GrantTable(applied::get, 0);
  final LeaseKey db1At3 = new LeaseKey("orders", "db1", 3);

  {
    table.markCaughtUp();
  }

  @Test
  void aMemberGrantsNothingUntilItCaughtUpWithTheGroup() {
    GrantTable started = new GrantTable(applied::get, 0);
    assertThat(started.grant("orders", "db1", 3, 1000 * MS)).isEqualTo(Refusal.MEMBER_CATCHING_UP);
    assertThat(started.view(db1At3, 1500 * MS).granted()).isFalse();
    started.markCaughtUp();
    assertThat(started.grant("orders", "db1", 3, 1000 * MS)).isEqualTo(Refusal.REFUSAL_UNSPECIFIED);
  }

  @Test
  void grantsOnlyTheCurrentEpochsPrimaryAndRecordsWhen() {
    assertThat(table.grant("orders", "db1", 3, 1000 * MS)).isEqualTo(Refusal.REFUSAL_UNSPECIFIED);
    assertThat(table.grant("orders", "db2", 3, 1000 * MS)).isEqualTo(Refusal.NOT_PRIMARY);
    assertThat(table.grant("orders", "db1", 2, 1000 * MS)).isEqualTo(Refusal.STALE_EPOCH);
    assertThat(table.grant("orders", "db1", 4, 1000 * MS)).isEqualTo(Refusal.INVALID_ARGUMENT);
    assertThat(table.grant("nope", "db1", 3, 1000 * MS)).isEqualTo(Refusal.UNKNOWN_CLUSTER);
    assertThat(table.view(db1At3, 1400 * MS)).isEqualTo(new LeaseView(false, true, 400));
  }

  @Test
  void aMemberThatAppliedTheBeginIsClosedAndItsSilenceCoversEveryEarlierGrant() {
    table.grant("orders", "db1", 3, 1000 * MS);
    applied.set(state(cluster(3, "db1", true)));
    assertThat(table.grant("orders", "db1", 3, 1200 * MS)).isEqualTo(Refusal.WORKFLOW_IN_FLIGHT);
    // The refused round is not a grant: the silence still counts from 1000 ms.
    assertThat(table.view(db1At3, 1500 * MS)).isEqualTo(new LeaseView(true, true, 500));
  }

  @Test
  void aNewerEpochKeepsTheNewestGrantOfTheOlderLeaseAsAnUpperBound() {
    table.grant("orders", "db1", 3, 1000 * MS);
    applied.set(state(cluster(4, "db2", false)));
    table.applied("orders", applied.get(), 1100 * MS);
    table.grant("orders", "db2", 4, 1300 * MS);
    assertThat(table.view(db1At3, 2000 * MS)).isEqualTo(new LeaseView(true, true, 1000));
    assertThat(table.view(new LeaseKey("orders", "db2", 4), 2000 * MS)).isEqualTo(new LeaseView(false, true, 700));
  }

  @Test
  void aNewPrimarysSilenceCountsFromWhenTheMemberAppliedItsEpoch() {
    applied.set(state(cluster(4, "db2", false)));
    table.applied("orders", applied.get(), 5000 * MS);
    assertThat(table.view(new LeaseKey("orders", "db2", 4), 5200 * MS)).isEqualTo(new LeaseView(false, false, 200));
  }

  @Test
  void aRestartedMemberCountsItsStartAsAGrant() {
    GrantTable restarted = new GrantTable(applied::get, 7000 * MS);
    restarted.markCaughtUp();
    assertThat(restarted.view(db1At3, 7300 * MS)).isEqualTo(new LeaseView(false, false, 300));
  }

  @Test
  void aFrozenMembersSilenceCountsFromItsReturnAndNeverGrowsLonger() {
    table.grant("orders", "db1", 3, 1000 * MS);
    // Frozen from 1.1 s to 31 s: without the floor it would say "no grant for 30 s" at once.
    assertThat(table.view(db1At3, 31_000 * MS).silenceMillis()).isEqualTo(30_000);
    table.resumedAt(31_000 * MS);
    assertThat(table.view(db1At3, 31_200 * MS)).isEqualTo(new LeaseView(false, true, 200));
    // An older resume never moves the floor back.
    table.resumedAt(20_000 * MS);
    assertThat(table.view(db1At3, 31_300 * MS).silenceMillis()).isEqualTo(300);
    // A grant after the return counts as usual.
    table.grant("orders", "db1", 3, 31_500 * MS);
    assertThat(table.view(db1At3, 32_000 * MS).silenceMillis()).isEqualTo(500);
  }

  @Test
  void aPauseWatchReportsOnlyGapsBeyondItsThreshold() {
    java.util.List<Long> resumed = new java.util.ArrayList<>();
    PauseWatch watch = new PauseWatch(java.time.Duration.ofSeconds(2), resumed::add);
    assertThat(watch.tick(0)).isZero();
    assertThat(watch.tick(100 * MS)).isZero();
    assertThat(watch.tick(2_000 * MS)).as("1.9 s late: scheduling noise, not a freeze").isZero();
    assertThat(watch.tick(32_000 * MS)).isEqualTo(30_000 * MS);
    assertThat(watch.tick(32_100 * MS)).isZero();
    assertThat(resumed).containsExactly(32_000 * MS);
  }

  @Test
  void askingAboutUnknownLeasesKeepsNoState() {
    table.view(new LeaseKey("ghost", "x", 9), 10 * MS);
    assertThat(table.size()).isZero();
  }

  static ClusterRecord cluster(long epoch, String primary, boolean replacing) {
    ClusterRecord.Builder b = ClusterRecord.newBuilder().setName("orders").setEpoch(epoch).setPrimary(primary)
        .addNodes(NodeRecord.newBuilder().setNode("db1")).addNodes(NodeRecord.newBuilder().setNode("db2"));
    if (replacing) {
      b.setWorkflow(WorkflowRecord.newBuilder().setTargetEpoch(epoch + 1).setFrom(primary).setStep(WorkflowStep.BEGUN));
    }
    return b.build();
  }

  static DenebState state(ClusterRecord c) {
    TreeMap<String, ClusterRecord> m = new TreeMap<>();
    m.put(c.getName(), c);
    return new DenebState(m);
  }
}
