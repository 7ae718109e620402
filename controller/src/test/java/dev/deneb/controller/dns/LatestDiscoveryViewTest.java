package dev.deneb.controller.dns;

import static dev.deneb.controller.dns.States.cluster;
import static dev.deneb.controller.dns.States.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.state.DenebState;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LatestDiscoveryViewTest {
  @Test
  void answersFromTheNewestAppliedStateAndDerivesEachStateOnce() {
    AtomicReference<DenebState> applied = new AtomicReference<>(state(cluster("orders", 1, "n1", "10.0.0.1", "10.0.0.2")));
    LatestDiscoveryView views = new LatestDiscoveryView(applied::get);

    DiscoveryView first = views.get();
    assertThat(first.cluster("orders").orElseThrow().node()).isEqualTo("n1");
    assertThat(views.get()).isSameAs(first); // same state: not derived again

    applied.set(state(cluster("orders", 2, "n2", "10.0.0.1", "10.0.0.2")));
    DiscoveryView second = views.get();
    assertThat(second.cluster("orders").orElseThrow().epoch()).isEqualTo(2);
    assertThat(second.cluster("orders").orElseThrow().endpoint().orElseThrow().host()).isEqualTo("10.0.0.2");
    assertThat(second).isEqualTo(DiscoveryView.from(applied.get()));
  }
}
