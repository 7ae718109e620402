package dev.deneb.controller.raft;

import dev.deneb.controller.config.ControllerConfig;
import dev.deneb.state.ratis.DenebStateMachine;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's member of the controller group: the Ratis server with the Deneb state machine,
 * and a Ratis client used to propose commands (the client follows leader redirects, which is how a
 * write sent to any member reaches the leader). The only class that configures Ratis.
 */
public final class RaftMember implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftMember.class);

  private final ControllerConfig config;
  private final RaftGroup group;
  private final RaftPeerId selfId;
  private final DenebStateMachine stateMachine = new DenebStateMachine();
  private final RaftServer server;
  private final RaftClient client;

  public RaftMember(ControllerConfig config) throws IOException {
    this.config = config;
    this.selfId = RaftPeerId.valueOf(config.id());
    List<RaftPeer> peers = config.peers().stream()
        .map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.raft().toString()).build())
        .toList();
    this.group = RaftGroup.valueOf(groupId(config.group()), peers);
    RaftProperties properties = serverProperties(config);
    this.server = RaftServer.newBuilder()
        .setServerId(selfId)
        .setGroup(group)
        .setStateMachine(stateMachine)
        .setProperties(properties)
        // The builder's default FORMAT fails on every restart; RECOVER formats only an empty directory.
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    this.client = RaftClient.newBuilder()
        .setProperties(clientProperties(config))
        .setRaftGroup(group)
        .setClientId(org.apache.ratis.protocol.ClientId.randomId())
        // Ratis' default is to retry forever without sleeping: a lost quorum would spin a core.
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            (int) Math.max(1, config.raft().requestTimeout().toMillis() / 100), TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
        .build();
  }

  /** All members derive the same group id from the configured group name. */
  static RaftGroupId groupId(String name) {
    return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("deneb-group:" + name).getBytes(StandardCharsets.UTF_8)));
  }

  private static RaftProperties serverProperties(ControllerConfig config) {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(config.dataDir().toFile()));
    GrpcConfigKeys.Server.setPort(p, config.self().raft().port());
    GrpcConfigKeys.Server.setHost(p, config.self().raft().host());
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(config.raft().electionTimeoutMin().toMillis(), TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(config.raft().electionTimeoutMax().toMillis(), TimeUnit.MILLISECONDS));
    // DEFAULT lets a deposed leader answer reads from its own state; ReadIndex does not.
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    // Leader lease: a leader that heard from a majority within the lease (a fraction of the minimum
    // election timeout) answers ReadIndex without another heartbeat round. Safe under the same bounded
    // clock-drift assumption the primary's lease already makes (DESIGN §3.2).
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
    RaftServerConfigKeys.Read.setTimeout(p, TimeDuration.valueOf(config.raft().requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
    // Keep the log small: automatic snapshots, small segments, purge up to the snapshot even when a
    // dead member lags (it will catch up through a snapshot install), keep two snapshot files.
    long threshold = config.raft().snapshotThreshold();
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, threshold);
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(config.raft().segmentSizeBytes()));
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(1024, threshold));
    return p;
  }

  private static RaftProperties clientProperties(ControllerConfig config) {
    RaftProperties p = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(p,
        TimeDuration.valueOf(Math.max(1000, config.raft().requestTimeout().toMillis() / 2), TimeUnit.MILLISECONDS));
    return p;
  }

  public void start() throws IOException {
    server.start();
    LOG.info("controller {} started: group {} ({}), raft {}, data {}", selfId, config.group(), group.getGroupId(),
        config.self().raft(), config.dataDir());
  }

  public DenebStateMachine stateMachine() {
    return stateMachine;
  }

  public RaftClient client() {
    return client;
  }

  public RaftPeerId selfId() {
    return selfId;
  }

  /** Role, term and leader as this member sees them now. */
  public Status status() {
    try {
      DivisionInfo info = server.getDivision(group.getGroupId()).getInfo();
      RaftPeerId leader = info.getLeaderId();
      return new Status(info.getCurrentRole(), info.getCurrentTerm(),
          Optional.ofNullable(leader).map(RaftPeerId::toString), info.getLastAppliedIndex(), info.isLeaderReady());
    } catch (IOException e) {
      return new Status(null, 0, Optional.empty(), -1, false);
    }
  }

  public record Status(RaftPeerRole role, long term, Optional<String> leader, long appliedIndex, boolean leaderReady) {
    public String roleName() {
      return role == null ? "UNKNOWN" : role.name();
    }
  }

  @Override
  public void close() throws IOException {
    try {
      client.close();
    } finally {
      server.close();
    }
  }
}
