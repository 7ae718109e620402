package dev.deneb.agent.link;

import dev.deneb.agent.failsafe.PromiseAnswer;
import dev.deneb.agent.failsafe.PromiseRequest;
import dev.deneb.protocol.AgentPeerGrpc;
import dev.deneb.protocol.PromiseAsk;
import dev.deneb.protocol.PromiseReply;
import dev.deneb.protocol.config.HostPort;
import dev.deneb.protocol.LeaseGrant;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Takes failsafe promise requests from the other nodes' agents (docs/lease.md "Failsafe"). The
 * {@link Handler} decides (the agent's loop owns the promise book); a malformed request is refused
 * with INVALID_ARGUMENT naming the field, and changes nothing.
 */
public final class PeerServer implements Closeable {
  /** Answers one request; {@code reply} may be called from another thread, exactly once. */
  public interface Handler {
    /**
     * @param renewRequestId the asker's newest lease round, to relay (0: none)
     * @param replyWithinNanos how long the asker waits for the answer (its call deadline); a relay
     *     must answer well inside it
     */
    void promise(PromiseRequest request, long renewRequestId, long replyWithinNanos, Consumer<Answer> reply);
  }

  /** A promise answer, with the grants of the asker's round this node relayed (possibly none). */
  public record Answer(PromiseAnswer answer, List<LeaseGrant> relayedGrants) {
    public Answer {
      relayedGrants = List.copyOf(relayedGrants);
    }

    public Answer(PromiseAnswer answer) {
      this(answer, List.of());
    }
  }

  /** Without a deadline on the call, the asker is assumed to wait this long. */
  private static final long DEFAULT_REPLY_WITHIN_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private final Server server;

  public PeerServer(HostPort listen, Handler handler) {
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress(listen.host(), listen.port()))
        .addService(new Service(handler))
        .maxInboundMessageSize(64 * 1024) // a request names a handful of nodes
        .build();
  }

  public void start() throws IOException {
    server.start();
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The request as the book reads it, or why it is malformed. */
  static PromiseRequest request(PromiseAsk ask) {
    if (ask.getCluster().isEmpty()) throw new IllegalArgumentException("cluster is empty");
    if (ask.getPrimary().isEmpty()) throw new IllegalArgumentException("primary is empty");
    if (ask.getEpoch() <= 0) throw new IllegalArgumentException("epoch must be positive, got " + ask.getEpoch());
    if (ask.getDurationNanos() <= 0) {
      throw new IllegalArgumentException("duration_nanos must be positive, got " + ask.getDurationNanos());
    }
    if (ask.getMembershipCount() == 0) throw new IllegalArgumentException("membership is empty");
    return new PromiseRequest(ask.getCluster(), ask.getPrimary(), ask.getEpoch(), ask.getRound(), ask.getDurationNanos(),
        new HashSet<>(ask.getMembershipList()));
  }

  static PromiseReply reply(Answer answer) {
    PromiseAnswer a = answer.answer();
    PromiseReply.Builder b = PromiseReply.newBuilder().setRound(a.round()).setNode(a.node())
        .addAllRelayedGrants(answer.relayedGrants());
    if (a instanceof PromiseAnswer.Promised p) return b.setPromised(true).setEpochSeen(p.epoch()).build();
    PromiseAnswer.Declined d = (PromiseAnswer.Declined) a;
    return b.setPromised(false).setEpochSeen(d.epochSeen()).setDeclineReason(d.reason().name()).setDetail(d.detail()).build();
  }

  private static final class Service extends AgentPeerGrpc.AgentPeerImplBase {
    private final Handler handler;

    Service(Handler handler) {
      this.handler = handler;
    }

    @Override
    public void promise(PromiseAsk ask, StreamObserver<PromiseReply> out) {
      PromiseRequest request;
      try {
        request = request(ask);
      } catch (IllegalArgumentException e) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("promise request: " + e.getMessage()).asRuntimeException());
        return;
      }
      Deadline deadline = Context.current().getDeadline();
      long within = deadline == null ? DEFAULT_REPLY_WITHIN_NANOS : Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS));
      handler.promise(request, ask.getRenewRequestId(), within, answer -> {
        out.onNext(reply(answer));
        out.onCompleted();
      });
    }
  }
}
