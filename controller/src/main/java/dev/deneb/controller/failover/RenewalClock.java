package dev.deneb.controller.failover;

import dev.deneb.protocol.Command;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.LeaseRenewal;
import dev.deneb.protocol.Refusal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * When this member applied the newest accepted renewal of each cluster's primary (DESIGN §3.2 step
 * 6), on its own monotonic clock: kept outside the replicated state, fed by the apply thread. Applying
 * happens after the agent sent the renewal, so the lapse rule measured from here is conservative.
 * A member that becomes leader calls {@link #restartAll} — it cannot know when renewals it did not
 * see were accepted, so it counts from its own start of leadership.
 */
public final class RenewalClock {
  private record Key(String cluster, String node, long epoch) {}

  private final Map<Key, Long> lastSeen = new ConcurrentHashMap<>();
  /** Primaries this member has applied at least one accepted renewal from, per epoch. */
  private final java.util.Set<Key> renewed = ConcurrentHashMap.newKeySet();
  private final LongSupplier nanos;
  private volatile long floorNanos;

  public RenewalClock(LongSupplier nanos) {
    this.nanos = nanos;
    this.floorNanos = nanos.getAsLong();
  }

  /** A {@code DenebStateMachine.CommandListener}: records the accepted renewals of a batch. */
  public void applied(Command command, CommandResult result) {
    if (command.getKindCase() != Command.KindCase.RENEW_LEASES) return;
    long now = nanos.getAsLong();
    var renewals = command.getRenewLeases().getRenewalsList();
    for (int i = 0; i < renewals.size() && i < result.getRenewalRefusalsCount(); i++) {
      if (result.getRenewalRefusals(i) == Refusal.REFUSAL_UNSPECIFIED) {
        LeaseRenewal r = renewals.get(i);
        Key key = new Key(r.getCluster(), r.getNode(), r.getEpoch());
        lastSeen.put(key, now);
        renewed.add(key);
      }
    }
  }

  /**
   * The orchestrator saw {@code epoch} naming {@code node}: a primary that has not renewed yet in a
   * new epoch counts as renewed now, so it gets a whole TTL before its lease can count as lapsed.
   */
  public void noteEpoch(String cluster, String node, long epoch) {
    lastSeen.putIfAbsent(new Key(cluster, node, epoch), nanos.getAsLong());
  }

  /**
   * Whether {@code node} ever held a lease in {@code epoch} as far as this member applied the log. A
   * primary that never did was never writable in it: its silence is not a failure (an agent that has
   * not started yet after a bootstrap), only its agent's report of a dead mysqld is.
   */
  public boolean everRenewed(String cluster, String node, long epoch) {
    return renewed.contains(new Key(cluster, node, epoch));
  }

  /** Leadership began (or changed hands): every silence counts from now. */
  public void restartAll() {
    floorNanos = nanos.getAsLong();
  }

  /** Milliseconds since the newest accepted renewal of {@code node} in {@code epoch}, or since {@link #restartAll}. */
  public long silenceMillis(String cluster, String node, long epoch) {
    long seen = Math.max(floorNanos, lastSeen.getOrDefault(new Key(cluster, node, epoch), floorNanos));
    return (nanos.getAsLong() - seen) / 1_000_000;
  }
}
