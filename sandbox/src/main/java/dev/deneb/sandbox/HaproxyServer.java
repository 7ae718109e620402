package dev.deneb.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real {@code haproxy} in the foreground ({@code -db}) with a generated TCP configuration: one
 * {@code listen} section named after the backend, on a free 127.0.0.1 port, in front of the given
 * servers, and the runtime API at admin level both on a free TCP port and on a Unix socket in
 * {@code dir}. For tests of the HAProxy discovery backend and for the demo.
 *
 * <p>The binary is {@value #BINARY_ENV} if set, else {@code haproxy} on PATH, else
 * {@code /usr/sbin/haproxy}. The process is started by a {@link ProcessSupervisor} and stopped by PID
 * on {@link #close()} (SIGTERM stops a foreground HAProxy at once), or by the supervisor's shutdown
 * hook if the caller never gets there.
 */
public final class HaproxyServer implements AutoCloseable {

  /** Environment variable naming the {@code haproxy} binary. */
  public static final String BINARY_ENV = "DENEB_HAPROXY";

  static final String INSTALL_HINT = "install it with `apt-get install haproxy` (./scripts/test does), or set " + BINARY_ENV;

  private static final String HOST = "127.0.0.1";
  private static final Path DEFAULT_BINARY = Path.of("/usr/sbin/haproxy");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);
  private static final int PROBE_TIMEOUT_MS = 1000;
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** Free ports can be taken by someone else before HAProxy binds them: try a few. */
  private static final int BIND_ATTEMPTS = 3;
  /** sun_path holds 108 bytes on Linux, the terminating NUL included. */
  private static final int MAX_UNIX_PATH = 107;

  private final ProcessSupervisor supervisor;
  private final boolean ownsSupervisor;
  private final SupervisedProcess process;
  private final String backend;
  private final int frontendPort;
  private final int runtimePort;
  private final Path unixSocket;
  private final Path config;
  private boolean closed;

  private HaproxyServer(ProcessSupervisor supervisor, boolean ownsSupervisor, SupervisedProcess process,
      String backend, int frontendPort, int runtimePort, Path unixSocket, Path config) {
    this.supervisor = supervisor;
    this.ownsSupervisor = ownsSupervisor;
    this.process = process;
    this.backend = backend;
    this.frontendPort = frontendPort;
    this.runtimePort = runtimePort;
    this.unixSocket = unixSocket;
    this.config = config;
  }

  /**
   * Starts HAProxy with its own supervisor.
   *
   * @param servers server name to {@code host:port}, in config order; all start ready
   * @param healthChecks whether every server gets {@code check} (a TCP connect every 200 ms)
   */
  public static HaproxyServer start(Path dir, String backend, Map<String, String> servers, boolean healthChecks)
      throws IOException {
    ProcessSupervisor supervisor = new ProcessSupervisor(STOP_GRACE);
    try {
      return start(dir, supervisor, false, backend, servers, healthChecks);
    } catch (IOException | RuntimeException e) {
      supervisor.close();
      throw e;
    }
  }

  /** Starts HAProxy through a shared supervisor; {@link #close()} then stops only this process. */
  public static HaproxyServer start(Path dir, ProcessSupervisor supervisor, String backend, Map<String, String> servers,
      boolean healthChecks) throws IOException {
    return start(dir, supervisor, true, backend, servers, healthChecks);
  }

  private static HaproxyServer start(Path dir, ProcessSupervisor supervisor, boolean shared, String backend,
      Map<String, String> servers, boolean healthChecks) throws IOException {
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("haproxy backend " + backend + ": give at least one server");
    }
    Path binary = locateBinary(System.getenv(), DEFAULT_BINARY);
    Path home = dir.toAbsolutePath();
    Files.createDirectories(home);
    Path socket = home.resolve("admin.sock");
    if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_UNIX_PATH) {
      throw new IllegalArgumentException("haproxy: the runtime socket path " + socket + " is longer than "
          + MAX_UNIX_PATH + " bytes, the Unix limit; start it in a shorter directory");
    }
    Path config = home.resolve("haproxy.cfg");
    Path log = home.resolve("haproxy.log");
    String failure = null;
    for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      int frontend = Ports.freePort();
      int runtime = Ports.freePort();
      Files.deleteIfExists(socket);
      Files.writeString(config, config(backend, servers, healthChecks, frontend, runtime, socket));
      SupervisedProcess process = supervisor.start(ProcessSpec.of("haproxy",
          List.of(binary.toString(), "-db", "-f", config.toString()), log).withWorkDir(home));
      try {
        failure = awaitRuntimeApi(supervisor, process, runtime);
      } catch (RuntimeException e) {
        supervisor.kill(process.pid()); // interrupted: do not leave it running under a shared supervisor
        throw e;
      }
      if (failure == null) {
        return new HaproxyServer(supervisor, !shared, process, backend, frontend, runtime, socket, config);
      }
      if (supervisor.isAlive(process.pid())) {
        supervisor.stop(process.pid());
        break; // alive but not answering: other ports will not help
      }
    }
    throw new IllegalStateException("haproxy (" + binary + ") did not start: " + failure + "; config " + config + ", log " + log);
  }

  static String config(String backend, Map<String, String> servers, boolean healthChecks, int frontendPort,
      int runtimePort, Path socket) {
    StringBuilder c = new StringBuilder();
    c.append("# generated by dev.deneb.sandbox.HaproxyServer\n")
        .append("global\n")
        .append("  stats socket ipv4@").append(HOST).append(':').append(runtimePort).append(" level admin\n")
        .append("  stats socket ").append(socket).append(" mode 600 level admin\n")
        .append("defaults\n")
        .append("  mode tcp\n")
        .append("  timeout connect 2s\n")
        // Idle client connections must outlive a test that holds one across a failover: a timeout
        // closing them would look like the "shutdown sessions" under test.
        .append("  timeout client 60s\n")
        .append("  timeout server 60s\n")
        .append("listen ").append(backend).append('\n')
        .append("  bind ").append(HOST).append(':').append(frontendPort).append('\n');
    for (Map.Entry<String, String> s : servers.entrySet()) {
      c.append("  server ").append(s.getKey()).append(' ').append(s.getValue())
          .append(healthChecks ? " check inter 200ms fall 2 rise 1" : "").append('\n');
    }
    return c.toString();
  }

  /** Null once {@code show info} answers; otherwise why not (the process exited, or the deadline passed). */
  private static String awaitRuntimeApi(ProcessSupervisor supervisor, SupervisedProcess process, int port) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "no answer yet";
    while (true) {
      if (!supervisor.isAlive(process.pid())) {
        return "it exited with code " + supervisor.exitCode(process.pid()).orElse(-1) + " (log: " + tail(process.log()) + ")";
      }
      try {
        String info = execute(port, "show info");
        if (info.contains("Name: HAProxy")) {
          return null;
        }
        last = "show info answered '" + info.strip() + "'";
      } catch (IOException e) {
        last = "show info: " + e.getClass().getSimpleName() + " " + e.getMessage();
      }
      if (System.nanoTime() - deadline > 0) {
        return "its runtime API on " + HOST + ":" + port + " did not answer within " + START_TIMEOUT.toSeconds() + "s (" + last + ")";
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  /** One runtime API command over TCP; HAProxy closes the connection after the reply. */
  private static String execute(int port, String command) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(HOST, port), PROBE_TIMEOUT_MS);
      socket.setSoTimeout(PROBE_TIMEOUT_MS);
      OutputStream out = socket.getOutputStream();
      out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream reply = new ByteArrayOutputStream();
      in.transferTo(reply);
      return reply.toString(StandardCharsets.UTF_8);
    }
  }

  /** The last few lines of the log, where HAProxy says why it refused to start. */
  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
      return String.join(" / ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  /** The {@code haproxy} binary: {@value #BINARY_ENV}, else one on {@code PATH}, else {@code fallback}. */
  static Path locateBinary(Map<String, String> env, Path fallback) {
    return ExternalBinary.locate(env, BINARY_ENV, "haproxy", Path.of(""), List.of(fallback), INSTALL_HINT);
  }

  /** Sends one runtime API command (over TCP) and returns HAProxy's reply. */
  public String execute(String command) throws IOException {
    return execute(runtimePort, command);
  }

  /** The port clients connect to, on 127.0.0.1. */
  public int frontendPort() {
    return frontendPort;
  }

  /** The runtime API over TCP, {@code 127.0.0.1:<port>}. */
  public String runtimeAddress() {
    return HOST + ":" + runtimePort;
  }

  /** The runtime API as a Unix socket. */
  public Path unixSocket() {
    return unixSocket;
  }

  /** The {@code listen} section's name, which is the backend name runtime API commands use. */
  public String backend() {
    return backend;
  }

  public Path config() {
    return config;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return process.log();
  }

  /** Stops HAProxy by PID (and the supervisor, if it is this server's own); idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (ownsSupervisor) {
      supervisor.close();
    } else {
      supervisor.stop(process.pid());
    }
  }

  /** Server names with their addresses, in order; a convenience for callers building the map. */
  public static Map<String, String> servers(String... nameAndAddress) {
    if (nameAndAddress.length % 2 != 0) {
      throw new IllegalArgumentException("give name, host:port pairs");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < nameAndAddress.length; i += 2) {
      out.put(nameAndAddress[i], nameAndAddress[i + 1]);
    }
    return out;
  }
}
