package dev.deneb.jepsen.nemesis;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The seeded order of faults: rounds of every chosen nemesis in a shuffled order, each with how
 * long it is held and which node or member it picks. The same seed and nemesis set always give the
 * same sequence, so a failing seed replays the same faults; the concrete node is resolved against
 * the cluster at injection time (the primary, or the n-th replica in name order), which is what
 * makes a schedule reproducible although failovers move the primary.
 */
public final class Schedule {

  /**
   * One planned fault.
   *
   * @param round 1-based round; every nemesis runs once per round
   * @param nemesis what to inject
   * @param onPrimary for node-process faults: the primary rather than a replica
   * @param pick which replica, controller follower or the like (taken modulo how many there are)
   * @param holdMillis how long the fault stays before the heal
   * @param latencyMillis for {@link Nemesis#LATENCY_AGENTS}: the added latency; jitter is half of it
   */
  public record Step(int round, Nemesis nemesis, boolean onPrimary, int pick, long holdMillis, long latencyMillis) {}

  private final Random random;
  private final List<Nemesis> nemeses;
  private final long minHoldMillis;
  private final long maxHoldMillis;
  private final List<Step> pending = new ArrayList<>();
  private int round;

  /**
   * @param seed the run's seed
   * @param nemeses the faults to draw from (taken in their enum order before shuffling, so the set's
   *     iteration order does not matter)
   * @param minHoldMillis shortest hold of a fault
   * @param maxHoldMillis longest hold of a fault
   */
  public Schedule(long seed, Set<Nemesis> nemeses, long minHoldMillis, long maxHoldMillis) {
    if (nemeses.isEmpty()) throw new IllegalArgumentException("a schedule needs at least one nemesis");
    if (minHoldMillis < 0 || maxHoldMillis < minHoldMillis) {
      throw new IllegalArgumentException("fault hold must satisfy 0 <= min <= max, got " + minHoldMillis + ".." + maxHoldMillis + " ms");
    }
    this.random = new Random(seed);
    this.nemeses = nemeses.stream().sorted().toList();
    this.minHoldMillis = minHoldMillis;
    this.maxHoldMillis = maxHoldMillis;
  }

  /** The next fault; a new round (every nemesis once, shuffled) starts when the last one is used up. */
  public Step next() {
    if (pending.isEmpty()) {
      round++;
      List<Nemesis> order = new ArrayList<>(nemeses);
      java.util.Collections.shuffle(order, random);
      for (Nemesis n : order) {
        boolean onPrimary = random.nextInt(4) != 0;
        int pick = random.nextInt(1 << 16);
        long hold = minHoldMillis + (maxHoldMillis == minHoldMillis ? 0 : random.nextLong(maxHoldMillis - minHoldMillis + 1));
        long latency = 50 + random.nextInt(251);
        pending.add(new Step(round, n, onPrimary, pick, hold, latency));
      }
    }
    return pending.remove(0);
  }

  /** True once every nemesis of the first round has been handed out. */
  public boolean firstRoundDone() {
    return round > 1 || (round == 1 && pending.isEmpty());
  }
}
