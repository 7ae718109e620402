package dev.deneb.controller.discovery.haproxy;

import dev.deneb.protocol.config.HostPort;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/** Where HAProxy's runtime API ({@code stats socket ... level admin}) listens: TCP or a Unix socket. */
public sealed interface RuntimeApiAddress {

  /** The socket address to connect to; resolved on every call, so a DNS change is picked up. */
  SocketAddress socketAddress();

  /** {@code host:port} over TCP. */
  record Tcp(HostPort hostPort) implements RuntimeApiAddress {
    @Override
    public SocketAddress socketAddress() {
      return new InetSocketAddress(hostPort.host(), hostPort.port());
    }

    @Override
    public String toString() {
      return hostPort.toString();
    }
  }

  /** A Unix domain socket file. */
  record Unix(Path path) implements RuntimeApiAddress {
    @Override
    public SocketAddress socketAddress() {
      return UnixDomainSocketAddress.of(path);
    }

    @Override
    public String toString() {
      return "unix:" + path;
    }
  }

  /**
   * {@code "unix:/run/haproxy/admin.sock"} or {@code "host:port"}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  static RuntimeApiAddress parse(String text) {
    String s = text == null ? "" : text.strip();
    if (s.startsWith("unix:")) {
      String path = s.substring("unix:".length());
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("'" + text + "': write the Unix socket as an absolute path, unix:/run/haproxy/admin.sock");
      }
      return new Unix(Path.of(path));
    }
    try {
      return new Tcp(HostPort.parse(s));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + " (use host:port for a TCP stats socket, or unix:/path/to/socket)");
    }
  }
}
