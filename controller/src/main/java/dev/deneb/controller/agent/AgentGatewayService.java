package dev.deneb.controller.agent;

import dev.deneb.controller.raft.RaftMember;
import dev.deneb.protocol.AgentGatewayGrpc;
import dev.deneb.protocol.AgentMessage;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.ControllerMessage;
import dev.deneb.protocol.Hello;
import dev.deneb.protocol.LeaseGrant;
import dev.deneb.protocol.RenewLease;
import dev.deneb.protocol.StreamError;
import dev.deneb.protocol.Welcome;
import dev.deneb.protocol.Directive;
import dev.deneb.protocol.EpochNotice;
import dev.deneb.state.DenebState;
import dev.deneb.state.Directives;
import dev.deneb.state.Rules;
import dev.deneb.controller.lease.GrantTable;
import dev.deneb.controller.metrics.ControllerMetrics;
import dev.deneb.protocol.Refusal;
import java.util.function.LongSupplier;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent end of a controller member (DESIGN §4): one bidirectional stream per connected agent.
 * The first message names the agent's cluster and node; reports are kept as soft state; each lease
 * renewal round is granted or refused at once from this member's applied state ({@link GrantTable},
 * docs/lease.md) — no Raft round trip, no queue, no leader on the path.
 *
 * <p>Back-pressure: a grant for an agent whose stream cannot take more (gRPC {@code isReady} false:
 * a slow or stuck agent) is dropped, not queued — the agent renews again within one interval, and a
 * late grant would be of less use than none. Directives and epoch notices are always queued.
 */
public final class AgentGatewayService extends AgentGatewayGrpc.AgentGatewayImplBase implements java.io.Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentGatewayService.class);

  private final RaftMember member;
  private final GrantTable grants;
  private final int groupSize;
  private final LongSupplier nanos;
  private final AgentReports reports;
  private final AtomicLong grantsDropped = new AtomicLong();
  private final AtomicLong relayed = new AtomicLong();
  private static final long RELAY_LOG_EVERY_NANOS = 10_000_000_000L;
  private final ControllerMetrics.GrantCounter counter;
  private final AtomicLong connected = new AtomicLong();
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private final dev.deneb.controller.raft.CommandGateway gateway;
  private final String memberId;
  /**
   * Failsafe: where each agent takes promise requests, as its hello announced (cluster → node →
   * host:port). Member-local soft state: every agent connects to every member, so each knows them all.
   */
  private final java.util.Map<String, java.util.Map<String, String>> peerAddresses = new ConcurrentHashMap<>();

  public AgentGatewayService(RaftMember member, GrantTable grants, int groupSize, LongSupplier nanos, AgentReports reports,
      dev.deneb.controller.raft.CommandGateway gateway, ControllerMetrics.GrantCounter counter) {
    this.counter = counter;
    this.member = member;
    this.grants = grants;
    this.groupSize = groupSize;
    this.nanos = nanos;
    this.reports = reports;
    this.gateway = gateway;
    this.memberId = member.selfId().toString();
    leaderWatch.scheduleWithFixedDelay(this::watchLeader, 100, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
    // Directives follow the committed state: after every apply, each stream of a cluster the entry
    // touched is told what its node must do now. Runs on the apply thread: sending only queues on the
    // stream. Only the touched clusters' streams are visited: with 30,000 streams on a member, visiting
    // every stream on every apply made each commit cost milliseconds of the apply thread.
    member.stateMachine().addCommandListener((command, result, image) -> {
      long loads = member.stateMachine().snapshotsLoaded();
      boolean sweep = loads != snapshotsSeen;
      snapshotsSeen = loads;
      if (sweep) {
        // A snapshot replaced the state since the last entry seen here: anything may have changed.
        for (Stream s : streams) s.deliverDirective(image.state());
        return;
      }
      for (String cluster : dev.deneb.state.ClusterStateMachine.touched(command)) {
        Set<Stream> of = byCluster.get(cluster);
        if (of != null) for (Stream s : of) s.deliverDirective(image.state());
      }
    });
  }

  /**
   * Agents report to the leader alone ({@code ReportRoute} in the agent): each stream is told who
   * leads whenever this member's view changes, and a new leader gets every agent's report at once.
   */
  private final java.util.concurrent.ScheduledExecutorService leaderWatch =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "deneb-agent-leader-notices");
        t.setDaemon(true);
        return t;
      });
  private volatile dev.deneb.protocol.LeaderNotice leaderNow = dev.deneb.protocol.LeaderNotice.getDefaultInstance();

  private void watchLeader() {
    try {
      RaftMember.Status st = member.status();
      // Only a newly named leader is news: "no leader" during an election, or the same leader again in a
      // later term, would only move 30,000 agents' reports to every member and back.
      String leader = st.leader().orElse("");
      if (leader.isEmpty() || leader.equals(leaderNow.getLeader())) return;
      var notice = dev.deneb.protocol.LeaderNotice.newBuilder().setLeader(leader).setTerm(Math.max(0, st.term())).build();
      leaderNow = notice;
      ControllerMessage m = ControllerMessage.newBuilder().setLeader(notice).build();
      for (Stream s : streams) s.send(m);
    } catch (RuntimeException e) {
      LOG.warn("could not tell agents about the leader: {}", e.toString());
    }
  }

  @Override
  public void close() {
    leaderWatch.shutdownNow();
  }

  /** Snapshot loads the directive listener has seen (apply thread only); -1 sweeps on the first entry. */
  private long snapshotsSeen = -1;
  /** Open, welcomed streams by their agent's cluster. */
  private final Map<String, Set<Stream>> byCluster = new ConcurrentHashMap<>();

  public long connectedAgents() {
    return connected.get();
  }

  /**
   * The epoch whose primary a workflow is replacing (its agents promise nothing for it any more), or 0:
   * from BEGUN on, the workflow's target epoch less one.
   */
  static long replacingEpoch(ClusterRecord c) {
    return c.hasWorkflow() ? c.getWorkflow().getTargetEpoch() - 1 : 0;
  }

  /** The cluster's failsafe setting: on unless turned off. */
  public static boolean failsafe(ClusterRecord c) {
    return !c.getSettings().hasFailsafe() || c.getSettings().getFailsafe();
  }

  static Optional<String> checkPeerAddress(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || address.length() > 300) return Optional.of("'" + address + "' is not host:port");
    try {
      int port = Integer.parseInt(address.substring(colon + 1));
      if (port < 1 || port > 65535) return Optional.of("'" + address + "' has port " + port + " outside 1-65535");
    } catch (NumberFormatException e) {
      return Optional.of("'" + address + "' is not host:port");
    }
    return Optional.empty();
  }

  /** Rounds judged for another node, relayed by an agent of its cluster (failsafe relay). */
  public long relayedRounds() {
    return relayed.get();
  }

  /** Grants not sent because the agent's stream was not ready (a slow agent). */
  public long grantsDropped() {
    return grantsDropped.get();
  }

  @Override
  public StreamObserver<AgentMessage> connect(StreamObserver<ControllerMessage> out) {
    return new Stream((ServerCallStreamObserver<ControllerMessage>) out);
  }

  /** One agent's stream. gRPC delivers its inbound messages one at a time. */
  private final class Stream implements StreamObserver<AgentMessage> {
    private final ServerCallStreamObserver<ControllerMessage> out;
    private volatile Hello hello;
    private boolean closed;
    private ClusterRecord lastSeen;
    private String lastDirective = "";
    private long lastEpoch;
    private String lastPrimary = "";
    private long lastReplacing;
    private boolean lastFailsafe;
    /** When this stream's relays were last logged (one line per 10 s at most). */
    private long lastRelayLogged;
    private String lastStep = "";

    Stream(ServerCallStreamObserver<ControllerMessage> out) {
      this.out = out;
    }

    @Override
    public void onNext(AgentMessage message) {
      if (closed) return;
      if (hello == null) {
        if (message.getKindCase() != AgentMessage.KindCase.HELLO) {
          refuse("the first message on a stream must be hello, got " + message.getKindCase());
          return;
        }
        Optional<String> bad = Rules.checkClusterName(message.getHello().getCluster())
            .or(() -> Rules.checkNodeName(message.getHello().getNode()));
        if (bad.isPresent()) {
          refuse("hello: " + bad.get());
          return;
        }
        hello = message.getHello();
        if (!hello.getPeerAddress().isEmpty()) {
          Optional<String> badPeer = checkPeerAddress(hello.getPeerAddress());
          if (badPeer.isPresent()) {
            refuse("hello: peer_address " + badPeer.get());
            hello = null;
            return;
          }
          peerAddresses.computeIfAbsent(hello.getCluster(), k -> new ConcurrentHashMap<>())
              .put(hello.getNode(), hello.getPeerAddress());
        }
        connected.incrementAndGet();
        LOG.info("agent {}/{} connected (highest epoch seen {})", hello.getCluster(), hello.getNode(),
            hello.getHighestEpochSeen());
        send(ControllerMessage.newBuilder().setWelcome(welcome()).build());
        streams.add(this);
        byCluster.computeIfAbsent(hello.getCluster(), k -> ConcurrentHashMap.newKeySet()).add(this);
        // A leader change between the welcome and joining `streams` would be missed: say it again.
        send(ControllerMessage.newBuilder().setLeader(leaderNow).build());
        deliverDirective(member.stateMachine().image().state());
        return;
      }
      switch (message.getKindCase()) {
        case REPORT -> reports.record(hello.getCluster(), hello.getNode(), message.getReport(), nanos.getAsLong(),
            member.selfId().toString());
        case RENEW -> renew(message.getRenew());
        case RELAY -> relay(message.getRelay());
        case ACK -> {
          var ack = message.getAck();
          if (ack.getRefusedStale()) {
            LOG.warn("agent {}/{} refused directive {} as stale: {}", hello.getCluster(), hello.getNode(), ack.getId(),
                ack.getDetail());
          } else {
            LOG.info("agent {}/{} acknowledged directive {}: {} ({})", hello.getCluster(), hello.getNode(), ack.getId(),
                ack.getDone() ? "done" : "not done", ack.getDetail());
            forward(hello, ack);
          }
        }
        case HELLO -> refuse("hello sent twice on one stream");
        case KIND_NOT_SET -> refuse("a message with no kind (a newer agent?)");
      }
    }

    /**
     * Tells the agent what the committed state now says for its node: a new epoch or primary (once
     * each), and the directive it must carry out (once per directive id; again after a reconnect).
     */
    synchronized void deliverDirective(DenebState state) {
      Hello h = hello;
      if (h == null) return;
      Optional<ClusterRecord> c = state.cluster(h.getCluster());
      if (c.isEmpty() || c.get() == lastSeen) return;
      lastSeen = c.get();
      long replacing = replacingEpoch(c.get());
      boolean failsafe = failsafe(c.get());
      if (c.get().getEpoch() != lastEpoch || !c.get().getPrimary().equals(lastPrimary) || replacing != lastReplacing
          || failsafe != lastFailsafe) {
        lastEpoch = c.get().getEpoch();
        lastPrimary = c.get().getPrimary();
        lastReplacing = replacing;
        lastFailsafe = failsafe;
        send(ControllerMessage.newBuilder().setEpoch(EpochNotice.newBuilder().setEpoch(lastEpoch).setPrimary(lastPrimary)
            .setLeaseTtlMillis(c.get().getSettings().getLeaseTtlMillis())
            .setSemiSync(Directives.semiSync(c.get()))
            .setSemiSyncTimeoutMillis(c.get().getSettings().getSemiSyncTimeoutMillis())
            .setReplacingEpoch(replacing).setFailsafe(failsafe)).build());
      }
      // A workflow step, or a node awaiting its check, wants fresh positions from every node: the
      // agents report at full rate for a while (ReportSchedule) instead of at the slow heartbeat.
      String step = c.get().hasWorkflow()
          ? "workflow " + c.get().getWorkflow().getTargetEpoch() + "/" + c.get().getWorkflow().getStep()
          : nodesAwaitingCheck(c.get());
      if (!step.equals(lastStep)) {
        if (!step.isEmpty()) {
          send(ControllerMessage.newBuilder().setReportNow(dev.deneb.protocol.ReportRequest.newBuilder()
              .setReason(step)).build());
        }
        lastStep = step;
      }
      Optional<Directive> d = Directives.pending(c.get(), h.getNode());
      if (d.isPresent() && !d.get().getId().equals(lastDirective)) {
        lastDirective = d.get().getId();
        LOG.info("directive {} to agent {}/{}", d.get().getId(), h.getCluster(), h.getNode());
        send(ControllerMessage.newBuilder().setDirective(d.get()).build());
      }
    }

    private static String nodesAwaitingCheck(ClusterRecord c) {
      StringBuilder out = new StringBuilder();
      for (var n : c.getNodesList()) {
        if (n.getNeedsCheck()) out.append(out.length() == 0 ? "node check: " : ", ").append(n.getNode());
      }
      return out.toString();
    }

    private Welcome welcome() {
      RaftMember.Status st = member.status();
      Welcome.Builder w = Welcome.newBuilder().setMember(member.selfId().toString())
          .setLeader(st.leader().orElse("")).setLeaderTerm(Math.max(0, st.term()));
      Optional<ClusterRecord> c = member.stateMachine().image().state().cluster(hello.getCluster());
      c.ifPresent(cluster -> w.setEpoch(cluster.getEpoch()).setPrimary(cluster.getPrimary())
          .setLeaseTtlMillis(cluster.getSettings().getLeaseTtlMillis()));
      return w.setGroupSize(groupSize).build();
    }

    /** One renewal round, judged from this member's applied state; answered at once. */
    private void renew(RenewLease r) {
      LeaseGrant.Builder grant = judge(hello.getNode(), r.getRequestId(), r.getEpoch());
      if (!out.isReady()) {
        grantsDropped.incrementAndGet();
        return;
      }
      send(ControllerMessage.newBuilder().setGrant(grant).build());
    }

    /**
     * Another node's round, relayed by this stream's agent (failsafe, docs/lease.md "Relay"): judged
     * exactly as if {@code r.node} had sent it — the grant is recorded for that node's lease, at this
     * receipt time, which is after the primary sent the round — and answered on this stream.
     */
    private void relay(dev.deneb.protocol.RelayedRenew r) {
      Optional<String> bad = Rules.checkNodeName(r.getNode());
      if (bad.isPresent()) {
        refuse("relay: node " + bad.get());
        return;
      }
      if (r.getNode().equals(hello.getNode())) {
        refuse("relay: " + hello.getNode() + " relays its own round; send it as a renewal");
        return;
      }
      LeaseGrant.Builder grant = judge(r.getNode(), r.getRequestId(), r.getEpoch())
          .setRelayedFor(r.getNode()).setRelayId(r.getRelayId());
      relayed.incrementAndGet();
      long now = nanos.getAsLong();
      if (lastRelayLogged == 0 || now - lastRelayLogged > RELAY_LOG_EVERY_NANOS) {
        lastRelayLogged = now;
        LOG.info("agent {}/{} relays {}'s lease rounds (epoch {}): {} reaches this member only through its replicas; "
            + "this round {}", hello.getCluster(), hello.getNode(), r.getNode(), r.getEpoch(), r.getNode(),
            grant.getAccepted() ? "granted" : "refused (" + grant.getRefusal() + ")");
      }
      if (!out.isReady()) {
        grantsDropped.incrementAndGet();
        return;
      }
      send(ControllerMessage.newBuilder().setGrant(grant).build());
    }

    /** Judges and records one round of {@code node}'s lease in this stream's cluster. */
    private LeaseGrant.Builder judge(String node, long requestId, long epoch) {
      Refusal refusal = grants.grant(hello.getCluster(), node, epoch, nanos.getAsLong());
      counter.record(refusal == Refusal.REFUSAL_UNSPECIFIED);
      Optional<ClusterRecord> c = member.stateMachine().image().state().cluster(hello.getCluster());
      LeaseGrant.Builder grant = LeaseGrant.newBuilder().setRequestId(requestId).setMember(memberId)
          .setAccepted(refusal == Refusal.REFUSAL_UNSPECIFIED).setRefusal(refusal)
          // A member still catching up says no epoch: its state may be behind, so its "no" is no verdict.
          .setEpoch(refusal == Refusal.MEMBER_CATCHING_UP ? 0 : c.map(ClusterRecord::getEpoch).orElse(0L))
          .setTtlMillis(c.map(x -> x.getSettings().getLeaseTtlMillis()).orElse(0L));
      if (refusal == Refusal.REFUSAL_UNSPECIFIED && c.isPresent() && failsafe(c.get())) {
        // Failsafe: the nodes this grant confirms, and where their agents take promise requests.
        java.util.Map<String, String> known = peerAddresses.getOrDefault(hello.getCluster(), java.util.Map.of());
        for (var n : c.get().getNodesList()) {
          grant.addMembership(n.getNode());
          String at = known.get(n.getNode());
          if (at != null && !n.getNode().equals(node)) {
            grant.addPeers(dev.deneb.protocol.PeerAddress.newBuilder().setNode(n.getNode()).setAddress(at));
          }
        }
      }
      return grant;
    }

    private void refuse(String why) {
      LOG.warn("closing agent stream{}: {}", hello == null ? "" : " of " + hello.getCluster() + "/" + hello.getNode(), why);
      send(ControllerMessage.newBuilder().setError(StreamError.newBuilder().setMessage(why)).build());
      synchronized (out) {
        if (!closed) {
          closed = true;
          out.onCompleted();
        }
      }
    }

    /** Grants complete on Raft threads while the gRPC thread may be sending: serialise writes. */
    private void send(ControllerMessage m) {
      synchronized (out) {
        if (closed || out.isCancelled()) return;
        try {
          out.onNext(m);
        } catch (RuntimeException e) {
          closed = true;
          LOG.debug("agent stream gone while sending: {}", e.toString());
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      end("failed: " + t.getMessage());
    }

    @Override
    public void onCompleted() {
      end("closed by the agent");
      synchronized (out) {
        if (!closed) {
          closed = true;
          out.onCompleted();
        }
      }
    }

    private void end(String how) {
      streams.remove(this);
      if (hello != null) {
        byCluster.computeIfPresent(hello.getCluster(), (k, set) -> {
          set.remove(this);
          return set.isEmpty() ? null : set;
        });
        reports.streamEnded(hello.getCluster(), hello.getNode());
        connected.decrementAndGet();
        LOG.info("agent {}/{} stream {}", hello.getCluster(), hello.getNode(), how);
        hello = null;
      }
    }
  }

  /**
   * Workflow acknowledgements (fence, promote, detach) become commands, whichever member the agent reached,
   * so the leader's orchestrator sees them in the committed state (DESIGN §4). Replicate acks are only
   * logged: the orchestrator checks replication in the agents' reports.
   */
  private static final java.util.Set<String> FORWARDED_KINDS = java.util.Set.of("fence", "promote", "detach");

  private void forward(Hello h, dev.deneb.protocol.DirectiveAck ack) {
    String[] parts = ack.getId().split("/");
    if (parts.length < 4 || !FORWARDED_KINDS.contains(parts[2])) return;
    gateway.submitAgentLane(dev.deneb.protocol.Command.newBuilder().setRecordAck(dev.deneb.protocol.RecordAck.newBuilder()
            .setCluster(h.getCluster()).setNode(h.getNode()).setDirectiveId(ack.getId()).setEpoch(ack.getEpoch())
            .setDone(ack.getDone()).setDetail(ack.getDetail()).setGtids(ack.getGtids())).build())
        .whenComplete((r, e) -> {
          if (e != null) LOG.warn("could not record the acknowledgement of {}: {}", ack.getId(), rootMessage(e));
          else if (!r.getAccepted()) LOG.debug("acknowledgement of {} not recorded: {}", ack.getId(), r.getMessage());
        });
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) t = t.getCause();
    return t.getMessage();
  }
}
