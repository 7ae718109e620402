package dev.deneb.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.WorkflowStep;

/**
 * A test driver over {@link ClusterStateMachine}: holds the state, the Raft term of the entries it
 * applies and a fake clock stamped into {@code at_millis}. Every apply also checks that a refused
 * command left the state unchanged.
 */
final class Machine {
  DenebState state = DenebState.EMPTY;
  long term = 1;
  long now = 1_000_000;

  CommandResult apply(Command command) {
    Command stamped = command.getAtMillis() == 0 ? TestCommands.at(now, command) : command;
    DenebState before = state;
    Applied applied = ClusterStateMachine.apply(before, stamped, term);
    if (!applied.result().getAccepted()) {
      assertThat(applied.state()).as("a refused command changes nothing").isEqualTo(before);
    }
    state = applied.state();
    return applied.result();
  }

  /** Applies and asserts acceptance; returns the result. */
  CommandResult ok(Command command) {
    CommandResult r = apply(command);
    assertThat(r.getAccepted()).as("accepted: %s -> %s", TestCommands.oneLine(command), TestCommands.oneLine(r)).isTrue();
    assertThat(r.getRefusal()).isEqualTo(Refusal.REFUSAL_UNSPECIFIED);
    return r;
  }

  /** Applies, asserts refusal, and returns the refusal enum. */
  Refusal refused(Command command) {
    CommandResult r = apply(command);
    assertThat(r.getAccepted()).as("refused: %s -> %s", TestCommands.oneLine(command), TestCommands.oneLine(r)).isFalse();
    return r.getRefusal();
  }

  ClusterRecord cluster(String name) {
    return state.cluster(name).orElseThrow(() -> new AssertionError("no cluster " + name));
  }

  /** A created cluster with nodes db1..dbN registered (neutral) and bootstrapped with db1 as primary. */
  static Machine withCluster(String name, int nodes) {
    Machine m = new Machine();
    m.ok(TestCommands.create(name));
    for (int i = 1; i <= nodes; i++) m.ok(TestCommands.register(name, "db" + i));
    m.ok(TestCommands.bootstrap(name, "db1"));
    return m;
  }

  /** Drives a workflow already begun on {@code cluster} through every step and completes it. */
  void runWorkflowToCompletion(String cluster, String candidate) {
    long target = cluster(cluster).getWorkflow().getTargetEpoch();
    for (WorkflowStep step : new WorkflowStep[] {WorkflowStep.FENCED, WorkflowStep.CANDIDATE_CHOSEN,
        WorkflowStep.PROMOTED, WorkflowStep.DISCOVERY_PUBLISHED, WorkflowStep.REPOINTED}) {
      ok(TestCommands.advance(cluster, target, step, step == WorkflowStep.CANDIDATE_CHOSEN ? candidate : "", term));
    }
    ok(TestCommands.complete(cluster, target, term));
    admitAll(cluster);
  }

  /** The orchestrator's check of every node marked at CANDIDATE_CHOSEN: all admitted. */
  void admitAll(String cluster) {
    for (var n : cluster(cluster).getNodesList()) {
      if (n.getNeedsCheck()) ok(TestCommands.settle(cluster, n.getNode(), cluster(cluster).getEpoch(), false, term));
    }
  }
}
