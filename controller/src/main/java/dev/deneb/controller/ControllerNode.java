package dev.deneb.controller;

import dev.deneb.controller.agent.AgentGatewayService;
import dev.deneb.controller.agent.AgentReports;
import dev.deneb.controller.agent.AgentServer;
import dev.deneb.controller.agent.AutoBootstrap;
import dev.deneb.controller.agent.RenewalBatcher;
import dev.deneb.controller.api.ApiRouter;
import dev.deneb.controller.api.ApiServer;
import dev.deneb.controller.config.ControllerConfig;
import dev.deneb.controller.metrics.ControllerMetrics;
import dev.deneb.controller.raft.CommandGateway;
import dev.deneb.controller.raft.RaftMember;
import dev.deneb.controller.discovery.DiscoveryBackend;
import dev.deneb.controller.dns.BuiltInDnsServer;
import dev.deneb.controller.dns.DiscoveryView;
import dev.deneb.controller.dns.Rfc2136Backend;
import dev.deneb.controller.failover.Orchestrator;
import dev.deneb.controller.failover.RenewalClock;
import dev.deneb.controller.failover.SqlFencer;
import java.io.Closeable;
import java.util.concurrent.atomic.AtomicReference;
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
      // Every member keeps the renewal clock (a follower may become leader) and the reports it receives.
      RenewalClock renewalClock = new RenewalClock(System::nanoTime);
      member.stateMachine().addCommandListener((command, result, image) -> renewalClock.applied(command, result));
      AgentReports reports = new AgentReports();
      if (config.self().agent().isPresent()) {
        RenewalBatcher batcher = new RenewalBatcher(gateway, config.agents().renewalBatchWindow(),
            config.agents().maxRenewalsPerEntry(), metrics::recordRenewalEntry);
        started.add(batcher);
        AgentGatewayService service = new AgentGatewayService(member, batcher, reports, gateway);
        started.add(new AutoBootstrap(member, gateway, reports));
        metrics.bindAgents(service::connectedAgents);
        started.add(0, new AgentServer(config.self().agent().get(), service));
      } else {
        LOG.info("no agent address configured for {}: this member serves no agents", config.id());
      }
      List<DiscoveryBackend> backends = new ArrayList<>();
      for (var r : config.rfc2136()) backends.add(new Rfc2136Backend(r));
      for (var h : config.haproxy()) backends.add(new dev.deneb.controller.discovery.haproxy.HaproxyBackend(h));
      // Post hooks run last, once every other backend names the new primary.
      backends.addAll(config.hooks().postBackends());
      Orchestrator orchestrator = new Orchestrator(member, gateway, reports, renewalClock, config.failover(), backends,
          config.hooks().preHooks(), config.databases().map(SqlFencer::new), metrics, ORCHESTRATOR_TICK, System::nanoTime,
          System::currentTimeMillis);
      orchestrator.start();
      started.add(orchestrator);
      if (config.dns().isPresent()) {
        // DNS answers from a view rebuilt after every apply (STYLE 12): never from live state.
        AtomicReference<DiscoveryView> view = new AtomicReference<>(DiscoveryView.from(member.stateMachine().image().state()));
        member.stateMachine().addListener(image -> view.set(DiscoveryView.from(image.state())));
        BuiltInDnsServer dns = BuiltInDnsServer.start(config.dns().get(), view::get);
        LOG.info("built-in DNS for zone {} on {} (UDP and TCP)", config.dns().get().zone(), config.dns().get().listen());
        started.add(dns);
      }
      ApiRouter router = new ApiRouter(config, member, gateway, metrics, orchestrator);
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
