package dev.deneb.controller.agent;

import dev.deneb.protocol.config.HostPort;
import io.grpc.Server;
import io.grpc.ServerTransportFilter;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gRPC server agents connect to. Small message limit; idle or dead peers are dropped by keepalive. */
public final class AgentServer implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentServer.class);

  private static final Attributes.Key<Boolean> HANDSHAKE_DONE = Attributes.Key.create("deneb.handshake-done");

  private final Server server;

  public AgentServer(HostPort address, AgentGatewayService service) throws IOException {
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress(address.host(), address.port()))
        .addService(service)
        // Handlers run on the transport's event loops: every one is short and never blocks (a grant
        // judged from applied state, a report kept, an ack handed to the commit lane's own threads).
        // The default executor hands each message to a thread of an unbounded pool: with thousands of
        // agent streams that was a thread switch per renewal and over a hundred threads per member.
        .directExecutor()
        .maxInboundMessageSize(64 * 1024)
        .permitKeepAliveTime(1, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        // Keepalive only clears out streams of agents that vanished without closing (a host gone):
        // nothing waits for it — a report's age counts from its own promise, a lease from its rounds.
        // It was 5 s + 5 s: at 30,000 agents that is 6,000 pings a second per member, and a member or
        // agent busy for 5 s (a cold start at fleet scale) lost every stream of a connection at once.
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(20, TimeUnit.SECONDS)
        .addTransportFilter(new ServerTransportFilter() {
          @Override
          public Attributes transportReady(Attributes attrs) {
            return attrs.toBuilder().set(HANDSHAKE_DONE, Boolean.TRUE).build();
          }

          @Override
          public void transportTerminated(Attributes attrs) {
            // A connection that never completed the HTTP/2 handshake sent something that is not
            // gRPC (a port scan, a misconfigured client, garbage). Say so; other agents are unaffected.
            // gRPC passes null attributes for a transport that never became ready.
            if (attrs == null || attrs.get(HANDSHAKE_DONE) == null) {
              LOG.warn("agent port {}: a connection{} closed before a gRPC handshake (not an agent, or garbage)",
                  address, attrs == null ? "" : " from " + attrs.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            }
          }
        })
        .build()
        .start();
    LOG.info("agent gateway listening on {}", address);
  }


  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) server.shutdownNow();
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
