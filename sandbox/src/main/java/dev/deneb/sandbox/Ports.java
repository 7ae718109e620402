package dev.deneb.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free TCP ports on 127.0.0.1 for processes started by the sandbox.
 *
 * <p>The kernel picks a port that is free right now; nothing stops it from handing the same port to
 * the next caller once the probe socket is closed, and the process that will listen on it may start
 * seconds later. So this JVM remembers every port it handed out and never returns one twice.
 */
public final class Ports {

  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
  private static final int ATTEMPTS = 1000;

  private Ports() {}

  /**
   * A port free for both TCP and UDP right now (a DNS server binds both). UDP matters: clients'
   * ephemeral UDP source ports (DNS queries) come from the same range as the TCP probe's port.
   */
  public static int freeTcpAndUdpPort() {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int port = freePort();
      try (java.net.DatagramSocket udp = new java.net.DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
        return port;
      } catch (IOException e) {
        // In use for UDP: try another.
      }
    }
    throw new IllegalStateException("no port free for both TCP and UDP on 127.0.0.1 after " + ATTEMPTS + " attempts");
  }

  public static int freePort() {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int port;
      try (ServerSocket probe = new ServerSocket()) {
        probe.bind(new InetSocketAddress(loopback, 0));
        port = probe.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot bind a probe socket on " + loopback.getHostAddress() + ": " + e.getMessage(), e);
      }
      if (HANDED_OUT.add(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no new free port on 127.0.0.1 after " + ATTEMPTS + " attempts ("
        + HANDED_OUT.size() + " already handed out by this JVM)");
  }
}
