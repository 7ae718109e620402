package dev.deneb.controller;

import dev.deneb.controller.api.ApiRouter;
import dev.deneb.controller.api.ApiServer;
import dev.deneb.controller.config.ControllerConfig;
import dev.deneb.controller.metrics.ControllerMetrics;
import dev.deneb.controller.raft.CommandGateway;
import dev.deneb.controller.raft.RaftMember;
import java.io.Closeable;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running controller member: Raft first, then the API that serves it. Closed in reverse order. */
public final class ControllerNode implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerNode.class);

  private final RaftMember member;
  private final ApiServer api;

  private ControllerNode(RaftMember member, ApiServer api) {
    this.member = member;
    this.api = api;
  }

  public static ControllerNode start(ControllerConfig config) throws IOException, InterruptedException {
    RaftMember member = new RaftMember(config);
    member.start();
    try {
      ControllerMetrics metrics = new ControllerMetrics(config.id());
      metrics.bind(member);
      CommandGateway gateway = new CommandGateway(member, config.raft().requestTimeout(), System::currentTimeMillis);
      ApiRouter router = new ApiRouter(config, member, gateway, metrics);
      return new ControllerNode(member, new ApiServer(config.self().http(), config.api().maxRequestBytes(), router, metrics));
    } catch (RuntimeException | InterruptedException e) {
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
    } finally {
      member.close();
    }
  }
}
