package dev.deneb.state;

import dev.deneb.protocol.CommandResult;
import dev.deneb.state.CommandMix.Entry;
import dev.deneb.state.CommandMix.Seed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies a generated log one command at a time through {@link ClusterStateMachine#apply}, checking
 * every invariant after every command. Keeps the log, every intermediate state and every result, so
 * other properties can replay it.
 */
final class Simulation {
  final List<Entry> log = new ArrayList<>();
  /** {@code states.get(i)} is the state after the first {@code i} entries; {@code states.get(0)} is empty. */
  final List<DenebState> states = new ArrayList<>(List.of(DenebState.EMPTY));
  final List<CommandResult> results = new ArrayList<>();
  final Coverage coverage = new Coverage();
  private final List<Invariant> invariants;

  private Simulation(List<Invariant> invariants) {
    this.invariants = invariants;
  }

  /** Runs the seeds with every invariant; {@code snapshotDir} null skips the snapshot-file round trips. */
  static Simulation run(List<Seed> seeds, Path snapshotDir) {
    return run(seeds, Invariants.all(snapshotDir));
  }

  static Simulation run(List<Seed> seeds, List<Invariant> invariants) {
    Simulation sim = new Simulation(invariants);
    CommandMix mix = new CommandMix();
    for (Seed seed : seeds) {
      sim.apply(mix.next(sim.state(), seed));
    }
    return sim;
  }

  DenebState state() {
    return states.get(states.size() - 1);
  }

  private void apply(Entry entry) {
    int index = log.size();
    log.add(entry);
    DenebState before = state();
    Applied applied = ClusterStateMachine.apply(before, entry.command(), entry.term());
    Step step = new Step(index, entry.command(), entry.term(), before, applied.state(), applied.result());
    for (Invariant invariant : invariants) {
      try {
        invariant.check(step);
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError("invariant " + invariant.name() + " violated at command #" + index + ": "
            + e.getMessage() + "\n  command: " + TestCommands.oneLine(entry.command()) + " (entry term " + entry.term()
            + ")\n  result: " + TestCommands.oneLine(applied.result()) + "\n" + tail(index), e);
      }
    }
    coverage.observe(step);
    states.add(applied.state());
    results.add(applied.result());
  }

  private String tail(int index) {
    StringBuilder sb = new StringBuilder("  log up to it:\n");
    for (int i = Math.max(0, index - 25); i <= index; i++) {
      sb.append(String.format("    #%d [term %d] %s%n", i, log.get(i).term(), TestCommands.oneLine(log.get(i).command())));
    }
    return sb.toString();
  }
}
