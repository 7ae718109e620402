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
import dev.deneb.agent.report.ReportRoute;
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
 * reconnects on its own. Every renewal round goes to every connected member (quorum leases,
 * docs/lease.md): the lease holds while a majority of members grant, whichever they are. Health
 * reports go to the leader alone while it is known and connected, else to every member
 * ({@link ReportRoute}).
 *
 * <p>Back-pressure: a link whose stream cannot take more (gRPC {@code isReady} false: a slow or stuck
 * member) is skipped for renewals and reports rather than queued to, so it never delays the others;
 * the next round or report goes to it again once it is ready.
 *
 * <p>Callbacks to the {@link Listener} arrive on gRPC threads; the agent hands them to its loop.
 */
public final class ControllerLinks implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerLinks.class);
  private static final long RECONNECT_MIN_MS = 200;
  private static final long RECONNECT_MAX_MS = 2000;

  public interface Listener {
    void welcome(String via, Welcome welcome);

    /** @param member the id of the member that answered (from the grant, else from its welcome) */
    void grant(String via, String member, LeaseGrant grant);

    void refused(String via, String why);

    void directive(String via, Directive directive);

    void epoch(String via, EpochNotice notice);

    /** A member asks for a health report now (the cluster's workflow moved). */
    void reportNow(String via, String reason);

    /** Reports now go elsewhere (a new leader): it has none of this agent's reports yet. */
    void reportTargetChanged(String leader);
  }

  private final ReportRoute route = new ReportRoute();

  private final List<Link> links = new ArrayList<>();
  private final Supplier<Hello> hello;
  private final Listener listener;
  private final ScheduledExecutorService timers;
  private volatile boolean closed;

  public ControllerLinks(List<HostPort> members, Supplier<Hello> hello, Listener listener, ScheduledExecutorService timers) {
    this.hello = hello;
    this.listener = listener;
    this.timers = timers;
    for (HostPort m : members) links.add(new Link(m));
  }

  public void start() {
    links.forEach(Link::connect);
  }

  public int connectedCount() {
    return (int) links.stream().filter(l -> l.welcomed).count();
  }

  /** Sends one renewal round to every connected member that can take it; returns how many. */
  public int renew(RenewLease renewal) {
    return toEveryReadyMember(AgentMessage.newBuilder().setRenew(renewal).build());
  }

  /** Relays another node's lease round to every connected member that can take it; returns how many. */
  public int relay(dev.deneb.protocol.RelayedRenew relayed) {
    return toEveryReadyMember(AgentMessage.newBuilder().setRelay(relayed).build());
  }

  /**
   * Sends a health report to the leader if it is known and connected (skipped when its stream is
   * full), else to every connected member that can take it; returns how many.
   */
  public int report(HealthReport report) {
    AgentMessage m = AgentMessage.newBuilder().setReport(report).build();
    String leader = route.leader();
    if (!leader.isEmpty()) {
      for (Link l : links) {
        if (l.welcomed && leader.equals(l.memberId)) {
          if (!l.ready()) return 0;
          l.send(m);
          return 1;
        }
      }
    }
    return toEveryReadyMember(m);
  }

  private void leaderNamed(String leader, long term) {
    if (route.onLeader(leader, term)) listener.reportTargetChanged(leader);
  }

  /** A member whose stream is full is skipped, not queued to: it must never delay the others. */
  private int toEveryReadyMember(AgentMessage m) {
    int sent = 0;
    for (Link l : links) {
      if (l.welcomed && l.ready()) {
        l.send(m);
        sent++;
      }
    }
    return sent;
  }

  /** Acknowledges a directive on the link it came from (any connected one if that link is gone). */
  public void ack(String via, DirectiveAck ack) {
    AgentMessage m = AgentMessage.newBuilder().setAck(ack).build();
    for (Link l : links) {
      if (l.welcomed && l.address.toString().equals(via)) {
        l.send(m);
        return;
      }
    }
    for (Link l : links) {
      if (l.welcomed) {
        l.send(m);
        return;
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Link l : links) l.shutdown();
  }

  /** One member: its channel, the current stream, and the member id its welcome gave. */
  private final class Link implements StreamObserver<ControllerMessage> {
    final HostPort address;
    final ManagedChannel channel;
    volatile StreamObserver<AgentMessage> up;
    volatile boolean welcomed;
    volatile String memberId = "";
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
      StreamObserver<AgentMessage> stream = AgentGatewayGrpc.newStub(channel).connect(this);
      up = stream;
      synchronized (this) {
        stream.onNext(AgentMessage.newBuilder().setHello(hello.get()).build());
      }
    }

    /** Whether the stream can take a message without queueing (gRPC flow control). */
    boolean ready() {
      StreamObserver<AgentMessage> u = up;
      return !(u instanceof io.grpc.stub.ClientCallStreamObserver<AgentMessage> c) || c.isReady();
    }

    synchronized void send(AgentMessage m) {
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
          memberId = m.getWelcome().getMember();
          welcomed = true;
          backoffMs = RECONNECT_MIN_MS;
          listener.welcome(address.toString(), m.getWelcome());
          leaderNamed(m.getWelcome().getLeader(), m.getWelcome().getLeaderTerm());
        }
        case LEADER -> leaderNamed(m.getLeader().getLeader(), m.getLeader().getTerm());
        // A member that names no id counts by its address: two links never count as one by accident.
        case GRANT -> listener.grant(address.toString(), !m.getGrant().getMember().isEmpty() ? m.getGrant().getMember()
            : memberId.isEmpty() ? address.toString() : memberId, m.getGrant());
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
