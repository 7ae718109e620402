package dev.deneb.agent.link;

import dev.deneb.agent.failsafe.PromiseAnswer;
import dev.deneb.agent.failsafe.PromiseRequest;
import dev.deneb.protocol.AgentPeerGrpc;
import dev.deneb.protocol.LeaseGrant;
import dev.deneb.protocol.PeerAddress;
import dev.deneb.protocol.PromiseAsk;
import dev.deneb.protocol.PromiseReply;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.Closeable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary's channels to the other nodes' agents, for failsafe promise rounds (docs/lease.md
 * "Failsafe"). Addresses come with lease grants (each agent announces its own to the controllers);
 * the last ones learnt are used, since during a controller outage nothing new arrives. A node with
 * no known address cannot be asked, so no round completes: the primary fences as it would without
 * failsafe.
 */
public final class PeerLinks implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLinks.class);

  private record Peer(String address, ManagedChannel channel) {}

  private final Map<String, Peer> peers = new HashMap<>();

  /** Adopts the addresses a grant named; a changed address gets a new channel. */
  public synchronized void learn(List<PeerAddress> addresses) {
    for (PeerAddress a : addresses) {
      if (a.getAddress().isEmpty()) continue;
      Peer known = peers.get(a.getNode());
      if (known != null && known.address().equals(a.getAddress())) continue;
      if (known != null) known.channel().shutdownNow();
      int colon = a.getAddress().lastIndexOf(':');
      if (colon <= 0) continue;
      int port;
      try {
        port = Integer.parseInt(a.getAddress().substring(colon + 1));
      } catch (NumberFormatException e) {
        LOG.warn("ignoring peer address '{}' of node {}: not host:port", a.getAddress(), a.getNode());
        continue;
      }
      ManagedChannel channel = NettyChannelBuilder.forAddress(a.getAddress().substring(0, colon), port).usePlaintext()
          .keepAliveTime(5, TimeUnit.SECONDS).keepAliveTimeout(2, TimeUnit.SECONDS).build();
      // Connect now, not at the first promise round: that round comes near the fence point, where a
      // connection set up on demand (and a cold client path) can cost the round its deadline.
      channel.getState(true);
      peers.put(a.getNode(), new Peer(a.getAddress(), channel));
      // Once per address: from here on this node's promise rounds can reach that node.
      LOG.info("failsafe: {} takes promise requests at {}{}", a.getNode(), a.getAddress(),
          known == null ? "" : " (was " + known.address() + ")");
    }
  }

  /**
   * Sends {@code request} to every node it names other than {@code self}; each answer (or nothing,
   * on an error or after {@code deadlineMillis}) goes to {@code onAnswer} on a gRPC thread, with the
   * grants of lease round {@code renewRequestId} that node relayed.
   *
   * @return how many nodes were asked (those with a known address)
   */
  public synchronized int ask(PromiseRequest request, long renewRequestId, String self, long deadlineMillis,
      BiConsumer<PromiseAnswer, List<LeaseGrant>> onAnswer) {
    PromiseAsk ask = PromiseAsk.newBuilder().setCluster(request.cluster()).setPrimary(request.primary())
        .setEpoch(request.epoch()).setRound(request.round()).setDurationNanos(request.durationNanos())
        .addAllMembership(request.membership()).setRenewRequestId(renewRequestId).build();
    int asked = 0;
    for (String node : request.membership()) {
      if (node.equals(self)) continue;
      Peer peer = peers.get(node);
      if (peer == null) continue;
      asked++;
      AgentPeerGrpc.newStub(peer.channel()).withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
          .promise(ask, new StreamObserver<>() {
            @Override
            public void onNext(PromiseReply r) {
              // Only grants of the asked round, for this primary, count.
              List<LeaseGrant> relayed = r.getRelayedGrantsList().stream()
                  .filter(g -> g.getRequestId() == renewRequestId && g.getRelayedFor().equals(self)).toList();
              onAnswer.accept(answer(r, node), relayed);
            }

            @Override
            public void onError(Throwable t) {
              LOG.debug("promise round {} to {}: {}", request.round(), node, t.getMessage());
            }

            @Override
            public void onCompleted() {}
          });
    }
    return asked;
  }

  /** The reply as the hold reads it; the node is the one asked, whatever the reply claims. */
  static PromiseAnswer answer(PromiseReply r, String asked) {
    if (r.getPromised()) return new PromiseAnswer.Promised(r.getRound(), asked, r.getEpochSeen());
    PromiseAnswer.Reason reason;
    try {
      reason = PromiseAnswer.Reason.valueOf(r.getDeclineReason());
    } catch (IllegalArgumentException e) {
      reason = PromiseAnswer.Reason.EPOCH_UNKNOWN; // a newer agent's reason: counts as no promise, nothing more
    }
    return new PromiseAnswer.Declined(r.getRound(), asked, reason, r.getEpochSeen(), r.getDetail());
  }

  @Override
  public synchronized void close() {
    peers.values().forEach(p -> p.channel().shutdownNow());
    peers.clear();
  }
}
