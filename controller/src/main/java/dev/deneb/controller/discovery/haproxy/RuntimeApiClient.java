package dev.deneb.controller.discovery.haproxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Sends one command to HAProxy's runtime API and returns its whole reply.
 *
 * <p>One command per connection, in HAProxy's non-interactive mode: HAProxy answers and closes, so
 * the end of the reply is the end of the stream, and a reply can never be attributed to the wrong
 * command (as it could in {@code prompt} mode after a timeout left half a reply unread). Costs one
 * connection per command, a handful per failover.
 *
 * <p>Bounded in time: connect, write and read all share one deadline (a non-blocking channel and a
 * selector, because a blocking {@link SocketChannel} has no read timeout, and Unix sockets are only
 * reachable through channels).
 */
final class RuntimeApiClient {
  /** A reply larger than this is not one of ours (show servers state of a huge backend excepted). */
  private static final int MAX_REPLY = 4 << 20;

  private final RuntimeApiAddress address;

  RuntimeApiClient(RuntimeApiAddress address) {
    this.address = address;
  }

  /**
   * The reply to {@code command}, as text.
   *
   * @param deadlineNanos a {@link System#nanoTime()} value after which the call gives up
   * @throws IOException naming the address and what failed (refused, timed out, reset)
   */
  String execute(String command, long deadlineNanos) throws IOException {
    SocketChannel channel = address instanceof RuntimeApiAddress.Unix
        ? SocketChannel.open(StandardProtocolFamily.UNIX)
        : SocketChannel.open();
    try (channel; Selector selector = Selector.open()) {
      channel.configureBlocking(false);
      SelectionKey key = channel.register(selector, 0);
      if (!channel.connect(address.socketAddress())) {
        await(selector, key, SelectionKey.OP_CONNECT, deadlineNanos, "connecting");
        channel.finishConnect();
      }
      ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
      while (out.hasRemaining()) {
        if (channel.write(out) == 0) {
          await(selector, key, SelectionKey.OP_WRITE, deadlineNanos, "sending '" + command + "'");
        }
      }
      ByteArrayOutputStream reply = new ByteArrayOutputStream();
      ByteBuffer in = ByteBuffer.allocate(8192);
      while (true) {
        int n = channel.read(in);
        if (n < 0) {
          return reply.toString(StandardCharsets.UTF_8);
        }
        if (n == 0) {
          await(selector, key, SelectionKey.OP_READ, deadlineNanos, "waiting for the reply to '" + command + "'");
          continue;
        }
        reply.write(in.array(), 0, in.position());
        in.clear();
        if (reply.size() > MAX_REPLY) {
          throw new IOException("the reply to '" + command + "' exceeds " + (MAX_REPLY >> 20) + " MB");
        }
      }
    }
  }

  private void await(Selector selector, SelectionKey key, int op, long deadlineNanos, String doing) throws IOException {
    key.interestOps(op);
    while (true) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        throw new IOException("timed out " + doing);
      }
      // select(0) would block forever: wait at least a millisecond.
      selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      if (!selector.selectedKeys().isEmpty()) {
        selector.selectedKeys().clear();
        return;
      }
    }
  }

  @Override
  public String toString() {
    return address.toString();
  }
}
