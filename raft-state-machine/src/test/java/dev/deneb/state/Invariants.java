package dev.deneb.state;

import static dev.deneb.state.Invariant.require;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.EpochRecord;
import dev.deneb.protocol.LeaseRenewal;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.StateSnapshot;
import dev.deneb.protocol.WorkflowKind;
import dev.deneb.protocol.WorkflowRecord;
import dev.deneb.protocol.WorkflowStep;
import dev.deneb.state.ratis.SnapshotFile;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.ratis.server.protocol.TermIndex;

/** The invariants checked after every command of a generated run (DESIGN §2 S3, S5; §3.1-§3.4). */
final class Invariants {
  private Invariants() {}

  /** Fresh instances (some keep per-run state). {@code snapshotDir} null skips the file round trip. */
  static List<Invariant> all(Path snapshotDir) {
    return List.of(
        new RefusedCommandChangesNothing(),
        new OnlyTouchedClustersChange(),
        new ClustersAppearAndDisappearOnlyByCommand(),
        new EpochsNeverDecrease(),
        new EpochChangesOnlyAtBootstrapOrCandidateChosen(),
        new EachEpochNamesOnePrimary(),
        new RenewalsMatchTheOracle(),
        new OneWorkflowPerCluster(),
        new WrongTermIsRefused(),
        new PrimaryIsNeverQuarantinedOrUnchecked(),
        new DirectivesFollowTheStep(),
        new ReplicasDetachFromAnUnconfirmedPrimary(),
        new SnapshotRoundTrip(snapshotDir, 16));
  }

  /** A refused command returns a state equal to the previous one; the refusal enum says why. */
  static final class RefusedCommandChangesNothing implements Invariant {
    @Override
    public void check(Step s) {
      if (!s.accepted()) {
        require(s.after().equals(s.before()), "refused (%s) but the state changed", s.result().getRefusal());
        require(s.result().getRefusal() != Refusal.REFUSAL_UNSPECIFIED, "refused without a refusal enum");
        s.before(s.cluster()).ifPresent(c -> require(s.result().getEpoch() == 0 || s.result().getEpoch() == c.getEpoch(),
            "refusal reports epoch %d, cluster is at %d", s.result().getEpoch(), c.getEpoch()));
      } else {
        require(s.result().getRefusal() == Refusal.REFUSAL_UNSPECIFIED, "accepted with refusal %s", s.result().getRefusal());
        s.after(s.cluster()).ifPresent(c -> require(s.result().getEpoch() == c.getEpoch(),
            "accepted; result epoch %d but cluster is at %d", s.result().getEpoch(), c.getEpoch()));
      }
    }
  }

  /**
   * A command changes no cluster outside {@link ClusterStateMachine#touched}: agent streams are told
   * of an applied entry only when it touched their cluster, so a miss here is a directive never sent.
   */
  static final class OnlyTouchedClustersChange implements Invariant {
    @Override
    public void check(Step s) {
      java.util.Set<String> touched = ClusterStateMachine.touched(s.command());
      for (String name : s.clusterNames()) {
        if (touched.contains(name)) continue;
        require(s.before(name).equals(s.after(name)), "cluster %s changed but %s touches only %s", name,
            s.command().getKindCase(), touched);
      }
    }
  }

  /** Only CreateCluster adds a cluster (at epoch 0, empty), only DeleteCluster removes one. */
  static final class ClustersAppearAndDisappearOnlyByCommand implements Invariant {
    @Override
    public void check(Step s) {
      for (String name : s.clusterNames()) {
        if (s.created(name)) {
          require(s.command().hasCreateCluster() && s.cluster().equals(name), "cluster '%s' appeared", name);
          ClusterRecord c = s.after(name).get();
          require(c.getEpoch() == 0 && c.getPrimary().isEmpty() && c.getHistoryCount() == 0 && c.getNodesCount() == 0
              && !c.hasWorkflow() && !c.getPaused() && c.getLastAutoFailoverAtMillis() == 0,
              "new cluster '%s' is not empty at epoch 0: %s", name, TestCommands.oneLine(c));
        }
        if (s.before(name).isPresent() && s.after(name).isEmpty()) {
          require(s.command().hasDeleteCluster() && s.cluster().equals(name), "cluster '%s' vanished", name);
          require(!s.before(name).get().hasWorkflow(), "cluster '%s' deleted with a workflow in flight", name);
        }
      }
    }
  }

  /** A cluster's epoch never decreases within one incarnation (delete + create starts again at 0). */
  static final class EpochsNeverDecrease implements Invariant {
    private final Map<String, Long> highest = new HashMap<>();

    /**
     * Across incarnations too (S3): agents remember the highest epoch they saw, so a cluster deleted
     * and re-created under the same name must never name a primary at an epoch at or below it.
     */
    @Override
    public void check(Step s) {
      for (String name : s.clusterNames()) {
        Optional<ClusterRecord> after = s.after(name);
        if (after.isEmpty()) continue;
        long seen = highest.getOrDefault(name, 0L);
        long now = after.get().getEpoch();
        if (now == 0) continue; // a re-created cluster before its bootstrap names no one
        require(now >= seen, "epoch of '%s' went from %d down to %d", name, seen, now);
        if (s.before(name).map(b -> b.getEpoch() == 0).orElse(true) && seen > 0) {
          require(now > seen, "re-created '%s' bootstrapped at epoch %d, not above its earlier %d", name, now, seen);
        }
        highest.put(name, now);
      }
    }
  }

  /**
   * The epoch of an existing cluster changes only through BootstrapEpoch (0 -> 1), AdvanceWorkflow
   * to CANDIDATE_CHOSEN (e -> e+1, the workflow's target epoch) — S2: the epoch naming the new primary
   * is committed before PROMOTED and DISCOVERY_PUBLISHED — or an abort before CANDIDATE_CHOSEN
   * (e -> e+1 naming the same primary). The primary changes only with the epoch.
   */
  static final class EpochChangesOnlyAtBootstrapOrCandidateChosen implements Invariant {
    @Override
    public void check(Step s) {
      for (String name : s.clusterNames()) {
        if (s.before(name).isEmpty() || s.after(name).isEmpty()) continue;
        ClusterRecord b = s.before(name).get();
        ClusterRecord a = s.after(name).get();
        if (a.getEpoch() == b.getEpoch()) {
          require(a.getPrimary().equals(b.getPrimary()), "primary of '%s' changed from '%s' to '%s' within epoch %d",
              name, b.getPrimary(), a.getPrimary(), a.getEpoch());
          continue;
        }
        Command c = s.command();
        require(s.cluster().equals(name), "epoch of '%s' changed by a command for '%s'", name, s.cluster());
        if (c.hasBootstrapEpoch()) {
          require(b.getEpoch() == 0 && a.getEpoch() == s.before().retiredEpoch(name) + 1
                  && a.getPrimary().equals(c.getBootstrapEpoch().getPrimary()),
              "bootstrap moved '%s' from epoch %d to %d naming '%s'", name, b.getEpoch(), a.getEpoch(), a.getPrimary());
        } else if (c.hasAbortWorkflow()) {
          // An abort before CANDIDATE_CHOSEN commits the target epoch naming the old primary again.
          require(a.getEpoch() == b.getEpoch() + 1 && a.getEpoch() == b.getWorkflow().getTargetEpoch()
                  && a.getPrimary().equals(b.getWorkflow().getFrom()) && a.getPrimary().equals(b.getPrimary()),
              "abort moved '%s' from %d (%s) to %d (%s), workflow target %d", name, b.getEpoch(), b.getPrimary(),
              a.getEpoch(), a.getPrimary(), b.getWorkflow().getTargetEpoch());
        } else {
          require(c.hasAdvanceWorkflow() && c.getAdvanceWorkflow().getStep() == WorkflowStep.CANDIDATE_CHOSEN,
              "epoch of '%s' changed %d -> %d by %s", name, b.getEpoch(), a.getEpoch(), c.getKindCase());
          require(a.getEpoch() == b.getEpoch() + 1 && a.getEpoch() == b.getWorkflow().getTargetEpoch(),
              "CANDIDATE_CHOSEN moved '%s' from %d to %d (workflow target %d)", name, b.getEpoch(), a.getEpoch(),
              b.getWorkflow().getTargetEpoch());
          require(a.getPrimary().equals(c.getAdvanceWorkflow().getCandidate()), "new primary '%s' is not the candidate '%s'",
              a.getPrimary(), c.getAdvanceWorkflow().getCandidate());
        }
      }
    }
  }

  /**
   * Each epoch names exactly one primary: the current primary is a registered node; the history has
   * distinct, strictly increasing epochs ending with the current one, within history_limit; and over
   * the whole run no epoch of one incarnation ever names two different primaries.
   */
  static final class EachEpochNamesOnePrimary implements Invariant {
    private final Map<String, Map<Long, String>> named = new HashMap<>();

    @Override
    public void check(Step s) {
      for (String name : s.clusterNames()) {
        Optional<ClusterRecord> found = s.after(name);
        if (found.isEmpty() || s.created(name)) named.remove(name);
        if (found.isEmpty()) continue;
        ClusterRecord c = found.get();
        Map<Long, String> epochs = named.computeIfAbsent(name, n -> new HashMap<>());
        if (c.getEpoch() == 0) {
          require(c.getPrimary().isEmpty() && c.getHistoryCount() == 0, "'%s' at epoch 0 names '%s' / has history", name,
              c.getPrimary());
          continue;
        }
        require(!c.getPrimary().isEmpty(), "'%s' at epoch %d has no primary", name, c.getEpoch());
        require(Nodes.find(c, c.getPrimary()).isPresent(), "primary '%s' of '%s' is not a registered node", c.getPrimary(),
            name);
        require(c.getHistoryCount() >= 1 && c.getHistoryCount() <= c.getSettings().getHistoryLimit(),
            "history of '%s' has %d entries, limit %d", name, c.getHistoryCount(), c.getSettings().getHistoryLimit());
        EpochRecord last = c.getHistory(c.getHistoryCount() - 1);
        require(last.getEpoch() == c.getEpoch() && last.getPrimary().equals(c.getPrimary()),
            "newest history entry of '%s' is (%d, %s), cluster is (%d, %s)", name, last.getEpoch(), last.getPrimary(),
            c.getEpoch(), c.getPrimary());
        long previous = 0;
        for (EpochRecord h : c.getHistoryList()) {
          require(h.getEpoch() > previous, "history of '%s' has epoch %d after %d", name, h.getEpoch(), previous);
          previous = h.getEpoch();
          String earlier = epochs.putIfAbsent(h.getEpoch(), h.getPrimary());
          require(earlier == null || earlier.equals(h.getPrimary()), "epoch %d of '%s' named '%s' and now '%s'",
              h.getEpoch(), name, earlier, h.getPrimary());
        }
      }
    }
  }

  /**
   * Each renewal of a batch gets exactly the verdict of {@link RenewalOracle} (a stale epoch or a
   * non-primary is refused, S3), and a batch changes no replicated state.
   */
  static final class RenewalsMatchTheOracle implements Invariant {
    @Override
    public void check(Step s) {
      if (!s.command().hasRenewLeases()) {
        require(s.result().getRenewalRefusalsCount() == 0, "renewal verdicts on a %s", s.command().getKindCase());
        return;
      }
      List<LeaseRenewal> renewals = s.command().getRenewLeases().getRenewalsList();
      require(s.accepted(), "a renewal batch is always accepted as a whole");
      require(s.after().equals(s.before()), "a renewal batch changed the state");
      require(s.result().getRenewalRefusalsCount() == renewals.size(), "%d verdicts for %d renewals",
          s.result().getRenewalRefusalsCount(), renewals.size());
      int accepted = 0;
      for (int i = 0; i < renewals.size(); i++) {
        LeaseRenewal r = renewals.get(i);
        Refusal expected = RenewalOracle.expected(s.before(), r);
        Refusal actual = s.result().getRenewalRefusals(i);
        require(actual == expected, "renewal #%d %s: expected %s, got %s", i, TestCommands.oneLine(r), expected, actual);
        if (actual == Refusal.REFUSAL_UNSPECIFIED) accepted++;
      }
      require(s.result().getMessage().equals(accepted + " of " + renewals.size() + " renewals accepted"),
          "message '%s'", s.result().getMessage());
    }
  }

  /**
   * S5: at most one workflow per cluster. A BeginWorkflow (in the right term) while one is in flight
   * is refused with WORKFLOW_IN_FLIGHT; a workflow is never replaced by another in one command; it
   * starts only by BeginWorkflow and ends only by Complete/AbortWorkflow; and its shape matches the
   * epoch: before CANDIDATE_CHOSEN it targets epoch+1 and replaces the primary, from then on the
   * current epoch is its target and names its target node.
   */
  static final class OneWorkflowPerCluster implements Invariant {
    @Override
    public void check(Step s) {
      Command c = s.command();
      if (c.hasBeginWorkflow() && c.getBeginWorkflow().getTerm() == s.entryTerm()) {
        s.before(s.cluster()).filter(ClusterRecord::hasWorkflow).ifPresent(b -> require(
            !s.accepted() && s.result().getRefusal() == Refusal.WORKFLOW_IN_FLIGHT,
            "BeginWorkflow with a workflow in flight answered %s", s.result().getRefusal()));
      }
      for (String name : s.clusterNames()) {
        Optional<WorkflowRecord> b = s.before(name).filter(ClusterRecord::hasWorkflow).map(ClusterRecord::getWorkflow);
        Optional<WorkflowRecord> a = s.after(name).filter(ClusterRecord::hasWorkflow).map(ClusterRecord::getWorkflow);
        if (b.isPresent() && a.isPresent()) {
          require(b.get().getTargetEpoch() == a.get().getTargetEpoch() && b.get().getKind() == a.get().getKind()
              && b.get().getBegunAtMillis() == a.get().getBegunAtMillis() && b.get().getFrom().equals(a.get().getFrom()),
              "workflow of '%s' was replaced: %s -> %s", name, TestCommands.oneLine(b.get()), TestCommands.oneLine(a.get()));
          require(a.get().getStep().getNumber() - b.get().getStep().getNumber() <= 1, "workflow of '%s' jumped %s -> %s",
              name, b.get().getStep(), a.get().getStep());
        }
        if (b.isEmpty() && a.isPresent()) {
          require(c.hasBeginWorkflow() && s.cluster().equals(name), "a workflow of '%s' appeared by %s", name, c.getKindCase());
          require(a.get().getStep() == WorkflowStep.BEGUN, "a new workflow starts at %s", a.get().getStep());
        }
        if (b.isPresent() && a.isEmpty() && s.after(name).isPresent()) {
          require((c.hasCompleteWorkflow() || c.hasAbortWorkflow()) && s.cluster().equals(name),
              "the workflow of '%s' vanished by %s", name, c.getKindCase());
          require(!c.hasCompleteWorkflow() || b.get().getStep() == WorkflowStep.REPOINTED,
              "workflow of '%s' completed at %s", name, b.get().getStep());
        }
        if (a.isPresent()) shape(name, s.after(name).get(), a.get());
      }
    }

    private static void shape(String name, ClusterRecord c, WorkflowRecord w) {
      require(w.getStep().getNumber() >= WorkflowStep.BEGUN_VALUE && w.getStep().getNumber() <= WorkflowStep.REPOINTED_VALUE,
          "workflow of '%s' at step %s", name, w.getStep());
      require(w.getKind() == WorkflowKind.FAILOVER || w.getKind() == WorkflowKind.SWITCHOVER, "workflow kind %s",
          w.getKind());
      require(w.getKind() != WorkflowKind.SWITCHOVER || !w.getTarget().isEmpty(), "a switchover without target");
      if (w.getStep().getNumber() < WorkflowStep.CANDIDATE_CHOSEN_VALUE) {
        require(w.getTargetEpoch() == c.getEpoch() + 1 && w.getFrom().equals(c.getPrimary()),
            "before CANDIDATE_CHOSEN '%s' is at (%d, %s) but the workflow targets %d from '%s'", name, c.getEpoch(),
            c.getPrimary(), w.getTargetEpoch(), w.getFrom());
      } else {
        require(w.getTargetEpoch() == c.getEpoch() && w.getTarget().equals(c.getPrimary()),
            "from CANDIDATE_CHOSEN '%s' is at (%d, %s) but the workflow targets %d naming '%s'", name, c.getEpoch(),
            c.getPrimary(), w.getTargetEpoch(), w.getTarget());
      }
    }
  }

  /**
   * An orchestrator command decided in another term than the entry's is refused and changes nothing
   * (a deposed leader's late command has no effect, DESIGN §3.4). The refusal is WRONG_TERM; a
   * command for a cluster that does not exist is answered UNKNOWN_CLUSTER first.
   */
  static final class WrongTermIsRefused implements Invariant {
    @Override
    public void check(Step s) {
      Optional<Long> decided = s.decidedInTerm();
      if (decided.isEmpty() || decided.get() == s.entryTerm()) return;
      Refusal expected = s.before(s.cluster()).isPresent() ? Refusal.WRONG_TERM : Refusal.UNKNOWN_CLUSTER;
      require(!s.accepted() && s.result().getRefusal() == expected, "decided in term %d, entry term %d: answered %s",
          decided.get(), s.entryTerm(), s.accepted() ? "accepted" : s.result().getRefusal());
      require(s.after().equals(s.before()), "a wrong-term command changed the state");
    }
  }

  /**
   * Snapshot then restore gives an equal state: in memory and through the bytes after every command,
   * and through the real file format ({@link SnapshotFile}, MD5 beside it) every {@code fileEvery}
   * commands.
   */
  static final class SnapshotRoundTrip implements Invariant {
    private final Path dir;
    private final int fileEvery;

    SnapshotRoundTrip(Path dir, int fileEvery) {
      this.dir = dir;
      this.fileEvery = fileEvery;
    }

    @Override
    public void check(Step s) {
      DenebState state = s.after();
      StateSnapshot snapshot = state.toSnapshot();
      require(DenebState.fromSnapshot(snapshot).equals(state), "fromSnapshot(toSnapshot()) differs");
      try {
        require(DenebState.fromSnapshot(StateSnapshot.parseFrom(snapshot.toByteArray())).equals(state),
            "the snapshot's bytes restore another state");
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("the snapshot's bytes do not parse", e);
      }
      if (dir != null && s.index() % fileEvery == fileEvery - 1) {
        require(throughFile(dir, state, s.entryTerm(), s.index()).equals(state), "SnapshotFile round trip differs");
      }
    }
  }

  /** Writes {@code state} with {@link SnapshotFile}, reads it back (MD5 from the file beside it), deletes both. */
  static DenebState throughFile(Path dir, DenebState state, long term, long index) {
    File file = dir.resolve("snapshot." + term + "_" + index + "." + System.nanoTime()).toFile();
    try {
      SnapshotFile.write(file, state, TermIndex.valueOf(term, index));
      return SnapshotFile.read(file, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try {
        Files.deleteIfExists(file.toPath());
        Files.deleteIfExists(Path.of(file.getPath() + ".md5"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * The primary of the current epoch is an online node that needs no GTID check, and a quarantined
   * node or one waiting for its check is never told to replicate (DESIGN §3.6, S4).
   */
  static final class PrimaryIsNeverQuarantinedOrUnchecked implements Invariant {
    @Override
    public void check(Step s) {
      for (ClusterRecord c : s.after().clusters().values()) {
        if (c.getEpoch() == 0) continue;
        for (var n : c.getNodesList()) {
          if (n.getNode().equals(c.getPrimary())) {
            require(n.getState() == dev.deneb.protocol.NodeState.ONLINE && !n.getNeedsCheck(),
                "primary %s of %s is %s (needs check %s)", n.getNode(), c.getName(), n.getState(), n.getNeedsCheck());
          }
          if (n.getState() != dev.deneb.protocol.NodeState.ONLINE || n.getNeedsCheck()) {
            require(Directives.pending(c, n.getNode()).filter(d -> d.hasReplicate()).isEmpty(),
                "%s/%s is %s (needs check %s) but is told to replicate", c.getName(), n.getNode(), n.getState(), n.getNeedsCheck());
          }
        }
      }
    }
  }

  /**
   * S2 at the directive level: a node is told to promote only when the committed epoch names it, and
   * the replaced primary stays under a fence order until the new one is promoted.
   */
  static final class DirectivesFollowTheStep implements Invariant {
    @Override
    public void check(Step s) {
      for (ClusterRecord c : s.after().clusters().values()) {
        for (var n : c.getNodesList()) {
          var d = Directives.pending(c, n.getNode());
          if (d.isPresent() && d.get().hasPromote()) {
            require(c.getPrimary().equals(n.getNode()) && c.getEpoch() == d.get().getEpoch(),
                "%s told to promote for epoch %d but epoch %d names %s", n.getNode(), d.get().getEpoch(), c.getEpoch(), c.getPrimary());
          }
          if (c.hasWorkflow() && n.getNode().equals(c.getWorkflow().getFrom())
              && c.getWorkflow().getStep().getNumber() < WorkflowStep.PROMOTED.getNumber()) {
            require(d.isPresent() && d.get().hasFence(), "%s is being replaced at %s but has no fence order",
                n.getNode(), c.getWorkflow().getStep());
          }
        }
      }
    }
  }

  /**
   * S4 in semi-sync (docs/failover.md): while a workflow whose old primary's final position is
   * unknown runs from FENCED to DISCOVERY_PUBLISHED, every online, checked replica other than the old
   * and the new primary is told to stop receiving — none is left attached to acknowledge a resumed
   * old primary's commits. And no other node is ever told to: not the old primary, not the new one,
   * not in async, and not when the final position is known (the candidate must catch up to it).
   */
  static final class ReplicasDetachFromAnUnconfirmedPrimary implements Invariant {
    @Override
    public void check(Step s) {
      for (ClusterRecord c : s.after().clusters().values()) {
        for (var n : c.getNodesList()) {
          var d = Directives.pending(c, n.getNode());
          boolean due = false;
          if (c.hasWorkflow()) {
            var w = c.getWorkflow();
            int step = w.getStep().getNumber();
            due = c.getSettings().getDurability() == dev.deneb.protocol.Durability.SEMI_SYNC
                && step >= WorkflowStep.FENCED.getNumber() && step < WorkflowStep.DISCOVERY_PUBLISHED.getNumber()
                && w.getFinalGtids().isEmpty() && !n.getNode().equals(w.getFrom()) && !n.getNode().equals(w.getTarget())
                && n.getState() == dev.deneb.protocol.NodeState.ONLINE && !n.getNeedsCheck();
          }
          if (due) {
            require(d.isPresent() && d.get().hasDetach() && d.get().getEpoch() == c.getWorkflow().getTargetEpoch(),
                "%s/%s must stop receiving from %s at %s (final position unknown) but is told %s", c.getName(), n.getNode(),
                c.getWorkflow().getFrom(), c.getWorkflow().getStep(), d.map(Object::toString).orElse("nothing"));
          } else {
            require(d.isEmpty() || !d.get().hasDetach(), "%s/%s is told to detach although it must not be: %s",
                c.getName(), n.getNode(), d.map(Object::toString).orElse(""));
          }
        }
      }
    }
  }
}
