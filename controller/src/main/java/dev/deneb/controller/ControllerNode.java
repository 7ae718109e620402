package dev.deneb.controller;

import dev.deneb.controller.agent.AgentGatewayService;
import dev.deneb.controller.agent.AgentReports;
import dev.deneb.controller.agent.AgentServer;
import dev.deneb.controller.agent.AutoBootstrap;
import dev.deneb.controller.api.ApiRouter;
import dev.deneb.controller.api.ApiServer;
import dev.deneb.controller.config.ControllerConfig;
import dev.deneb.controller.metrics.ControllerMetrics;
import dev.deneb.controller.raft.CommandGateway;
import dev.deneb.controller.raft.RaftMember;
import dev.deneb.controller.discovery.DiscoveryBackend;
import dev.deneb.controller.dns.BuiltInDnsServer;
import dev.deneb.controller.dns.LatestDiscoveryView;
import dev.deneb.controller.dns.Rfc2136Backend;
import dev.deneb.controller.failover.Orchestrator;
import dev.deneb.controller.lease.AppliedCommands;
import dev.deneb.controller.lease.CatchUpGate;
import dev.deneb.controller.lease.GrantTable;
import dev.deneb.controller.lease.GroupLeases;
import dev.deneb.controller.lease.PauseWatch;
import dev.deneb.controller.lease.PeerLeases;
import dev.deneb.controller.failover.SqlFencer;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running controller member: Raft first, then the API that serves it. Closed in reverse order. */
public final class ControllerNode implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerNode.class);

  private final RaftMember member;
  private final ApiServer api;
  private final List<Closeable> services;

  private ControllerNode(RaftMember member, ApiServer api, List<Closeable> services) {
    this.member = member;
    this.api = api;
    this.services = services;
  }

  public static ControllerNode start(ControllerConfig config) throws IOException, InterruptedException {
    RaftMember member = new RaftMember(config);
    member.start();
    List<Closeable> started = new ArrayList<>();
    try {
      ControllerMetrics metrics = new ControllerMetrics(config.id());
      metrics.bind(member);
      CommandGateway gateway = new CommandGateway(member, config.raft().requestTimeout(), System::currentTimeMillis);
      // Every member grants leases from its own applied state (docs/lease.md) and keeps the reports it receives.
      GrantTable grants = new GrantTable(() -> member.stateMachine().image().state(), System.nanoTime());
      member.stateMachine().addCommandListener((command, result, image) ->
          AppliedCommands.cluster(command).ifPresent(name -> grants.applied(name, image.state(), System.nanoTime())));
      AgentReports reports = new AgentReports();
      int groupSize = config.peers().size();
      if (config.self().agent().isPresent()) {
        AgentGatewayService service = new AgentGatewayService(member, grants, groupSize, System::nanoTime, reports, gateway,
            metrics.leaseGrantCounters());
        started.add(new AutoBootstrap(member, gateway, reports));
        started.add(service);
        metrics.bindAgents(service::connectedAgents, service::grantsDropped, service::relayedRounds);
        metrics.bindFailsafe(() -> reports.failsafeActive(member.stateMachine().image().state(), System.nanoTime(),
            FAILSAFE_REPORT_FRESH_NANOS));
        started.add(0, new AgentServer(config.self().agent().get(), service));
      } else {
        LOG.info("no agent address configured for {}: this member serves no agents (and grants no leases)", config.id());
      }
      PeerLeases peerLeases = new PeerLeases(config, System::nanoTime, PEER_POLL, config.raft().requestTimeout());
      started.add(peerLeases);
      started.add(new CatchUpGate(gateway, grants, java.time.Duration.ofMillis(200)));
      started.add(new PauseWatch(java.time.Duration.ofSeconds(2), grants::resumedAt).start(System::nanoTime));
      GroupLeases leases = new GroupLeases(config.id(), groupSize, grants, peerLeases, PEER_WORD_FRESH.toMillis());
      List<DiscoveryBackend> backends = new ArrayList<>();
      for (var r : config.rfc2136()) backends.add(new Rfc2136Backend(r));
      for (var h : config.haproxy()) backends.add(new dev.deneb.controller.discovery.haproxy.HaproxyBackend(h));
      // Post hooks run last, once every other backend names the new primary.
      backends.addAll(config.hooks().postBackends());
      Orchestrator orchestrator = new Orchestrator(member, gateway, reports, leases, config.failover(), backends,
          config.hooks().preHooks(), config.databases().map(SqlFencer::new), metrics, ORCHESTRATOR_TICK, System::nanoTime,
          System::currentTimeMillis);
      orchestrator.start();
      started.add(orchestrator);
      if (config.dns().isPresent()) {
        // DNS answers from a view of the newest applied state (STYLE 12), never from live state.
        LatestDiscoveryView view = new LatestDiscoveryView(() -> member.stateMachine().image().state());
        BuiltInDnsServer dns = BuiltInDnsServer.start(config.dns().get(), view);
        LOG.info("built-in DNS for zone {} on {} (UDP and TCP)", config.dns().get().zone(), config.dns().get().listen());
        started.add(dns);
      }
      ApiRouter router = new ApiRouter(config, member, gateway, metrics, orchestrator, grants);
      return new ControllerNode(member, new ApiServer(config.self().http(), config.api().maxRequestBytes(), router, metrics),
          started);
    } catch (IOException | RuntimeException | InterruptedException e) {
      for (Closeable c : started) {
        try {
          c.close();
        } catch (IOException | RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      member.close();
      throw e;
    }
  }

  /** How often the leader asks the other members about the leases it doubts (docs/lease.md). */
  private static final java.time.Duration PEER_POLL = java.time.Duration.ofMillis(100);
  /** An open member's lease word older than this is not used: a few polls. */
  private static final java.time.Duration PEER_WORD_FRESH = java.time.Duration.ofMillis(1000);
  /** deneb_failsafe_active reads the primary's reports no older than this (three 5 s heartbeats). */
  private static final long FAILSAFE_REPORT_FRESH_NANOS = 15_000_000_000L;

  /** How often the leader's orchestrator decides; a fraction of the 500 ms report interval. */
  private static final java.time.Duration ORCHESTRATOR_TICK = java.time.Duration.ofMillis(100);

  public RaftMember member() {
    return member;
  }

  @Override
  public void close() throws IOException {
    LOG.info("controller {} stopping", member.selfId());
    try {
      api.close();
      for (Closeable c : services) c.close();
    } finally {
      member.close();
    }
  }
}
