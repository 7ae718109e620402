package dev.deneb.controller.lease;

import dev.deneb.controller.raft.CommandGateway;
import dev.deneb.protocol.Query;
import java.io.Closeable;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens this member's {@link GrantTable} once its applied state has caught up with the group (docs/
 * lease.md, "Member restarts"): a linearizable read served by this member returns only after it has
 * applied everything a leader had committed when the read began, so any workflow begin it had applied
 * before a restart is applied again. Until then it grants no lease. Retried every {@code every} while
 * no leader and majority answer (then no grant is possible anywhere that needs this member anyway).
 */
public final class CatchUpGate implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(CatchUpGate.class);

  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "deneb-lease-catch-up");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean asking = new AtomicBoolean();

  public CatchUpGate(CommandGateway gateway, GrantTable grants, Duration every) {
    long[] tries = {0};
    loop.scheduleWithFixedDelay(() -> {
      if (grants.caughtUp() || !asking.compareAndSet(false, true)) return;
      tries[0]++;
      gateway.read(Query.newBuilder().setCluster("").build()).whenComplete((r, e) -> {
        asking.set(false);
        if (e != null) {
          if (tries[0] % 25 == 1) LOG.info("lease grants wait until this member has caught up with the group: {}", e.getMessage());
          return;
        }
        if (!grants.caughtUp()) {
          grants.markCaughtUp();
          LOG.info("caught up with the group at applied index {}: this member now grants leases", r.getAppliedIndex());
          loop.shutdown();
        }
      });
    }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }
}
