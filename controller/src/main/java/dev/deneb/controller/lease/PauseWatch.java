package dev.deneb.controller.lease;

import java.io.Closeable;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that this member was frozen — SIGSTOP, a stalled VM or host, a long GC — by a tick that
 * comes far later than scheduled, and tells the {@link GrantTable} ({@link GrantTable#resumedAt}).
 * {@link #tick} is the whole decision (pure, time passed in); the scheduler only calls it.
 */
public final class PauseWatch implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(PauseWatch.class);
  private static final long NONE = Long.MIN_VALUE;

  private final long thresholdNanos;
  private final LongConsumer resumed;
  private long lastTick = NONE;
  private ScheduledExecutorService loop;

  /**
   * @param threshold a gap between ticks longer than this is a freeze (the tick itself runs every
   *     100 ms; two seconds is far beyond scheduling noise and below any lease TTL worth having)
   * @param resumed told the local time a freeze ended
   */
  public PauseWatch(Duration threshold, LongConsumer resumed) {
    this.thresholdNanos = threshold.toNanos();
    this.resumed = resumed;
  }

  /** One tick at {@code now}: returns the length of the freeze that just ended, in nanoseconds, or 0. */
  public synchronized long tick(long now) {
    long gap = lastTick == NONE ? 0 : now - lastTick;
    lastTick = now;
    if (gap <= thresholdNanos) return 0;
    resumed.accept(now);
    return gap;
  }

  /** Ticks every 100 ms on its own thread, on {@code clock}. */
  public PauseWatch start(LongSupplier clock) {
    loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "deneb-pause-watch");
      t.setDaemon(true);
      return t;
    });
    loop.scheduleWithFixedDelay(() -> {
      long gap = tick(clock.getAsLong());
      if (gap > 0) {
        LOG.warn("this member was frozen for about {} ms (SIGSTOP, a stalled host or a long GC): lease silences count"
            + " from now, as after a restart, so a primary is not failed over for this member's own absence", gap / 1_000_000);
      }
    }, 100, 100, TimeUnit.MILLISECONDS);
    return this;
  }

  @Override
  public void close() {
    if (loop != null) loop.shutdownNow();
  }
}
