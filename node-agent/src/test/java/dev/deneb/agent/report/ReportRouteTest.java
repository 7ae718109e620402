package dev.deneb.agent.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReportRouteTest {
  final ReportRoute route = new ReportRoute();

  @Test
  void reportsGoToEveryMemberUntilALeaderIsNamed() {
    assertThat(route.leader()).isEmpty();
    assertThat(route.onLeader("", 3)).isFalse();
    assertThat(route.onLeader("c2", 3)).isTrue();
    assertThat(route.leader()).isEqualTo("c2");
    // The same news from another member changes nothing.
    assertThat(route.onLeader("c2", 3)).isFalse();
  }

  @Test
  void theHighestTermWinsSoADeposedLeaderNeverTakesReportsBack() {
    route.onLeader("c1", 4);
    assertThat(route.onLeader("c2", 5)).isTrue();
    assertThat(route.onLeader("c1", 4)).isFalse();
    assertThat(route.leader()).isEqualTo("c2");
  }

  @Test
  void anElectionSendsReportsToEveryoneUntilItsWinnerIsKnown() {
    route.onLeader("c1", 4);
    assertThat(route.onLeader("", 5)).isTrue();
    assertThat(route.leader()).isEmpty();
    // A member still in term 5 without a leader says nothing new; the winner's name does.
    assertThat(route.onLeader("", 5)).isFalse();
    assertThat(route.onLeader("c3", 5)).isTrue();
    assertThat(route.leader()).isEqualTo("c3");
  }
}
