package dev.deneb.controller.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;

/**
 * The controller's DNS server (DESIGN §3.7): UDP and TCP on one address, answering from the
 * {@link DiscoveryView} the supplier returns at that moment (the controller publishes a fresh one
 * after each apply), through {@link DnsAnswers}.
 *
 * <p>Nothing a client sends can stop it: a message that does not parse is answered FORMERR when its
 * 12-byte header does, and dropped otherwise; responses (QR set) are dropped so two servers cannot
 * bounce errors at each other. Such warnings are rate-limited. UDP answers larger than 512 bytes, or
 * than the client's EDNS size, are truncated with TC set so the client retries over TCP. TCP uses
 * the 2-byte length framing of RFC 1035 §4.2.2 and serves several queries per connection; idle
 * connections are closed after 30 s.
 */
public final class BuiltInDnsServer implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(BuiltInDnsServer.class);
  private static final int CLASSIC_UDP_SIZE = 512;
  /** The EDNS size we advertise and honour at most: the DNS flag day 2020 value, below common MTUs. */
  private static final int MAX_UDP_SIZE = 1232;
  private static final int TCP_IDLE_SECONDS = 30;
  private static final int BIND_ATTEMPTS = 5;

  private final EventLoopGroup boss = new NioEventLoopGroup(1);
  private final EventLoopGroup workers = new NioEventLoopGroup(1);
  private final DnsSettings settings;
  private final Supplier<DiscoveryView> views;
  private final RateLimitedLog badInput = new RateLimitedLog(LOG, 10, TimeUnit.SECONDS);
  private final Channel tcp;
  private final Channel udp;
  private final int port;

  /**
   * Binds {@code host:port} for TCP and UDP; port 0 picks a free port (the same one for both).
   *
   * @throws IOException naming the address when it cannot be bound (in use, or no permission below 1024)
   */
  public BuiltInDnsServer(String host, int port, DnsSettings settings, Supplier<DiscoveryView> views) throws IOException {
    this.settings = settings;
    this.views = views;
    Channel[] bound = null;
    try {
      bound = bind(host, port);
    } finally {
      if (bound == null) shutdownGroups();
    }
    this.tcp = bound[0];
    this.udp = bound[1];
    this.port = ((InetSocketAddress) tcp.localAddress()).getPort();
    LOG.info("DNS server for zone {} listening on {}:{} (UDP and TCP), TTL {}s", settings.zone(), host, this.port,
        settings.ttlSeconds());
  }

  /** Binds the address of {@code settings.listen()}. */
  public static BuiltInDnsServer start(DnsSettings settings, Supplier<DiscoveryView> views) throws IOException {
    return new BuiltInDnsServer(settings.listen().host(), settings.listen().port(), settings, views);
  }

  /** The bound port, the same for UDP and TCP. */
  public int port() {
    return port;
  }

  private Channel[] bind(String host, int wanted) throws IOException {
    IOException last = null;
    // With port 0 the kernel picks a TCP port; its UDP twin may be taken, so try again a few times.
    for (int attempt = 0; attempt < (wanted == 0 ? BIND_ATTEMPTS : 1); attempt++) {
      Channel tcpChannel = null;
      try {
        tcpChannel = tcpBootstrap().bind(new InetSocketAddress(host, wanted)).sync().channel();
        int actual = ((InetSocketAddress) tcpChannel.localAddress()).getPort();
        Channel udpChannel = udpBootstrap().bind(new InetSocketAddress(host, actual)).sync().channel();
        return new Channel[] {tcpChannel, udpChannel};
      } catch (Exception e) {
        if (tcpChannel != null) tcpChannel.close().syncUninterruptibly();
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while binding the DNS server on " + host + ":" + wanted, e);
        }
        last = new IOException("cannot bind the DNS server on " + host + ":" + wanted + " (UDP and TCP): " + e
            + "; choose a free port in dns.listen (ports below 1024 need root or CAP_NET_BIND_SERVICE)", e);
      }
    }
    throw last;
  }

  private ServerBootstrap tcpBootstrap() {
    return new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast(new IdleStateHandler(0, 0, TCP_IDLE_SECONDS))
                .addLast(new LengthFieldBasedFrameDecoder(0xFFFF, 0, 2, 0, 2))
                .addLast(new LengthFieldPrepender(2))
                .addLast(new TcpHandler());
          }
        });
  }

  private Bootstrap udpBootstrap() {
    return new Bootstrap().group(workers).channel(NioDatagramChannel.class).handler(new UdpHandler());
  }

  /** The wire bytes to send back for {@code request}, or empty to send nothing. */
  private Optional<byte[]> respond(byte[] request, Object from, int udpLimit) {
    Message query;
    try {
      query = new Message(request);
    } catch (IOException | RuntimeException e) {
      return formErr(request, from, e);
    }
    if (query.getHeader().getFlag(Flags.QR)) {
      badInput.warn("DNS: dropped a response (QR set) from {}", from);
      return Optional.empty();
    }
    Message response = DnsAnswers.answer(query, views.get(), settings);
    int limit = udpLimit;
    OPTRecord opt = query.getOPT();
    if (opt != null) {
      limit = Math.max(CLASSIC_UDP_SIZE, Math.min(MAX_UDP_SIZE, opt.getPayloadSize()));
      response.addRecord(new OPTRecord(MAX_UDP_SIZE, 0, 0), org.xbill.DNS.Section.ADDITIONAL);
    }
    // toWire(max) leaves out whole records that do not fit and sets TC (RFC 2181 §9).
    return Optional.of(udpLimit > 0 ? response.toWire(limit) : response.toWire());
  }

  private Optional<byte[]> formErr(byte[] request, Object from, Exception why) {
    Header header;
    try {
      header = new Header(request);
    } catch (IOException | RuntimeException e) {
      badInput.warn("DNS: dropped {} bytes from {} that are not a DNS message: {}", request.length, from, why.toString());
      return Optional.empty();
    }
    if (header.getFlag(Flags.QR)) {
      badInput.warn("DNS: dropped a malformed response from {}", from);
      return Optional.empty();
    }
    badInput.warn("DNS: answered FORMERR to a malformed query from {}: {}", from, why.toString());
    Message response = new Message(header.getID());
    response.getHeader().setFlag(Flags.QR);
    response.getHeader().setOpcode(header.getOpcode());
    response.getHeader().setRcode(Rcode.FORMERR);
    return Optional.of(response.toWire());
  }

  private static byte[] bytes(ByteBuf buf) {
    return ByteBufUtil.getBytes(buf);
  }

  private final class UdpHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      respond(bytes(packet.content()), packet.sender(), CLASSIC_UDP_SIZE).ifPresent(out ->
          ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(out), packet.sender())));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // An ICMP unreachable or a bug while answering one datagram must not close the shared socket.
      badInput.warn("DNS: UDP error: {}", cause.toString());
    }
  }

  private final class TcpHandler extends SimpleChannelInboundHandler<ByteBuf> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
      Optional<byte[]> out = respond(bytes(frame), ctx.channel().remoteAddress(), 0);
      if (out.isPresent()) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(out.get()));
      } else {
        ctx.close(); // a stream we cannot make sense of has no next message boundary we can trust
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      badInput.warn("DNS: TCP connection from {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  /** Unbinds both sockets and stops the threads; idempotent. */
  @Override
  public void close() {
    tcp.close().syncUninterruptibly();
    udp.close().syncUninterruptibly();
    shutdownGroups();
  }

  private void shutdownGroups() {
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
