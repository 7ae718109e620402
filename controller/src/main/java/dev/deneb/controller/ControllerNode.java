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
  private final List<Closeable> agentSide;

  private ControllerNode(RaftMember member, ApiServer api, List<Closeable> agentSide) {
    this.member = member;
    this.api = api;
    this.agentSide = agentSide;
  }

  public static ControllerNode start(ControllerConfig config) throws IOException, InterruptedException {
    RaftMember member = new RaftMember(config);
    member.start();
    try {
      ControllerMetrics metrics = new ControllerMetrics(config.id());
      metrics.bind(member);
      CommandGateway gateway = new CommandGateway(member, config.raft().requestTimeout(), System::currentTimeMillis);
      List<Closeable> agentSide = new ArrayList<>();
      if (config.self().agent().isPresent()) {
        RenewalBatcher batcher = new RenewalBatcher(gateway, config.agents().renewalBatchWindow(),
            config.agents().maxRenewalsPerEntry(), metrics::recordRenewalEntry);
        agentSide.add(batcher);
        AgentReports reports = new AgentReports();
        AgentGatewayService service = new AgentGatewayService(member, batcher, reports);
        agentSide.add(new AutoBootstrap(member, gateway, reports));
        metrics.bindAgents(service::connectedAgents);
        agentSide.add(0, new AgentServer(config.self().agent().get(), service));
      } else {
        LOG.info("no agent address configured for {}: this member serves no agents", config.id());
      }
      ApiRouter router = new ApiRouter(config, member, gateway, metrics);
      return new ControllerNode(member, new ApiServer(config.self().http(), config.api().maxRequestBytes(), router, metrics),
          agentSide);
    } catch (IOException | RuntimeException | InterruptedException e) {
      member.close();
      throw e;
    }
  }

  public RaftMember member() {
    return member;
  }

  @Override
  public void close() throws IOException {
    LOG.info("controller {} stopping", member.selfId());
    try {
      api.close();
      for (Closeable c : agentSide) c.close();
    } finally {
      member.close();
    }
  }
}
