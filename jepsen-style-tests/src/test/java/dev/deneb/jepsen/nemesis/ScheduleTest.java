package dev.deneb.jepsen.nemesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScheduleTest {

  private static List<Schedule.Step> steps(long seed, Set<Nemesis> nemeses, int n) {
    Schedule s = new Schedule(seed, nemeses, 4000, 8000);
    List<Schedule.Step> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(s.next());
    return out;
  }

  @Test
  void theSameSeedGivesTheSameSchedule() {
    assertThat(steps(42, EnumSet.allOf(Nemesis.class), 40)).isEqualTo(steps(42, EnumSet.allOf(Nemesis.class), 40));
    assertThat(steps(42, EnumSet.allOf(Nemesis.class), 40)).isNotEqualTo(steps(43, EnumSet.allOf(Nemesis.class), 40));
  }

  @Test
  void everyRoundRunsEveryNemesisOnceWithHoldsInRange() {
    Set<Nemesis> all = EnumSet.allOf(Nemesis.class);
    List<Schedule.Step> two = steps(7, all, 2 * all.size());
    assertThat(two.subList(0, all.size()).stream().map(Schedule.Step::nemesis)).containsExactlyInAnyOrderElementsOf(all);
    assertThat(two.subList(all.size(), two.size()).stream().map(Schedule.Step::nemesis)).containsExactlyInAnyOrderElementsOf(all);
    assertThat(two).allSatisfy(s -> assertThat(s.holdMillis()).isBetween(4000L, 8000L));
  }

  @Test
  void firstRoundDoneOnlyOnceEveryNemesisWasHandedOut() {
    Schedule s = new Schedule(1, EnumSet.of(Nemesis.KILL_MYSQLD, Nemesis.KILL_LEADER), 0, 0);
    assertThat(s.firstRoundDone()).isFalse();
    s.next();
    assertThat(s.firstRoundDone()).isFalse();
    s.next();
    assertThat(s.firstRoundDone()).isTrue();
  }

  @Test
  void parsesAllAndListsAndNamesAnUnknownNemesis() {
    assertThat(Nemesis.parse("all")).hasSize(Nemesis.values().length);
    assertThat(Nemesis.parse("kill-mysqld, latency-agents")).containsExactlyInAnyOrder(Nemesis.KILL_MYSQLD, Nemesis.LATENCY_AGENTS);
    assertThat(Nemesis.parse("quorum-loss,quorum-loss+partition-primary-replicas")).containsExactlyInAnyOrder(
        Nemesis.QUORUM_LOSS, Nemesis.QUORUM_LOSS_PARTITION_PRIMARY_REPLICAS);
    assertThatThrownBy(() -> Nemesis.parse("kill-mysqld,nuke")).hasMessageContaining("unknown nemesis 'nuke'")
        .hasMessageContaining("pause-minority");
  }
}
