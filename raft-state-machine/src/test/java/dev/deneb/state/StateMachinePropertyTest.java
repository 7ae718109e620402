package dev.deneb.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.StateSnapshot;
import dev.deneb.state.CommandMix.Entry;
import dev.deneb.state.CommandMix.Seed;
import dev.deneb.state.ratis.SnapshotFile;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.apache.ratis.server.protocol.TermIndex;

/**
 * Random command logs over a small universe, applied one by one; every invariant of
 * {@link Invariants} is checked after every command (a failure names the invariant and the command
 * index and prints the log up to it). See {@link CommandMix} for how the logs are biased to reach
 * deep states, and the "deepest workflow state" statistics for proof that they do.
 */
class StateMachinePropertyTest {
  private static Path dir;

  @BeforeContainer
  static void makeDir() throws IOException {
    Path shm = Path.of("/dev/shm");
    dir = Files.isDirectory(shm) && Files.isWritable(shm)
        ? Files.createTempDirectory(shm, "deneb-sm-properties-")
        : Files.createTempDirectory("deneb-sm-properties-");
  }

  @AfterContainer
  static void removeDir() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  @Provide
  Arbitrary<List<Seed>> logs() {
    Arbitrary<Integer> x = Arbitraries.integers().between(0, 999);
    Arbitrary<Seed> seed = Combinators.combine(Arbitraries.integers().between(0, 99), x, x, x, x, x).as(Seed::new);
    return seed.list().ofMinSize(20).ofMaxSize(160).withSizeDistribution(RandomDistribution.uniform());
  }

  @Property(tries = 400)
  void invariantsHoldAfterEveryCommand(@ForAll("logs") List<Seed> seeds) {
    Simulation sim = Simulation.run(seeds, dir);
    Coverage cov = sim.coverage;

    Statistics.label("deepest workflow state").collect(cov.deepest()).coverage(c -> {
      c.check("COMPLETED").percentage(p -> p >= 30);
      c.checkQuery(v -> List.of("CANDIDATE_CHOSEN", "PROMOTED", "DISCOVERY_PUBLISHED", "REPOINTED", "COMPLETED")
          .contains(v.get(0))).percentage(p -> p >= 50);
    });
    Statistics.label("highest epoch").collect(cov.highestEpoch >= 4 ? ">=4" : String.valueOf(cov.highestEpoch))
        .coverage(c -> c.check(">=4").percentage(p -> p >= 10));
    Statistics.label("abort after CANDIDATE_CHOSEN").collect(cov.abortedAfterCandidateChosen > 0)
        .coverage(c -> c.check(true).count(n -> n > 0));
    Statistics.label("history trimmed").collect(cov.historyTrimmed)
        .coverage(c -> c.check(true).count(n -> n > 0));
    Statistics.label("cluster deleted and re-created").collect(cov.recreated)
        .coverage(c -> c.check(true).count(n -> n > 0));
    Statistics.label("new primary renewed mid-workflow").collect(cov.acceptedRenewalFromNewPrimaryMidWorkflow)
        .coverage(c -> c.check(true).percentage(p -> p >= 10));
    Statistics.label("replicas told to detach").collect(cov.detachOrdered)
        .coverage(c -> c.check(true).percentage(p -> p >= 10));
    for (Refusal r : cov.refusals) Statistics.label("refusals").collect(r.name());
    for (Refusal r : cov.renewalVerdicts) Statistics.label("renewal verdicts").collect(r.name());
    Statistics.label("refusals").coverage(c -> {
      for (Refusal r : Refusal.values()) {
        // NOT_PRIMARY is only ever a renewal verdict (checked below), never a command's refusal.
        // MEMBER_CATCHING_UP is a controller member's lease answer (docs/lease.md), never the state machine's.
        if (r == Refusal.REFUSAL_UNSPECIFIED || r == Refusal.UNRECOGNIZED || r == Refusal.NOT_PRIMARY
            || r == Refusal.MEMBER_CATCHING_UP) continue;
        c.check(r.name()).count(n -> n > 0);
      }
    });
    Statistics.label("renewal verdicts").coverage(c -> {
      for (Refusal r : List.of(Refusal.REFUSAL_UNSPECIFIED, Refusal.UNKNOWN_CLUSTER, Refusal.NOT_BOOTSTRAPPED,
          Refusal.STALE_EPOCH, Refusal.INVALID_ARGUMENT, Refusal.NOT_PRIMARY, Refusal.WORKFLOW_IN_FLIGHT)) {
        c.check(r.name()).count(n -> n > 0);
      }
    });
  }

  /**
   * Applying the same log twice gives the same states: split the log at a random point, snapshot the
   * state there (through the bytes or through {@link SnapshotFile}), restore, re-apply the rest with
   * the same entry terms, and compare every result and the final state with the straight run.
   */
  @Property(tries = 300)
  void replayingFromASnapshotGivesTheSameState(@ForAll("logs") List<Seed> seeds,
      @ForAll @IntRange(min = 0, max = 10_000) int split, @ForAll boolean throughFile) throws IOException {
    Simulation straight = Simulation.run(seeds, List.of());
    int k = split % (straight.log.size() + 1);
    DenebState at = straight.states.get(k);
    DenebState restored = throughFile
        ? Invariants.throughFile(dir, at, 1, k)
        : DenebState.fromSnapshot(StateSnapshot.parseFrom(at.toSnapshot().toByteArray()));
    assertThat(restored).isEqualTo(at);

    DenebState state = restored;
    for (int i = k; i < straight.log.size(); i++) {
      Entry e = straight.log.get(i);
      Applied applied = ClusterStateMachine.apply(state, e.command(), e.term());
      CommandResult expected = straight.results.get(i);
      assertThat(applied.result()).as("result of command #%d replayed from a snapshot at %d", i, k).isEqualTo(expected);
      assertThat(applied.state()).as("state after command #%d replayed from a snapshot at %d", i, k)
          .isEqualTo(straight.states.get(i + 1));
      state = applied.state();
    }
    assertThat(state).isEqualTo(straight.state());
    Statistics.label("split").collect(k == 0 ? "at start" : k == straight.log.size() ? "at end" : "inside");
  }

  /** One flipped byte anywhere in a snapshot file makes SnapshotFile.read throw an IOException naming the file. */
  @Property(tries = 100)
  void aCorruptedSnapshotFileIsRefused(@ForAll("logs") List<Seed> seeds, @ForAll @IntRange(min = 0) int position,
      @ForAll @IntRange(min = 1, max = 255) int flip) throws IOException {
    DenebState state = Simulation.run(seeds, List.of()).state();
    Assume.that(!state.clusters().isEmpty());
    File file = dir.resolve("corrupt." + System.nanoTime()).toFile();
    try {
      SnapshotFile.write(file, state, TermIndex.valueOf(3, 42));
      byte[] bytes = Files.readAllBytes(file.toPath());
      bytes[position % bytes.length] ^= (byte) flip;
      Files.write(file.toPath(), bytes);
      assertThatThrownBy(() -> SnapshotFile.read(file, null))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(file.getName());
    } finally {
      Files.deleteIfExists(file.toPath());
      Files.deleteIfExists(Path.of(file.getPath() + ".md5"));
    }
  }
}
