package dev.deneb.sandbox;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.Toxic;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real {@code toxiproxy-server} process on a free 127.0.0.1 port, and TCP proxies through it that a
 * test can cut, black-hole or slow down (DESIGN.md §6, network faults).
 *
 * <p>The binary is {@value #SERVER_ENV} if set (./scripts/test sets it), else {@code toxiproxy-server}
 * on PATH, else {@code <repo root>/.deneb/bin/toxiproxy-server} (what ./scripts/test installs). The
 * process is started by a {@link ProcessSupervisor} and stopped by PID on {@link #close()}, or by the
 * supervisor's shutdown hook if the caller never gets there.
 *
 * <p>Proxies are driven through the Java client {@code eu.rekawek.toxiproxy:toxiproxy-java}; its HTTP
 * calls have no timeouts, which is fine for a local server that nothing freezes.
 */
public final class ToxiproxySandbox implements AutoCloseable {

  /** Environment variable naming the {@code toxiproxy-server} binary. */
  public static final String SERVER_ENV = "DENEB_TOXIPROXY_SERVER";

  static final String BINARY = "toxiproxy-server";
  static final String INSTALL_HINT = "run ./scripts/test from the repository root (it installs one into .deneb/bin), "
      + "or `GOBIN=$PWD/.deneb/bin go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0 "
      + "&& mv .deneb/bin/server .deneb/bin/toxiproxy-server` (Go 1.23+), or set " + SERVER_ENV;

  private static final String HOST = "127.0.0.1";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** A free port can be taken by someone else before the server binds it: try a few. */
  private static final int BIND_ATTEMPTS = 3;

  private final ProcessSupervisor supervisor;
  private final boolean ownsSupervisor;
  private final SupervisedProcess process;
  private final int apiPort;
  private final ToxiproxyClient client;
  private final Map<String, Link> links = new LinkedHashMap<>();
  private boolean closed;

  private ToxiproxySandbox(ProcessSupervisor supervisor, boolean ownsSupervisor, SupervisedProcess process, int apiPort) {
    this.supervisor = supervisor;
    this.ownsSupervisor = ownsSupervisor;
    this.process = process;
    this.apiPort = apiPort;
    this.client = new ToxiproxyClient(HOST, apiPort);
  }

  /** Starts a server with its own supervisor; its output goes to {@code <dir>/toxiproxy-server.log}. */
  public static ToxiproxySandbox start(Path dir) throws IOException {
    ProcessSupervisor supervisor = new ProcessSupervisor(STOP_GRACE);
    try {
      return start(dir, supervisor, true);
    } catch (IOException | RuntimeException e) {
      supervisor.close();
      throw e;
    }
  }

  /**
   * Starts a server through a supervisor shared with other sandbox processes; {@link #close()} then
   * stops only this server.
   */
  public static ToxiproxySandbox start(Path dir, ProcessSupervisor supervisor) throws IOException {
    return start(dir, supervisor, false);
  }

  private static ToxiproxySandbox start(Path dir, ProcessSupervisor supervisor, boolean owns) throws IOException {
    Path binary = locateServer(System.getenv(), Path.of("").toAbsolutePath());
    Path log = dir.toAbsolutePath().resolve(BINARY + ".log");
    HttpClient http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(PROBE_TIMEOUT)
        .build();
    String failure = null;
    for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      int port = Ports.freePort();
      SupervisedProcess process = supervisor.start(ProcessSpec.of(BINARY,
          List.of(binary.toString(), "-host", HOST, "-port", Integer.toString(port)), log));
      try {
        failure = awaitApi(http, supervisor, process, port);
      } catch (RuntimeException e) {
        supervisor.kill(process.pid()); // interrupted: do not leave it running under a shared supervisor
        throw e;
      }
      if (failure == null) {
        return new ToxiproxySandbox(supervisor, owns, process, port);
      }
      if (supervisor.isAlive(process.pid())) {
        supervisor.stop(process.pid());
        break; // alive but not answering: another port will not help
      }
    }
    throw new IllegalStateException(BINARY + " (" + binary + ") did not start: " + failure + "; log " + log);
  }

  /** Null once {@code GET /version} answers 200; otherwise why not (the process exited, or the deadline passed). */
  private static String awaitApi(HttpClient http, ProcessSupervisor supervisor, SupervisedProcess process, int port) {
    HttpRequest version = HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + port + "/version"))
        .timeout(PROBE_TIMEOUT)
        .GET()
        .build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "no answer yet";
    while (true) {
      if (!supervisor.isAlive(process.pid())) {
        return "it exited with code " + supervisor.exitCode(process.pid()).orElse(-1)
            + " (last log line: " + lastLine(process.log()) + ")";
      }
      try {
        HttpResponse<String> response = http.send(version, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return null;
        }
        last = "GET /version answered " + response.statusCode();
      } catch (IOException e) {
        last = "GET /version: " + e.getClass().getSimpleName();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + process, e);
      }
      if (System.nanoTime() - deadline > 0) {
        return "its HTTP API on " + HOST + ":" + port + " did not answer within " + START_TIMEOUT.toSeconds() + "s (" + last + ")";
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  private static String lastLine(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (!lines.get(i).isBlank()) {
          return lines.get(i).strip();
        }
      }
      return "(empty)";
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  /**
   * Whether {@link #start} would find a {@code toxiproxy-server} binary from the current directory
   * (callers that can do without network faults, like the demo, check first instead of failing).
   */
  public static boolean available() {
    try {
      locateServer(System.getenv(), Path.of("").toAbsolutePath());
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /**
   * The {@code toxiproxy-server} binary: {@value #SERVER_ENV}, else one on {@code PATH}, else
   * {@code .deneb/bin/toxiproxy-server} in the repository root (the first directory at or above
   * {@code workDir} that holds {@code .ci/run}).
   */
  static Path locateServer(Map<String, String> env, Path workDir) {
    Path root = repositoryRoot(workDir);
    return ExternalBinary.locate(env, SERVER_ENV, BINARY, workDir,
        java.util.Arrays.asList(root == null ? null : root.resolve(".deneb").resolve("bin").resolve(BINARY)), INSTALL_HINT);
  }

  /** The first directory at or above {@code dir} that contains {@code .ci/run}, or null. */
  static Path repositoryRoot(Path dir) {
    for (Path d = dir.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve(".ci").resolve("run"))) {
        return d;
      }
    }
    return null;
  }


  /**
   * A proxy named {@code name} listening on a free 127.0.0.1 port and forwarding to
   * {@code upstreamHostPort} ({@code host:port}); connect to {@link Link#listenAddress()} instead of
   * the upstream to put the link under the test's control.
   */
  public synchronized Link proxy(String name, String upstreamHostPort) {
    if (closed) {
      throw new IllegalStateException("cannot create proxy " + name + ": the toxiproxy sandbox is closed");
    }
    if (links.containsKey(name)) {
      throw new IllegalArgumentException("a proxy named '" + name + "' exists already (to " + links.get(name).upstream() + ")");
    }
    IOException last = null;
    for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      int port = Ports.freePort();
      try {
        Proxy proxy = client.createProxy(name, HOST + ":" + port, upstreamHostPort);
        Link link = new Link(proxy, name, upstreamHostPort, port);
        links.put(name, link);
        return link;
      } catch (IOException e) {
        last = e; // most likely the port was taken in between; the next attempt picks another
      }
    }
    throw new UncheckedIOException("toxiproxy: cannot create proxy " + name + " to " + upstreamHostPort
        + " after " + BIND_ATTEMPTS + " attempts: " + last.getMessage(), last);
  }

  /** The proxies created here, by name, in creation order. */
  public synchronized List<Link> links() {
    return List.copyOf(links.values());
  }

  /** Port of the server's HTTP API on 127.0.0.1. */
  public int apiPort() {
    return apiPort;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return process.log();
  }

  /** The underlying client, for what {@link Link} does not offer. */
  public ToxiproxyClient client() {
    return client;
  }

  /** Stops the server by PID (SIGTERM, SIGKILL after a grace period). Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (ownsSupervisor) {
      supervisor.close();
    } else {
      supervisor.stop(process.pid());
    }
  }

  /**
   * One proxied link. Its faults apply to new and to already open connections. {@link #cut()} and
   * {@link #restore()} switch the proxy; the others are toxics, removed again by {@link #clearToxics()}.
   */
  public static final class Link {

    private static final String LATENCY = "deneb-latency";
    private static final String BLACKHOLE_DOWN = "deneb-blackhole-down";
    private static final String BLACKHOLE_UP = "deneb-blackhole-up";

    private final Proxy proxy;
    private final String name;
    private final String upstream;
    private final int listenPort;

    private Link(Proxy proxy, String name, String upstream, int listenPort) {
      this.proxy = proxy;
      this.name = name;
      this.upstream = upstream;
      this.listenPort = listenPort;
    }

    public String name() {
      return name;
    }

    /** Where the proxy forwards to, {@code host:port}. */
    public String upstream() {
      return upstream;
    }

    public String listenHost() {
      return HOST;
    }

    public int listenPort() {
      return listenPort;
    }

    /** {@code 127.0.0.1:<port>}: what a client connects to instead of the upstream. */
    public String listenAddress() {
      return HOST + ":" + listenPort;
    }

    public InetSocketAddress socketAddress() {
      return new InetSocketAddress(HOST, listenPort);
    }

    /**
     * Disables the proxy: it stops listening (new connections are refused) and closes the open
     * ones, like a pulled cable that both ends notice.
     */
    public synchronized void cut() {
      call("cut", proxy::disable);
    }

    /** Enables the proxy again after {@link #cut()}; connections cut before stay closed. */
    public synchronized void restore() {
      call("restore", proxy::enable);
    }

    /**
     * A {@code timeout} toxic with timeout 0 in both directions, like a partition that drops packets
     * without resets: connections stay open and new ones are accepted, but every byte either way is
     * dropped, so reads on both sides time out. {@link #clearToxics()} ends it; toxiproxy then closes
     * the connections that were held in the black hole (new connections work again).
     */
    public synchronized void blackhole() {
      call("blackhole", () -> {
        removeToxics(List.of(BLACKHOLE_DOWN, BLACKHOLE_UP));
        proxy.toxics().timeout(BLACKHOLE_DOWN, ToxicDirection.DOWNSTREAM, 0);
        proxy.toxics().timeout(BLACKHOLE_UP, ToxicDirection.UPSTREAM, 0);
      });
    }

    /**
     * A {@code latency} toxic on the way back to the client (downstream): every chunk from the
     * upstream arrives {@code ms} ± {@code jitterMs} later, so a request/response round trip takes
     * about {@code ms} longer. Replaces an earlier latency set here.
     */
    public synchronized void latency(long ms, long jitterMs) {
      if (ms < 0 || jitterMs < 0) {
        throw new IllegalArgumentException("latency and jitter must be >= 0 ms, got " + ms + " and " + jitterMs);
      }
      call("set latency " + ms + "±" + jitterMs + " ms on", () -> {
        removeToxics(List.of(LATENCY));
        var latency = proxy.toxics().latency(LATENCY, ToxicDirection.DOWNSTREAM, ms);
        if (jitterMs > 0) {
          latency.setJitter(jitterMs);
        }
      });
    }

    /** Removes every toxic of this proxy (black hole, latency and any added through {@link #proxy()}). */
    public synchronized void clearToxics() {
      call("clear the toxics of", () -> {
        for (Toxic toxic : proxy.toxics().getAll()) {
          toxic.remove();
        }
      });
    }

    /** The underlying toxiproxy-java proxy, for toxics {@code Link} does not offer (bandwidth, slicer, ...). */
    public Proxy proxy() {
      return proxy;
    }

    private void removeToxics(List<String> names) throws IOException {
      for (Toxic toxic : proxy.toxics().getAll()) {
        if (names.contains(toxic.getName())) {
          toxic.remove();
        }
      }
    }

    private void call(String what, IoAction action) {
      try {
        action.run();
      } catch (IOException e) {
        throw new UncheckedIOException("toxiproxy: cannot " + what + " proxy " + name + " (" + listenAddress()
            + " -> " + upstream + "): " + e.getMessage(), e);
      }
    }

    @Override
    public String toString() {
      return "proxy " + name + " (" + listenAddress() + " -> " + upstream + ")";
    }
  }

  @FunctionalInterface
  private interface IoAction {
    void run() throws IOException;
  }
}
