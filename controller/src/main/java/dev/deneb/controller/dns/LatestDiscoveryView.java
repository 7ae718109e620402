package dev.deneb.controller.dns;

import dev.deneb.state.DenebState;
import java.util.function.Supplier;

/**
 * The discovery view of the newest applied state, derived when a query needs it and at most once
 * per state (STYLE 12: DNS never reads live state, only an immutable view of an applied one).
 *
 * <p>It was rebuilt after every apply: O(clusters) per command, which at 10,000 clusters made each
 * commit of a failover pay for every other cluster whether or not anyone asked DNS.
 */
public final class LatestDiscoveryView implements Supplier<DiscoveryView> {
  private record Derived(DenebState state, DiscoveryView view) {}

  private final Supplier<DenebState> applied;
  private volatile Derived last;

  public LatestDiscoveryView(Supplier<DenebState> applied) {
    this.applied = applied;
    DenebState now = applied.get();
    this.last = new Derived(now, DiscoveryView.from(now));
  }

  /** The view of the state applied now; threads racing on a new state may both derive it (it is pure). */
  @Override
  public DiscoveryView get() {
    DenebState now = applied.get();
    Derived d = last;
    if (d.state() == now) return d.view();
    Derived fresh = new Derived(now, DiscoveryView.from(now));
    last = fresh;
    return fresh.view();
  }
}
