package dev.deneb.agent.fence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.fencing.FenceOutcome;
import dev.deneb.fencing.dialect.ReadOnlyState;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SqlReadOnlyRungTest {
  final FenceRequest request = new FenceRequest("orders", "db1", 2, "LEASE_EXPIRING: test");

  /** Answers from a script: an outcome, an exception, or "hang until aborted". */
  static final class ScriptedDb implements SqlReadOnlyRung.Target {
    final Deque<Object> script = new ArrayDeque<>();
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger aborts = new AtomicInteger();
    volatile CountDownLatch hanging = new CountDownLatch(1);
    volatile boolean ignoreAbort;

    @Override
    public FenceOutcome fence(Duration budget) throws SQLException {
      calls.incrementAndGet();
      Object next = script.isEmpty() ? "hang" : script.poll();
      if (next instanceof FenceOutcome o) return o;
      if (next instanceof SQLException e) throw e;
      try {
        if (ignoreAbort) {
          hanging.await(10, TimeUnit.SECONDS);
        } else {
          hanging.await();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new SQLNonTransientConnectionException("Communications link failure (aborted)", "08S01");
    }

    @Override
    public void abort() {
      aborts.incrementAndGet();
      if (!ignoreAbort) hanging.countDown();
    }

    @Override
    public void close() {}
  }

  static FenceOutcome outcome(boolean fenced, String reason) {
    return new FenceOutcome(fenced, Duration.ofMillis(5), 1, List.of(),
        new ReadOnlyState(fenced, false), reason);
  }

  @Test
  void aVerifiedSqlFenceIsVerifiedWithItsReason() {
    ScriptedDb db = new ScriptedDb();
    db.script.add(outcome(true, "MariaDB is READ_ONLY after 1 attempt(s); killed 2 client session(s)"));
    try (SqlReadOnlyRung rung = new SqlReadOnlyRung(db, Duration.ofMillis(500), System::nanoTime)) {
      FenceRung.Verdict v = rung.attempt(request, List.of());
      assertThat(v.verified()).isTrue();
      assertThat(v.reason()).contains("killed 2 client session(s)");
    }
  }

  @Test
  void anUnconfirmedSqlFenceIsNotVerified() {
    ScriptedDb db = new ScriptedDb();
    db.script.add(outcome(false, "read-only still blocked after 4 attempts: escalate"));
    try (SqlReadOnlyRung rung = new SqlReadOnlyRung(db, Duration.ofMillis(500), System::nanoTime)) {
      assertThat(rung.attempt(request, List.of())).isEqualTo(
          FenceRung.Verdict.notVerified("read-only still blocked after 4 attempts: escalate"));
    }
  }

  @Test
  void aServerThatHangsIsAbortedAtOneAndAHalfTimesTheBudget() {
    ScriptedDb db = new ScriptedDb();
    try (SqlReadOnlyRung rung = new SqlReadOnlyRung(db, Duration.ofMillis(200), System::nanoTime)) {
      long start = System.nanoTime();
      FenceRung.Verdict v = rung.attempt(request, List.of());
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(v.verified()).isFalse();
      assertThat(v.reason()).contains("did not answer within 300 ms").contains("aborted");
      assertThat(db.aborts.get()).isEqualTo(1);
      assertThat(ms).isBetween(300L, 300L + SqlReadOnlyRung.ABORT_WAIT_MS + 300);
    }
  }

  @Test
  void aCallThatOutlivesTheAbortIsNotQueuedBehind() {
    ScriptedDb db = new ScriptedDb();
    db.ignoreAbort = true;
    try (SqlReadOnlyRung rung = new SqlReadOnlyRung(db, Duration.ofMillis(100), System::nanoTime)) {
      assertThat(rung.attempt(request, List.of()).verified()).isFalse();
      long start = System.nanoTime();
      FenceRung.Verdict again = rung.attempt(request, List.of());
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(50);
      assertThat(again.verified()).isFalse();
      assertThat(again.reason()).contains("previous SQL fence has not returned");
      assertThat(db.calls.get()).isEqualTo(1);
      db.hanging.countDown();
    }
  }

  @Test
  void aStaleConnectionIsRetriedOnceOnANewOne() {
    ScriptedDb db = new ScriptedDb();
    db.script.add(new SQLNonTransientConnectionException("Communications link failure", "08S01"));
    db.script.add(outcome(true, "MariaDB is READ_ONLY after 1 attempt(s)"));
    try (SqlReadOnlyRung rung = new SqlReadOnlyRung(db, Duration.ofMillis(500), System::nanoTime)) {
      assertThat(rung.attempt(request, List.of()).verified()).isTrue();
      assertThat(db.calls.get()).isEqualTo(2);
    }
  }

  @Test
  void anSqlErrorThatIsNotAboutTheConnectionIsNotRetried() {
    ScriptedDb db = new ScriptedDb();
    db.script.add(new SQLException("Access denied; you need the SUPER privilege", "42000", 1227));
    try (SqlReadOnlyRung rung = new SqlReadOnlyRung(db, Duration.ofMillis(500), System::nanoTime)) {
      FenceRung.Verdict v = rung.attempt(request, List.of());
      assertThat(v.verified()).isFalse();
      assertThat(v.reason()).contains("SQL error 1227 (42000)").contains("SUPER");
      assertThat(db.calls.get()).isEqualTo(1);
    }
  }
}
