package dev.deneb.controller.dns;

import static dev.deneb.controller.dns.States.atStep;
import static dev.deneb.controller.dns.States.cluster;
import static dev.deneb.controller.dns.States.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.controller.dns.DiscoveryView.Endpoint;
import dev.deneb.controller.dns.DiscoveryView.Entry;
import dev.deneb.protocol.WorkflowStep;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DiscoveryViewTest {

  @Test
  void steadyClusterNamesItsPrimary() {
    DiscoveryView view = DiscoveryView.from(state(cluster("shop", 3, "n2", "10.0.0.1", "10.0.0.2")));
    assertThat(view.cluster("shop")).contains(new Entry("shop", 3, "n2", Optional.of(new Endpoint("10.0.0.2", 3306))));
  }

  @Test
  void epochZeroHasNoEndpoint() {
    DiscoveryView view = DiscoveryView.from(state(cluster("shop", 0, "", "10.0.0.1")));
    assertThat(view.cluster("shop")).contains(new Entry("shop", 0, "", Optional.empty()));
  }

  @ParameterizedTest
  @EnumSource(value = WorkflowStep.class, names = {"BEGUN", "FENCED", "PROMOTED", "DISCOVERY_PUBLISHED", "REPOINTED"})
  void primaryIsAnswerableOutsideCandidateChosen(WorkflowStep step) {
    DiscoveryView view = DiscoveryView.from(state(atStep(cluster("shop", 4, "n1", "10.0.0.1", "10.0.0.2"), step)));
    assertThat(view.cluster("shop").orElseThrow().endpoint()).contains(new Endpoint("10.0.0.1", 3306));
  }

  @Test
  void candidateChosenHasNoEndpointButKeepsEpochAndNode() {
    DiscoveryView view = DiscoveryView.from(state(atStep(cluster("shop", 5, "n2", "10.0.0.1", "10.0.0.2"),
        WorkflowStep.CANDIDATE_CHOSEN)));
    assertThat(view.cluster("shop")).contains(new Entry("shop", 5, "n2", Optional.empty()));
  }

  @Test
  void zoneSerialCountsRetiredEpochsSoItNeverGoesBack() {
    DiscoveryView before = DiscoveryView.from(state(cluster("a", 3, "n1", "h"), cluster("b", 5, "n1", "h")));
    DiscoveryView afterDelete = DiscoveryView.from(States.withRetired(state(cluster("a", 3, "n1", "h")), Map.of("b", 5L)));
    DiscoveryView recreated = DiscoveryView.from(States.withRetired(
        state(cluster("a", 3, "n1", "h"), cluster("b", 6, "n1", "h")), Map.of("b", 5L)));
    assertThat(before.zoneSerial()).isEqualTo(8);
    assertThat(afterDelete.zoneSerial()).isEqualTo(8);
    assertThat(recreated.zoneSerial()).isEqualTo(9);
  }
}
