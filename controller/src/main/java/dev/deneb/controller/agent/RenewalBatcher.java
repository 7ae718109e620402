package dev.deneb.controller.agent;

import dev.deneb.controller.raft.CommandGateway;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.LeaseRenewal;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.RenewLeases;
import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Gathers the lease renewals this member receives during a short window into one {@code RenewLeases}
 * log entry (DESIGN §3.2 step 2), so the log carries a few entries per second however many primaries
 * renew. Each renewal still gets its own verdict from the state machine.
 *
 * <p>One thread owns the pending list and every flush: no locks in the hot path but the hand-off.
 */
public final class RenewalBatcher implements Closeable {
  /** A renewal's verdict as committed, or a failure to commit (no quorum). */
  public record Verdict(Refusal refusal, long clusterEpoch, String detail) {
    public boolean accepted() {
      return refusal == Refusal.REFUSAL_UNSPECIFIED;
    }
  }

  private record Pending(LeaseRenewal renewal, CompletableFuture<Verdict> verdict) {}

  private final CommandGateway gateway;
  private final Duration window;
  private final int maxPerEntry;
  private final LongConsumer entryCommitted;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "deneb-renewal-batcher");
    t.setDaemon(true);
    return t;
  });
  private List<Pending> pending = new ArrayList<>();
  private boolean flushScheduled;

  /** @param entryCommitted told the number of renewals in each committed entry (for metrics) */
  public RenewalBatcher(CommandGateway gateway, Duration window, int maxPerEntry, LongConsumer entryCommitted) {
    this.gateway = gateway;
    this.window = window;
    this.maxPerEntry = maxPerEntry;
    this.entryCommitted = entryCommitted;
  }

  public CompletableFuture<Verdict> renew(String cluster, String node, long epoch) {
    CompletableFuture<Verdict> verdict = new CompletableFuture<>();
    LeaseRenewal renewal = LeaseRenewal.newBuilder().setCluster(cluster).setNode(node).setEpoch(epoch).build();
    loop.execute(() -> add(new Pending(renewal, verdict)));
    return verdict;
  }

  private void add(Pending p) {
    pending.add(p);
    if (pending.size() >= maxPerEntry) {
      flush();
    } else if (!flushScheduled) {
      flushScheduled = true;
      loop.schedule(this::flush, window.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void flush() {
    flushScheduled = false;
    if (pending.isEmpty()) return;
    List<Pending> batch = pending;
    pending = new ArrayList<>();
    RenewLeases.Builder entry = RenewLeases.newBuilder();
    batch.forEach(p -> entry.addRenewals(p.renewal()));
    gateway.submit(Command.newBuilder().setRenewLeases(entry).build()).whenComplete((result, error) -> {
      if (error != null) {
        batch.forEach(p -> p.verdict().completeExceptionally(error));
        return;
      }
      entryCommitted.accept(batch.size());
      answer(batch, result);
    });
  }

  private static void answer(List<Pending> batch, CommandResult result) {
    for (int i = 0; i < batch.size(); i++) {
      Refusal refusal = i < result.getRenewalRefusalsCount() ? result.getRenewalRefusals(i) : Refusal.INVALID_ARGUMENT;
      batch.get(i).verdict().complete(new Verdict(refusal, result.getEpoch(), result.getMessage()));
    }
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }
}
