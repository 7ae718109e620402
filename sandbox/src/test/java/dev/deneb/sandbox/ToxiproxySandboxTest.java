package dev.deneb.sandbox;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.deneb.sandbox.ToxiproxySandbox.Link;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code toxiproxy-server} (from ./scripts/test's {@code DENEB_TOXIPROXY_SERVER}, PATH or
 * .deneb/bin; never skipped: without one these tests fail and say how to get it) in front of a
 * small real TCP echo server.
 */
class ToxiproxySandboxTest {

  private static final Duration IO_TIMEOUT = Duration.ofSeconds(5);

  @TempDir Path dir;

  private EchoServer echo;
  private ToxiproxySandbox toxiproxy;

  @BeforeEach
  void startEchoAndToxiproxy() throws IOException {
    echo = new EchoServer();
    toxiproxy = ToxiproxySandbox.start(dir);
  }

  @AfterEach
  void stopAll() throws IOException {
    try {
      if (toxiproxy != null) {
        toxiproxy.close();
      }
    } finally {
      echo.close();
    }
  }

  @Test
  void bytesPassThroughTheProxy() throws IOException {
    Link link = toxiproxy.proxy("echo", echo.address());

    assertThat(link.listenHost()).isEqualTo("127.0.0.1");
    assertThat(link.listenPort()).isNotEqualTo(echo.port());
    assertThat(link.listenAddress()).isEqualTo("127.0.0.1:" + link.listenPort());
    try (Socket socket = connect(link)) {
      assertThat(exchange(socket, "hello")).isEqualTo("hello");
      assertThat(exchange(socket, "again")).isEqualTo("again");
    }
    assertThat(echo.accepted.get()).isEqualTo(1);
  }

  @Test
  void cutRefusesNewConnectionsAndClosesOpenOnesAndRestoreBringsTheLinkBack() throws IOException {
    Link link = toxiproxy.proxy("cut-me", echo.address());
    try (Socket open = connect(link)) {
      assertThat(exchange(open, "before")).isEqualTo("before");

      link.cut();

      assertThat(newConnectionFails(link)).as("a new connection through a cut link").isTrue();
      // The connection that was open when the link was cut is closed by the proxy: EOF or reset.
      await().atMost(IO_TIMEOUT).until(() -> readsEofOrFails(open));
    }

    link.restore();

    try (Socket again = connect(link)) {
      assertThat(exchange(again, "after")).isEqualTo("after");
    }
  }

  @Test
  void blackholeSwallowsTheDataButKeepsTheConnectionOpen() throws IOException {
    Link link = toxiproxy.proxy("blackhole", echo.address());
    try (Socket socket = connect(link)) {
      assertThat(exchange(socket, "ping")).isEqualTo("ping");

      link.blackhole();

      socket.setSoTimeout(1_000);
      OutputStream out = socket.getOutputStream();
      out.write("lost".getBytes(US_ASCII));
      out.flush();
      assertThatThrownBy(() -> socket.getInputStream().read())
          .as("a read through a black hole times out instead of returning data or EOF")
          .isInstanceOf(SocketTimeoutException.class);

      // Still open on both sides: the client can write, and the echo server saw no end of stream.
      out.write("more".getBytes(US_ASCII));
      out.flush();
      assertThat(socket.isClosed()).isFalse();
      assertThat(echo.ended.get()).as("upstream connections ended").isZero();
      assertThat(link.proxy().toxics().getAll()).hasSize(2);

      // A new connection is accepted by the proxy but gets no answer either.
      try (Socket fresh = connect(link)) {
        fresh.setSoTimeout(1_000);
        fresh.getOutputStream().write("anyone".getBytes(US_ASCII));
        assertThatThrownBy(() -> fresh.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
      }

      link.clearToxics();
      assertThat(link.proxy().toxics().getAll()).isEmpty();
      // Removing the black hole closes the connections that were held in it (toxiproxy's timeout
      // toxic cleans up that way); what was written into it was dropped, never delivered.
      await().atMost(IO_TIMEOUT).until(() -> readsEofOrFails(socket));
      assertThat(echo.received.get()).as("bytes that reached the echo server").isEqualTo("ping".length());
    }
    // Healed: traffic flows again on a new connection.
    try (Socket healed = connect(link)) {
      assertThat(exchange(healed, "back")).isEqualTo("back");
    }
  }

  @Test
  void latencyDelaysTheEcho() throws IOException {
    Link link = toxiproxy.proxy("slow", echo.address());
    try (Socket socket = connect(link)) {
      assertThat(exchange(socket, "warm")).isEqualTo("warm");

      link.latency(200, 0);

      long start = System.nanoTime();
      assertThat(exchange(socket, "slow")).isEqualTo("slow");
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      // Only a lower bound: a loaded CI machine may add any amount of delay of its own.
      System.out.println("echo round trip with latency(200, 0): " + elapsedMs + " ms");
      assertThat(elapsedMs).as("echo round trip with 200 ms latency, in ms").isGreaterThanOrEqualTo(150);

      link.latency(300, 50); // replaces the first one
      assertThat(link.proxy().toxics().getAll()).hasSize(1);
      link.clearToxics();
      assertThat(link.proxy().toxics().getAll()).isEmpty();
      assertThat(exchange(socket, "done")).isEqualTo("done");
    }
  }

  @Test
  void closeStopsTheServerByPid() throws IOException {
    long pid = toxiproxy.pid();
    assertThat(ProcessHandle.of(pid)).map(ProcessHandle::isAlive).contains(true);
    Link link = toxiproxy.proxy("gone", echo.address());

    toxiproxy.close();
    toxiproxy.close(); // idempotent

    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(newConnectionFails(link)).isTrue();
    assertThatThrownBy(() -> toxiproxy.proxy("late", echo.address()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void aSecondProxyWithTheSameNameIsRefused() {
    toxiproxy.proxy("twice", echo.address());

    assertThatThrownBy(() -> toxiproxy.proxy("twice", echo.address()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
  }

  // ---------------------------------------------------------------------------------------------

  private static Socket connect(Link link) throws IOException {
    Socket socket = new Socket();
    socket.connect(link.socketAddress(), (int) IO_TIMEOUT.toMillis());
    socket.setSoTimeout((int) IO_TIMEOUT.toMillis());
    return socket;
  }

  /** Writes {@code text} and reads as many bytes back. */
  private static String exchange(Socket socket, String text) throws IOException {
    byte[] bytes = text.getBytes(US_ASCII);
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    byte[] back = socket.getInputStream().readNBytes(bytes.length);
    return new String(back, US_ASCII);
  }

  /** True if connecting is refused, or the connection ends or breaks before any echo comes back. */
  private static boolean newConnectionFails(Link link) {
    try (Socket socket = connect(link)) {
      socket.getOutputStream().write("x".getBytes(US_ASCII));
      return socket.getInputStream().read() == -1;
    } catch (SocketTimeoutException e) {
      return false; // accepted and silent: not what a cut link does
    } catch (IOException e) {
      return true; // refused or reset
    }
  }

  private static boolean readsEofOrFails(Socket socket) {
    try {
      socket.setSoTimeout(200);
      return socket.getInputStream().read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** A TCP echo server on 127.0.0.1, one thread per connection; counts connections and bytes received. */
  private static final class EchoServer implements AutoCloseable {

    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger ended = new AtomicInteger();
    final AtomicLong received = new AtomicLong();
    private final ServerSocket server;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    EchoServer() throws IOException {
      server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      acceptor = new Thread(this::acceptLoop, "echo-accept");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    String address() {
      return "127.0.0.1:" + port();
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          accepted.incrementAndGet();
          connections.add(socket);
          Thread worker = new Thread(() -> echo(socket), "echo-" + socket.getPort());
          worker.setDaemon(true);
          worker.start();
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    private void echo(Socket socket) {
      try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
        byte[] buffer = new byte[4096];
        int n;
        while ((n = in.read(buffer)) != -1) {
          received.addAndGet(n);
          out.write(buffer, 0, n);
          out.flush();
        }
        ended.incrementAndGet();
      } catch (SocketException e) {
        if (!server.isClosed()) {
          ended.incrementAndGet(); // reset by the peer
        }
      } catch (IOException e) {
        ended.incrementAndGet();
      } finally {
        connections.remove(socket);
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket socket : List.copyOf(connections)) {
        socket.close();
      }
    }
  }
}
