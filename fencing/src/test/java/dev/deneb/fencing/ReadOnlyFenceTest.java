package dev.deneb.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.fencing.dialect.EpochRecord;
import dev.deneb.fencing.dialect.GuardStatus;
import dev.deneb.fencing.dialect.LeaseRow;
import dev.deneb.fencing.dialect.ReadOnlyBypass;
import dev.deneb.fencing.dialect.ReadOnlyLevel;
import dev.deneb.fencing.dialect.ReadOnlyState;
import dev.deneb.fencing.dialect.ReplicationSource;
import dev.deneb.fencing.dialect.ReplicationStatus;
import dev.deneb.fencing.dialect.SemiSyncRole;
import dev.deneb.fencing.dialect.SemiSyncStatus;
import dev.deneb.fencing.dialect.SessionInfo;
import dev.deneb.fencing.dialect.SqlDialect;
import dev.deneb.fencing.gtid.GtidFlavor;
import dev.deneb.fencing.gtid.GtidState;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The fence loop's decisions against a scripted dialect and a fake clock; the real-server proof is
 * {@link ReadOnlyFenceMariaDbTest}.
 */
class ReadOnlyFenceTest {

  private static final Duration ATTEMPT = Duration.ofMillis(100);

  @Test
  void unblockedServerIsFencedInOneAttemptAndClientsAreStillKilled() throws Exception {
    ScriptedDialect d = new ScriptedDialect(List.of(true));
    FenceOutcome o = new ReadOnlyFence(d, ATTEMPT, Set.of("monitor"), d.clock::now).fence(null, Duration.ofMillis(500));

    assertThat(o.fenced()).isTrue();
    assertThat(o.attempts()).isEqualTo(1);
    assertThat(d.killRounds).isEqualTo(1);
    assertThat(d.exemptSeen).containsExactly("monitor");
    assertThat(o.reason()).contains("READ_ONLY after 1 attempt(s)");
  }

  @Test
  void blockedAttemptKillsThenRetries() throws Exception {
    ScriptedDialect d = new ScriptedDialect(List.of(false, false, true));
    FenceOutcome o = new ReadOnlyFence(d, ATTEMPT, Set.of(), d.clock::now).fence(null, Duration.ofMillis(500));

    assertThat(o.fenced()).isTrue();
    assertThat(o.attempts()).isEqualTo(3);
    assertThat(d.killRounds).as("after each blocked attempt, and once at the end").isEqualTo(3);
    assertThat(o.killed()).hasSize(3);
    assertThat(o.elapsed()).isEqualTo(Duration.ofMillis(300));
  }

  @Test
  void givesUpWhenTheBudgetIsSpentAndSaysEscalate() throws Exception {
    ScriptedDialect d = new ScriptedDialect(List.of(false, false, false, false, false, false, false));
    FenceOutcome o = new ReadOnlyFence(d, ATTEMPT, Set.of(), d.clock::now).fence(null, Duration.ofMillis(250));

    assertThat(o.fenced()).isFalse();
    assertThat(o.attempts()).isEqualTo(3);
    assertThat(o.reason()).contains("escalate").contains("250 ms");
  }

  @Test
  void readOnlyThatDoesNotReadBackIsNotFenced() throws Exception {
    ScriptedDialect d = new ScriptedDialect(List.of(true));
    d.finalState = new ReadOnlyState(false, false);
    FenceOutcome o = new ReadOnlyFence(d, ATTEMPT, Set.of(), d.clock::now).fence(null, Duration.ofMillis(500));

    assertThat(o.fenced()).isFalse();
    assertThat(o.reason()).contains("reads back as WRITABLE");
  }

  /** A clock that advances only when an attempt "waits". */
  static final class FakeClock {
    long nanos;

    long now() {
      return nanos;
    }
  }

  /** Answers read-only attempts from a script; every attempt costs its wait on the fake clock. */
  static final class ScriptedDialect implements SqlDialect {
    final FakeClock clock = new FakeClock();
    final Deque<Boolean> attempts;
    ReadOnlyState finalState = new ReadOnlyState(true, false);
    int killRounds;
    Set<String> exemptSeen = Set.of();

    ScriptedDialect(List<Boolean> script) {
      this.attempts = new ArrayDeque<>(script);
    }

    @Override
    public boolean trySetReadOnly(Connection c, Duration maxWait) {
      clock.nanos += maxWait.toNanos();
      return attempts.removeFirst();
    }

    @Override
    public List<SessionInfo> killClientSessions(Connection c, Set<String> exemptUsers) {
      killRounds++;
      exemptSeen = exemptUsers;
      List<SessionInfo> out = new ArrayList<>();
      out.add(new SessionInfo(100 + killRounds, "app", "127.0.0.1:1", null, "Sleep", 0, null));
      return out;
    }

    @Override
    public ReadOnlyState readOnlyState(Connection c) {
      return finalState;
    }

    @Override
    public String name() {
      return "Scripted";
    }

    @Override
    public GtidFlavor gtidFlavor() {
      return GtidFlavor.MARIADB;
    }

    @Override
    public ReadOnlyLevel fenceLevel() {
      return ReadOnlyLevel.READ_ONLY;
    }

    // ---- not used by the fence ----

    @Override
    public void setReadOnlyLevel(Connection c, ReadOnlyLevel level) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<ReadOnlyBypass> readOnlyBypassAccounts(Connection c) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<SessionInfo> sessions(Connection c) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<ReplicationStatus> replicationStatus(Connection c) {
      throw new UnsupportedOperationException();
    }

    @Override
    public GtidState executedGtids(Connection c) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void stopReplication(Connection c) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void stopReceiving(Connection c) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void replicateFrom(Connection c, ReplicationSource source) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void resetReplication(Connection c) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean waitForExecuted(Connection c, GtidState position, Duration timeout) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void configureSemiSync(Connection c, SemiSyncRole role, Duration timeout) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SemiSyncStatus semiSyncStatus(Connection c) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean releaseSemiSyncWaits(Connection c, java.time.Instant notAfter) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean nudgeSemiSync(Connection c, java.time.Instant notAfter) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void installLeaseTable(Connection c) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void installGuard(Connection c) {
      throw new UnsupportedOperationException();
    }

    @Override
    public GuardStatus guardStatus(Connection c) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void writeLease(Connection c, long epoch, String node, Duration validFor) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<LeaseRow> readLease(Connection c) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void installEpochHistory(Connection c) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void recordEpoch(Connection c, EpochRecord epoch) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<EpochRecord> epochHistory(Connection c) {
      throw new UnsupportedOperationException();
    }
  }
}
