package dev.deneb.controller.api;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.state.ratis.DenebStateMachine.Image;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Long-poll support: futures that complete when this member has applied an epoch above the one a
 * client already knows (or the cluster is gone), or when the wait runs out. Fed by the state
 * machine's apply listener; holds no thread per waiter.
 */
final class EpochWatch implements Consumer<Image> {
  private record Waiter(String cluster, long after, CompletableFuture<Void> done) {}

  private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
  private final Supplier<Image> current;

  EpochWatch(Supplier<Image> current) {
    this.current = current;
  }

  /** Completes normally either way; the caller reads the state again to answer. */
  CompletableFuture<Void> awaitEpochAbove(String cluster, long after, Duration max) {
    Waiter w = new Waiter(cluster, after, new CompletableFuture<>());
    waiters.add(w);
    // Checked after registering, so an apply between the caller's read and now is not missed.
    if (satisfied(w, current.get())) w.done().complete(null);
    w.done().completeOnTimeout(null, max.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((v, e) -> waiters.remove(w));
    return w.done();
  }

  @Override
  public void accept(Image image) {
    if (waiters.isEmpty()) return;
    for (Waiter w : waiters) {
      if (satisfied(w, image)) w.done().complete(null);
    }
  }

  private static boolean satisfied(Waiter w, Image image) {
    Optional<ClusterRecord> c = image.state().cluster(w.cluster());
    return c.isEmpty() || c.get().getEpoch() > w.after();
  }

  int waiting() {
    return waiters.size();
  }
}
