package dev.deneb.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A tiny TCP server on a free 127.0.0.1 port that greets every connection with its name and a
 * newline, then holds the connection open until the client closes it. A stand-in database behind a
 * proxy, when the thing under test is the proxy: a client learns which server it reached, and a
 * held connection shows whether the proxy cut it.
 */
public final class NamedTcpServer implements AutoCloseable {
  private final String name;
  private final ServerSocket socket;
  private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;

  public NamedTcpServer(String name) throws IOException {
    this.name = name;
    this.socket = new ServerSocket();
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    this.acceptor = new Thread(this::acceptLoop, "named-tcp-server-" + name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket c = socket.accept();
        connections.add(c);
        Thread t = new Thread(() -> serve(c), "named-tcp-server-" + name + "-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket c) {
    try (c; InputStream in = c.getInputStream()) {
      c.getOutputStream().write((name + "\n").getBytes(StandardCharsets.UTF_8));
      c.getOutputStream().flush();
      while (in.read() >= 0) {
        // hold the connection until the peer closes it; what it sends does not matter
      }
    } catch (IOException e) {
      // the peer reset the connection, or close() closed it
    } finally {
      connections.remove(c);
    }
  }

  public String name() {
    return name;
  }

  public int port() {
    return socket.getLocalPort();
  }

  /** {@code 127.0.0.1:<port>}. */
  public String address() {
    return socket.getInetAddress().getHostAddress() + ":" + port();
  }

  /** Connections accepted and not yet closed. */
  public int openConnections() {
    return connections.size();
  }

  @Override
  public void close() throws IOException {
    socket.close();
    for (Socket c : connections) {
      c.close();
    }
  }
}
