package dev.deneb.controller.api;

import dev.deneb.protocol.config.HostPort;
import dev.deneb.controller.metrics.ControllerMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.Closeable;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves {@link ApiRouter} over HTTP/1.1 with Netty. Malformed or oversized requests get a JSON 4xx. */
public final class ApiServer implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

  private final EventLoopGroup boss = new NioEventLoopGroup(1);
  private final EventLoopGroup workers = new NioEventLoopGroup(2);
  private final Channel channel;

  public ApiServer(HostPort address, int maxRequestBytes, ApiRouter router, ControllerMetrics metrics)
      throws InterruptedException {
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                // Idle keep-alive connections are closed after two minutes; long-polls stay below that.
                .addLast(new IdleStateHandler(0, 0, 120))
                .addLast(new HttpServerCodec(4096, 16 * 1024, 8192))
                .addLast(new JsonErrorAggregator(maxRequestBytes))
                .addLast(new Handler(router, metrics));
          }
        });
    this.channel = b.bind(new InetSocketAddress(address.host(), address.port())).sync().channel();
    LOG.info("HTTP API listening on {}", address);
  }

  /** Answers an oversized request with our JSON error instead of Netty's empty 413. */
  private static final class JsonErrorAggregator extends HttpObjectAggregator {
    private final int max;

    JsonErrorAggregator(int max) {
      super(max);
      this.max = max;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      byte[] body = ApiRouter.bytes(new Views.Error("request body exceeds " + max + " bytes", "TOO_LARGE"));
      FullHttpResponse r = response(413, "application/json", body);
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final ApiRouter router;
    private final ControllerMetrics metrics;

    Handler(ApiRouter router, ControllerMetrics metrics) {
      this.router = router;
      this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      if (request.decoderResult().isFailure()) {
        LOG.warn("malformed HTTP request from {}: {}", ctx.channel().remoteAddress(), request.decoderResult().cause().toString());
        write(ctx, ApiResponse.json(400, ApiRouter.bytes(new Views.Error(
            "malformed HTTP request: " + request.decoderResult().cause().getMessage(), "BAD_REQUEST"))), false, "?");
        return;
      }
      String method = request.method().name();
      QueryStringDecoder uri = new QueryStringDecoder(request.uri());
      byte[] body = new byte[request.content().readableBytes()];
      request.content().readBytes(body);
      router.handle(method, uri.path(), uri.parameters(), body)
          .whenComplete((response, error) -> write(ctx,
              error == null ? response : ApiRouter.errorResponse(error), keepAlive, method));
    }

    private void write(ChannelHandlerContext ctx, ApiResponse r, boolean keepAlive, String method) {
      metrics.recordRequest(method, r.status());
      FullHttpResponse response = response(r.status(), r.contentType(), r.body());
      if (keepAlive) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        ctx.writeAndFlush(response);
      } else {
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.warn("HTTP connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  private static FullHttpResponse response(int status, String contentType, byte[] body) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
        Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return r;
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    boss.shutdownGracefully();
    workers.shutdownGracefully();
  }
}
