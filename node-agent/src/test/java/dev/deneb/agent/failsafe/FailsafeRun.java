package dev.deneb.agent.failsafe;

import dev.deneb.agent.lease.LeaseSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * One seeded run of a primary asking its replicas for promises while no controller answers, checked
 * for S1 on a 10 ms grid of real time: the primary's hold and a released replica (which the
 * controllers may then promote) never overlap.
 *
 * <p>Each process has its own clock (rate within {@code [1-ρ, 1+ρ]}, any offset). Requests and answers
 * are delayed (0–1.5 s), dropped, or reordered. Each replica learns at a random time that a workflow
 * replacing the primary began (it seals the epoch) and may restart at a random time (a new book).
 */
final class FailsafeRun {
  static final long MS = 1_000_000;
  static final long EPOCH = 5;
  static final String CLUSTER = "orders";

  /** Ways to break the rule, to show the check can fail. */
  enum Mutant {
    NONE,
    /** The primary's confirmed membership misses one replica, which the controllers may still promote. */
    PROMOTES_OUTSIDE_CONFIRMED_MEMBERSHIP,
    /** A replica binds itself for the requested duration only, without the drift margin. */
    PROMISE_WITHOUT_DRIFT_MARGIN
  }

  private record Event(long at, long seq, Runnable action) {}

  private final Random random;
  private final Mutant mutant;
  private final double drift = 0.01;
  private final LeaseSettings settings;
  private final PriorityQueue<Event> queue =
      new PriorityQueue<>((a, b) -> a.at() != b.at() ? Long.compare(a.at(), b.at()) : Long.compare(a.seq(), b.seq()));
  private long seq;
  private long now;
  private final Clock primaryClock;
  private final FailsafeHold hold;
  private final List<Replica> replicas = new ArrayList<>();
  /** Set when S1 failed: what overlapped, and when. */
  private String violation;
  private int fullRounds;

  /** A monotonic clock: local = offset + rate · real. */
  private record Clock(long offset, double rate) {
    long local(long real) {
      return offset + (long) (rate * real);
    }
  }

  private final class Replica {
    final String name;
    final Clock clock;
    PromiseBook book;
    boolean sealed;

    Replica(String name, Clock clock) {
      this.name = name;
      this.clock = clock;
      this.book = newBook(0);
    }

    PromiseBook newBook(long real) {
      double bookDrift = mutant == Mutant.PROMISE_WITHOUT_DRIFT_MARGIN ? 0 : drift;
      PromiseBook b = new PromiseBook(CLUSTER, name, settings.ttl().toNanos(), bookDrift, clock.local(real));
      if (sealed) b.seal(EPOCH);
      return b;
    }

    boolean released(long real) {
      return book.released(EPOCH, clock.local(real));
    }
  }

  FailsafeRun(long seed, Mutant mutant) {
    this.random = new Random(seed);
    this.mutant = mutant;
    long fenceLead = mutant == Mutant.NONE && random.nextBoolean() ? 500 * MS : 0;
    this.settings = new LeaseSettings(Duration.ofSeconds(3), drift, Duration.ofNanos(fenceLead), Duration.ofSeconds(1));
    this.primaryClock = clock();
    this.hold = new FailsafeHold(CLUSTER, "db1", settings);
    int count = 1 + random.nextInt(3);
    Set<String> membership = new TreeSet<>(Set.of("db1"));
    for (int i = 0; i < count; i++) {
      Replica r = new Replica("db" + (i + 2), clock());
      replicas.add(r);
      membership.add(r.name);
    }
    if (mutant == Mutant.PROMOTES_OUTSIDE_CONFIRMED_MEMBERSHIP && count > 1) membership.remove(replicas.get(0).name);
    hold.confirm(EPOCH, membership);
  }

  private Clock clock() {
    return new Clock(random.nextInt(1_000_000) * MS, 1 - drift + 2 * drift * random.nextDouble());
  }

  private void at(long real, Runnable action) {
    queue.add(new Event(real, seq++, action));
  }

  /** Runs 30 s of real time; returns the violation, if any. */
  Optional<String> run() {
    long end = 30_000 * MS;
    for (long t = 0; t < end; t += settings.renewNanos()) {
      long sendAt = t + random.nextInt(50) * MS;
      at(sendAt, this::ask);
    }
    for (Replica r : replicas) {
      long sealAt = random.nextInt(25_000) * MS;
      at(sealAt, () -> {
        r.sealed = true;
        r.book.seal(EPOCH);
      });
      if (random.nextInt(4) == 0) {
        long restartAt = random.nextInt(25_000) * MS;
        at(restartAt, () -> r.book = r.newBook(restartAt));
      }
    }
    for (long t = 0; t < end; t += 10 * MS) {
      long check = t;
      at(check, () -> check(check));
    }
    while (!queue.isEmpty() && violation == null) {
      Event e = queue.poll();
      now = e.at();
      e.action().run();
    }
    return Optional.ofNullable(violation);
  }

  int fullRounds() {
    return fullRounds;
  }

  private void ask() {
    Optional<PromiseRequest> request = hold.ask(primaryClock.local(now));
    if (request.isEmpty()) return;
    for (Replica r : replicas) {
      if (random.nextInt(10) == 0) continue; // lost
      at(now + delay(), () -> {
        PromiseBook.View view = new PromiseBook.View(EPOCH, "db1", false, false, true);
        PromiseAnswer answer = r.book.answer(request.get(), view, r.clock.local(now));
        if (random.nextInt(10) == 0) return; // answer lost
        at(now + delay(), () -> {
          long before = hold.holdUntil();
          hold.onAnswer(answer);
          if (hold.holdUntil() != before) fullRounds++;
        });
      });
    }
  }

  private long delay() {
    return random.nextInt(4) == 0 ? random.nextInt(1_500) * MS : random.nextInt(5) * MS;
  }

  private void check(long real) {
    if (!hold.holds(primaryClock.local(real))) return;
    for (Replica r : replicas) {
      if (r.released(real)) {
        violation = "at " + real / MS + " ms the primary's hold runs (until its local " + hold.holdUntil() / MS
            + " ms, now " + primaryClock.local(real) / MS + ") while " + r.name + " is released and may be promoted";
        return;
      }
    }
  }
}
