package dev.deneb.state;

import dev.deneb.protocol.AbortWorkflow;
import dev.deneb.protocol.AdvanceWorkflow;
import dev.deneb.protocol.BeginWorkflow;
import dev.deneb.protocol.BootstrapEpoch;
import dev.deneb.protocol.ClusterSettings;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.CompleteWorkflow;
import dev.deneb.protocol.CreateCluster;
import dev.deneb.protocol.DeleteCluster;
import dev.deneb.protocol.LeaseRenewal;
import dev.deneb.protocol.PromotionRule;
import dev.deneb.protocol.RegisterNode;
import dev.deneb.protocol.RemoveNode;
import dev.deneb.protocol.RenewLeases;
import dev.deneb.protocol.SetPaused;
import dev.deneb.protocol.UpdateSettings;
import dev.deneb.protocol.WorkflowKind;
import dev.deneb.protocol.WorkflowStep;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.TextFormat;
import java.util.List;

/** Builders for the commands of commands.proto, so tests read as a log. {@code at_millis} is left 0. */
final class TestCommands {
  private TestCommands() {}

  static final ClusterSettings DEFAULTS = ClusterSettings.getDefaultInstance();

  static Command create(String cluster) {
    return create(cluster, DEFAULTS);
  }

  static Command create(String cluster, ClusterSettings settings) {
    return Command.newBuilder()
        .setCreateCluster(CreateCluster.newBuilder().setCluster(cluster).setSettings(settings)).build();
  }

  static Command update(String cluster, ClusterSettings settings) {
    return Command.newBuilder()
        .setUpdateSettings(UpdateSettings.newBuilder().setCluster(cluster).setSettings(settings)).build();
  }

  static Command delete(String cluster) {
    return Command.newBuilder().setDeleteCluster(DeleteCluster.newBuilder().setCluster(cluster)).build();
  }

  static Command register(String cluster, String node) {
    return register(cluster, node, PromotionRule.NEUTRAL);
  }

  static Command register(String cluster, String node, PromotionRule rule) {
    return register(cluster, node, hostOf(node), 3306, rule);
  }

  static Command register(String cluster, String node, String host, int port, PromotionRule rule) {
    return Command.newBuilder().setRegisterNode(RegisterNode.newBuilder()
        .setCluster(cluster).setNode(node).setHost(host).setPort(port).setPromotionRule(rule)).build();
  }

  /** A stable address per node name, so re-registering the same node is idempotent. */
  static String hostOf(String node) {
    return "10.0.0." + (Math.floorMod(node.hashCode(), 250) + 1);
  }

  static Command remove(String cluster, String node) {
    return Command.newBuilder().setRemoveNode(RemoveNode.newBuilder().setCluster(cluster).setNode(node)).build();
  }

  static Command bootstrap(String cluster, String primary) {
    return Command.newBuilder()
        .setBootstrapEpoch(BootstrapEpoch.newBuilder().setCluster(cluster).setPrimary(primary)).build();
  }

  static LeaseRenewal renewal(String cluster, String node, long epoch) {
    return LeaseRenewal.newBuilder().setCluster(cluster).setNode(node).setEpoch(epoch).build();
  }

  static Command renew(LeaseRenewal... renewals) {
    return renew(List.of(renewals));
  }

  static Command renew(List<LeaseRenewal> renewals) {
    return Command.newBuilder().setRenewLeases(RenewLeases.newBuilder().addAllRenewals(renewals)).build();
  }

  static Command failover(String cluster, long expectedEpoch, boolean automatic, long term) {
    return begin(cluster, WorkflowKind.FAILOVER, expectedEpoch, "", automatic, term);
  }

  static Command switchover(String cluster, long expectedEpoch, String target, long term) {
    return begin(cluster, WorkflowKind.SWITCHOVER, expectedEpoch, target, false, term);
  }

  static Command begin(String cluster, WorkflowKind kind, long expectedEpoch, String target, boolean automatic,
      long term) {
    return Command.newBuilder().setBeginWorkflow(BeginWorkflow.newBuilder()
        .setCluster(cluster).setKind(kind).setExpectedEpoch(expectedEpoch).setTarget(target)
        .setAutomatic(automatic).setReason("test " + kind).setTerm(term)).build();
  }

  static Command advance(String cluster, long targetEpoch, WorkflowStep step, long term) {
    return advance(cluster, targetEpoch, step, "", term);
  }

  static Command advance(String cluster, long targetEpoch, WorkflowStep step, String candidate, long term) {
    return advance(cluster, targetEpoch, step, candidate, "", term);
  }

  /** {@code finalGtids}: the old primary's final position, which only an advance to FENCED records. */
  static Command advance(String cluster, long targetEpoch, WorkflowStep step, String candidate, String finalGtids, long term) {
    return Command.newBuilder().setAdvanceWorkflow(AdvanceWorkflow.newBuilder()
        .setCluster(cluster).setTargetEpoch(targetEpoch).setStep(step).setCandidate(candidate).setFinalGtids(finalGtids)
        .setDetail("step " + step).setTerm(term)).build();
  }

  static Command complete(String cluster, long targetEpoch, long term) {
    return Command.newBuilder().setCompleteWorkflow(CompleteWorkflow.newBuilder()
        .setCluster(cluster).setTargetEpoch(targetEpoch).setTerm(term)).build();
  }

  static Command abort(String cluster, long targetEpoch, long term) {
    return Command.newBuilder().setAbortWorkflow(AbortWorkflow.newBuilder()
        .setCluster(cluster).setTargetEpoch(targetEpoch).setReason("test abort").setTerm(term)).build();
  }

  static Command ack(String cluster, String node, String kind, long epoch, boolean done) {
    return Command.newBuilder().setRecordAck(dev.deneb.protocol.RecordAck.newBuilder().setCluster(cluster).setNode(node)
        .setDirectiveId(cluster + "/" + epoch + "/" + kind + "/" + node).setEpoch(epoch).setDone(done)
        .setDetail("test ack").setGtids("0-1-" + epoch)).build();
  }

  static Command settle(String cluster, String node, long epoch, boolean quarantine, long term) {
    return Command.newBuilder().setSettleNode(dev.deneb.protocol.SettleNode.newBuilder().setCluster(cluster).setNode(node)
        .setEpoch(epoch).setQuarantine(quarantine).setExtraGtids(quarantine ? "0-9-" + epoch : "")
        .setDetail("test check").setTerm(term)).build();
  }

  static Command pause(String cluster, boolean paused) {
    return Command.newBuilder().setSetPaused(SetPaused.newBuilder().setCluster(cluster).setPaused(paused)).build();
  }

  static Command at(long millis, Command command) {
    return command.toBuilder().setAtMillis(millis).build();
  }

  static String oneLine(MessageOrBuilder m) {
    return TextFormat.printer().emittingSingleLine(true).printToString(m);
  }
}
