package dev.deneb.controller.agent;

import dev.deneb.controller.raft.CommandGateway;
import dev.deneb.controller.raft.RaftMember;
import dev.deneb.protocol.BootstrapEpoch;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.Command;
import java.io.Closeable;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader, once a second: clusters without an epoch whose topology the agents' reports make
 * unambiguous ({@link BootstrapDecision}) are bootstrapped. A duplicate proposal after a leader
 * change is refused by the state machine (ALREADY_BOOTSTRAPPED), so this needs no coordination.
 */
public final class AutoBootstrap implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(AutoBootstrap.class);
  private static final Duration MAX_REPORT_AGE = Duration.ofSeconds(5);

  private final RaftMember member;
  private final CommandGateway gateway;
  private final AgentReports reports;
  private final Map<String, String> lastReason = new HashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "deneb-auto-bootstrap");
    t.setDaemon(true);
    return t;
  });

  public AutoBootstrap(RaftMember member, CommandGateway gateway, AgentReports reports) {
    this.member = member;
    this.gateway = gateway;
    this.reports = reports;
    timer.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
  }

  private void tick() {
    try {
      if (member.status().role() != RaftPeerRole.LEADER) return;
      long now = System.nanoTime();
      for (ClusterRecord c : member.stateMachine().image().state().clusters().values()) {
        if (c.getEpoch() != 0) continue;
        Map<String, AgentReports.Received> byNode = new HashMap<>();
        c.getNodesList().forEach(n -> reports.latest(c.getName(), n.getNode()).ifPresent(r -> byNode.put(n.getNode(), r)));
        BootstrapDecision.Outcome o = BootstrapDecision.decide(c, byNode, now, MAX_REPORT_AGE);
        if (o.primary().isEmpty()) {
          // Said once per change of reason, so the log shows why a cluster waits without repeating it.
          if (!o.reason().equals(lastReason.put(c.getName(), o.reason()))) {
            LOG.info("cluster '{}' not bootstrapped automatically: {}", c.getName(), o.reason());
          }
          continue;
        }
        LOG.info("bootstrapping cluster '{}' from agent reports: {}", c.getName(), o.reason());
        gateway.submit(Command.newBuilder().setBootstrapEpoch(BootstrapEpoch.newBuilder().setCluster(c.getName())
            .setPrimary(o.primary().get()).setReason("automatic: " + o.reason())).build()).join();
      }
    } catch (RuntimeException e) {
      LOG.warn("automatic bootstrap pass failed: {}", e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
