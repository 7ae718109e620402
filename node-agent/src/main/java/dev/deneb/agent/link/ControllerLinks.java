package dev.deneb.agent.link;

import dev.deneb.protocol.AgentGatewayGrpc;
import dev.deneb.protocol.AgentMessage;
import dev.deneb.protocol.ControllerMessage;
import dev.deneb.protocol.Directive;
import dev.deneb.protocol.DirectiveAck;
import dev.deneb.protocol.EpochNotice;
import dev.deneb.protocol.HealthReport;
import dev.deneb.protocol.Hello;
import dev.deneb.protocol.LeaseGrant;
import dev.deneb.protocol.RenewLease;
import dev.deneb.protocol.Welcome;
import dev.deneb.protocol.config.HostPort;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's streams to every controller member it is configured with (DESIGN §4). Each link
 * reconnects on its own; a renewal goes through the link that answered most recently, and moves to
 * the next one when its link stops answering — so an agent that reaches any member keeps its lease.
 * Health reports go to every connected member.
 *
 * <p>Callbacks to the {@link Listener} arrive on gRPC threads; the agent hands them to its loop.
 */
public final class ControllerLinks implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerLinks.class);
  private static final long RECONNECT_MIN_MS = 200;
  private static final long RECONNECT_MAX_MS = 2000;

  public interface Listener {
    void welcome(String via, Welcome welcome);

    void grant(String via, LeaseGrant grant);

    void refused(String via, String why);

    void directive(String via, Directive directive);

    void epoch(String via, EpochNotice notice);

    /** A member asks for a health report now (the cluster's workflow moved). */
    void reportNow(String via, String reason);
  }

  private final List<Link> links = new ArrayList<>();
  private final Supplier<Hello> hello;
  private final Listener listener;
  private final ScheduledExecutorService timers;
  private final long unansweredNanos;
  private volatile boolean closed;
  private int preferred;

  /**
   * @param unanswered a link that has left a renewal unanswered this long is passed over
   */
  public ControllerLinks(List<HostPort> members, Supplier<Hello> hello, Listener listener,
      ScheduledExecutorService timers, java.time.Duration unanswered) {
    this.hello = hello;
    this.listener = listener;
    this.timers = timers;
    this.unansweredNanos = unanswered.toNanos();
    for (HostPort m : members) links.add(new Link(m));
  }

  public void start() {
    links.forEach(Link::connect);
  }

  public int connectedCount() {
    return (int) links.stream().filter(l -> l.welcomed).count();
  }

  /** Sends through one healthy link; false when no link is connected. */
  public synchronized boolean renew(RenewLease renewal, long nowNanos) {
    for (int i = 0; i < links.size(); i++) {
      Link l = links.get((preferred + i) % links.size());
      if (l.welcomed && !l.stalled(nowNanos)) {
        preferred = (preferred + i) % links.size();
        l.send(AgentMessage.newBuilder().setRenew(renewal).build(), nowNanos);
        return true;
      }
    }
    // Every link is stalled or down: try the next one anyway, so a recovered member is found.
    for (int i = 1; i <= links.size(); i++) {
      Link l = links.get((preferred + i) % links.size());
      if (l.welcomed) {
        preferred = (preferred + i) % links.size();
        l.send(AgentMessage.newBuilder().setRenew(renewal).build(), nowNanos);
        return true;
      }
    }
    return false;
  }

  /** Acknowledges a directive on the link it came from (any connected one if that link is gone). */
  public void ack(String via, DirectiveAck ack) {
    AgentMessage m = AgentMessage.newBuilder().setAck(ack).build();
    for (Link l : links) {
      if (l.welcomed && l.address.toString().equals(via)) {
        l.send(m, -1);
        return;
      }
    }
    for (Link l : links) {
      if (l.welcomed) {
        l.send(m, -1);
        return;
      }
    }
  }

  public void report(HealthReport report) {
    for (Link l : links) {
      if (l.welcomed) l.send(AgentMessage.newBuilder().setReport(report).build(), -1);
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Link l : links) l.shutdown();
  }

  /** One member: its channel, the current stream, and whether renewals sent on it are answered. */
  private final class Link implements StreamObserver<ControllerMessage> {
    final HostPort address;
    final ManagedChannel channel;
    volatile StreamObserver<AgentMessage> up;
    volatile boolean welcomed;
    volatile long oldestUnansweredAt = -1;
    long backoffMs = RECONNECT_MIN_MS;

    Link(HostPort address) {
      this.address = address;
      this.channel = NettyChannelBuilder.forAddress(address.host(), address.port()).usePlaintext()
          // Detect a silent (black-holed) member within seconds, not the OS TCP timeout.
          .keepAliveTime(1, TimeUnit.SECONDS).keepAliveTimeout(1, TimeUnit.SECONDS).keepAliveWithoutCalls(true)
          .build();
    }

    void connect() {
      if (closed) return;
      welcomed = false;
      oldestUnansweredAt = -1;
      StreamObserver<AgentMessage> stream = AgentGatewayGrpc.newStub(channel).connect(this);
      up = stream;
      synchronized (this) {
        stream.onNext(AgentMessage.newBuilder().setHello(hello.get()).build());
      }
    }

    boolean stalled(long now) {
      long since = oldestUnansweredAt;
      return since >= 0 && now - since > unansweredNanos;
    }

    synchronized void send(AgentMessage m, long now) {
      if (now >= 0 && oldestUnansweredAt < 0) oldestUnansweredAt = now;
      try {
        up.onNext(m);
      } catch (RuntimeException e) {
        LOG.debug("send to {} failed: {}", address, e.toString());
      }
    }

    @Override
    public void onNext(ControllerMessage m) {
      switch (m.getKindCase()) {
        case WELCOME -> {
          welcomed = true;
          backoffMs = RECONNECT_MIN_MS;
          listener.welcome(address.toString(), m.getWelcome());
        }
        case GRANT -> {
          oldestUnansweredAt = -1;
          listener.grant(address.toString(), m.getGrant());
        }
        case ERROR -> listener.refused(address.toString(), m.getError().getMessage());
        case DIRECTIVE -> listener.directive(address.toString(), m.getDirective());
        case EPOCH -> listener.epoch(address.toString(), m.getEpoch());
        case REPORT_NOW -> listener.reportNow(address.toString(), m.getReportNow().getReason());
        case KIND_NOT_SET -> LOG.warn("member {} sent a message of no known kind (a newer controller?)", address);
      }
    }

    @Override
    public void onError(Throwable t) {
      lost("failed: " + t.getMessage());
    }

    @Override
    public void onCompleted() {
      lost("closed by the controller");
    }

    private void lost(String how) {
      boolean was = welcomed;
      welcomed = false;
      if (closed) return;
      if (was) LOG.warn("stream to controller {} {}; reconnecting", address, how);
      long delay = backoffMs;
      backoffMs = Math.min(RECONNECT_MAX_MS, backoffMs * 2);
      timers.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    void shutdown() {
      try {
        StreamObserver<AgentMessage> u = up;
        if (u != null) u.onCompleted();
      } catch (RuntimeException ignored) {
        // The stream is already gone; closing the channel below is what matters.
      }
      channel.shutdownNow();
    }
  }
}
