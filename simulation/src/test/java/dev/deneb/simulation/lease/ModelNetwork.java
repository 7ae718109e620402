package dev.deneb.simulation.lease;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The model's network between processes named by id ({@code m1..m3}, {@code db1}, {@code db2}): every
 * message is delayed (0-300 ms), may be dropped or delivered twice (so messages overtake each other),
 * and is lost if its link is cut when it arrives. Links are cut and healed by {@link Faults}; cuts
 * nest (a link is cut while any cut covers it).
 *
 * <p>Not modelled: streams that stay ordered while connected (gRPC) — every message here is on its
 * own, which only adds schedules.
 */
final class ModelNetwork {
  /** A process that receives messages; a paused one holds them until it resumes (socket buffers). */
  interface Process {
    String id();

    void receive(String what, Runnable handler);
  }

  private final EventScheduler clock;
  private final SplittableRandom random;
  private final Map<String, Integer> cuts = new HashMap<>();
  private final double dropRate;
  private final double duplicateRate;
  long sent;
  long lost;

  ModelNetwork(EventScheduler clock, SplittableRandom random, double dropRate, double duplicateRate) {
    this.clock = clock;
    this.random = random;
    this.dropRate = dropRate;
    this.duplicateRate = duplicateRate;
  }

  private static String link(String a, String b) {
    return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
  }

  void cut(String a, String b) {
    cuts.merge(link(a, b), 1, Integer::sum);
  }

  void heal(String a, String b) {
    cuts.computeIfPresent(link(a, b), (k, n) -> n <= 1 ? null : n - 1);
  }

  boolean connected(String a, String b) {
    return !cuts.containsKey(link(a, b));
  }

  /** Sends {@code what} from {@code from} to {@code to}, who runs {@code handler} on delivery. */
  void send(String from, Process to, String what, Runnable handler) {
    send(from, to, what, handler, random);
  }

  /**
   * As {@link #send(String, Process, String, Runnable)}, drawing loss, duplication and delay from
   * {@code draws}: traffic that a variant of the model adds or leaves out (the catch-up reads) draws from
   * its own stream, so every other draw of a seed stays as it was.
   */
  void send(String from, Process to, String what, Runnable handler, SplittableRandom draws) {
    sent++;
    if (draws.nextDouble() < dropRate) {
      lost++;
      return;
    }
    int copies = draws.nextDouble() < duplicateRate ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      clock.after(delay(draws), from + "->" + to.id() + " " + what, () -> {
        if (!connected(from, to.id())) {
          lost++;
          return;
        }
        to.receive(what, handler);
      });
    }
  }

  /** Mostly a LAN's few milliseconds, sometimes up to 300 ms. */
  private static long delay(SplittableRandom random) {
    long micros = random.nextInt(4) == 0 ? random.nextLong(0, 300_000) : random.nextLong(0, 20_000);
    return micros * 1_000;
  }
}
