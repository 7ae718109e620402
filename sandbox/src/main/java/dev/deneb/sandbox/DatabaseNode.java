package dev.deneb.sandbox;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One real {@code mariadbd} on 127.0.0.1, started and signalled by PID through a
 * {@link ProcessSupervisor}. Made by {@link DatabaseSandbox}.
 *
 * <p>Everything lives in {@link #dir()}: {@code data/} (a copy of
 * {@link MariaDbBinary#dataDirTemplate()}), {@code my.cnf} (the only option file the server reads:
 * {@code --defaults-file}), {@code mariadbd.pid} and {@code mariadbd.log} (the server's error log:
 * its stderr, appended to across restarts). The option file holds what every start must get, so a
 * restart after a crash comes up the same way:
 *
 * <ul>
 *   <li>{@code read_only=ON}: a (re)started server never comes up writable; making it writable is
 *       the initial bootstrap's or the agent's decision;
 *   <li>GTID binary logs: {@code log_bin}, {@code log_slave_updates}, row format, a
 *       {@code server_id} unique in the sandbox, {@code gtid_domain_id=0};
 *   <li>{@code event_scheduler=ON}, so the lease guard event runs (and keeps running after a
 *       restart);
 *   <li>{@code skip_ssl}: MariaDB 11.4 generates a TLS certificate at every start otherwise (4 to 12 s
 *       here); replicas therefore connect with {@code MASTER_SSL=0};
 *   <li>the port on 127.0.0.1, chosen once: {@link #restart()} keeps it, so replicas and proxies
 *       pointed at this node reconnect by themselves.
 * </ul>
 */
public final class DatabaseNode {

  public static final String HOST = "127.0.0.1";
  /** {@code root} logs in from 127.0.0.1 without a password (mariadb-install-db's "normal" root). */
  static final DatabaseAccount ROOT = new DatabaseAccount("root", "");

  private static final Duration PROBE_CONNECT_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration PROBE_SOCKET_TIMEOUT = Duration.ofSeconds(2);
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  /** A free port can be taken by someone else before the server binds it: try a few. */
  private static final int BIND_ATTEMPTS = 3;
  /** Unix socket paths must fit in sun_path (108 bytes). */
  private static final int MAX_SOCKET_PATH = 100;

  private final String id;
  /** Changes only when the node is rebuilt ({@link #wipe}). */
  private int serverId;
  /** Added to the server id of a rebuilt node; larger than any sandbox's node count. */
  private static final int REBUILT_SERVER_ID_STEP = 100;
  private final Path dir;
  private final MariaDbBinary binary;
  private final ProcessSupervisor supervisor;
  private final Duration startTimeout;
  private final Map<String, String> serverOptions;

  private int port;
  /** True once the server has listened on {@link #port}: from then on the port never changes. */
  private boolean portBound;
  private SupervisedProcess process;
  /** Size of the log when the current process was launched: where its own output begins. */
  private long logOffset;

  DatabaseNode(String id, int serverId, int port, Path dir, MariaDbBinary binary, ProcessSupervisor supervisor,
      Duration startTimeout, Map<String, String> serverOptions) {
    this.id = id;
    this.serverId = serverId;
    this.port = port;
    this.dir = dir.toAbsolutePath().normalize();
    this.binary = binary;
    this.supervisor = supervisor;
    this.startTimeout = startTimeout;
    this.serverOptions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(serverOptions));
  }

  /** {@code db1}, {@code db2}, ... */
  public String id() {
    return id;
  }

  /**
   * The server's {@code server_id}: its number in the sandbox (1 for {@code db1}), plus 100 for each
   * time it was rebuilt ({@link DatabaseSandbox#reclone}).
   */
  public synchronized int serverId() {
    return serverId;
  }

  public String host() {
    return HOST;
  }

  public synchronized int port() {
    return port;
  }

  /** {@code 127.0.0.1:<port>}, for example as a Toxiproxy upstream. */
  public String hostPort() {
    return HOST + ":" + port();
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(HOST, port()); // a literal address: no name lookup
  }

  public Path dir() {
    return dir;
  }

  public Path dataDir() {
    return dir.resolve("data");
  }

  public Path optionFile() {
    return dir.resolve("my.cnf");
  }

  public Path pidFile() {
    return dir.resolve("mariadbd.pid");
  }

  /** The server's error log (its stdout and stderr), appended to across restarts. */
  public Path log() {
    return dir.resolve("mariadbd.log");
  }

  public MariaDbBinary binary() {
    return binary;
  }

  /** A JDBC endpoint on this node for {@code account}, with both timeouts Deneb always sets. */
  public DatabaseEndpoint endpoint(DatabaseAccount account, Duration connectTimeout, Duration socketTimeout) {
    return new DatabaseEndpoint(HOST, port(), account.user(), account.password(), connectTimeout, socketTimeout);
  }

  /** Copies the data directory template (unless {@code data/} exists) and writes the option file. */
  void initialise(Path dataDirTemplate) throws IOException {
    Files.createDirectories(dir.resolve("tmp"));
    if (!Files.exists(dataDir())) {
      MariaDbBinary.copyTree(dataDirTemplate, dataDir());
    }
    writeOptionFile();
  }

  private void writeOptionFile() throws IOException {
    Files.writeString(optionFile(), optionFileText(), StandardCharsets.UTF_8);
  }

  /** The {@code [mariadbd]} option file; {@code serverOptions} come last and so win. */
  synchronized String optionFileText() {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("basedir", binary.baseDir().toString());
    o.put("datadir", dataDir().toString());
    o.put("lc_messages_dir", binary.shareDir().toString());
    // mariadbd refuses to run as root unless told so; naming the current user is right either way.
    o.put("user", System.getProperty("user.name"));
    o.put("bind_address", HOST);
    o.put("port", Integer.toString(port));
    o.put("socket", socketPath().toString());
    o.put("pid_file", pidFile().toString());
    // Its own tmpdir: a starting mariadbd deletes stale #sql files in its tmpdir, which in a shared
    // /tmp are other servers' live temporary tables.
    o.put("tmpdir", dir.resolve("tmp").toString());
    o.put("skip_ssl", "");
    o.put("skip_name_resolve", "");
    o.put("server_id", Integer.toString(serverId));
    o.put("gtid_domain_id", "0");
    o.put("log_bin", "mariadb-bin");
    o.put("log_slave_updates", "ON");
    o.put("binlog_format", "ROW");
    o.put("relay_log", "relay-bin");
    o.put("read_only", "ON");
    o.put("event_scheduler", "ON");
    o.put("report_host", HOST);
    o.put("report_port", Integer.toString(port));
    o.put("innodb_log_file_size", "8M");
    o.put("innodb_buffer_pool_size", "64M");
    o.putAll(serverOptions);
    StringBuilder text = new StringBuilder()
        .append("# Written by the Deneb sandbox for ").append(id)
        .append("; mariadbd reads only this file (--defaults-file).\n[mariadbd]\n");
    o.forEach((key, value) -> {
      text.append(key);
      if (value != null && !value.isEmpty()) {
        text.append('=').append(value.matches(".*[\\s#'\"].*") ? "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : value);
      }
      text.append('\n');
    });
    return text.toString();
  }

  private Path socketPath() {
    Path inDir = dir.resolve("mariadbd.sock");
    if (inDir.toString().length() <= MAX_SOCKET_PATH) {
      return inDir;
    }
    return Path.of(System.getProperty("java.io.tmpdir"), "deneb-mariadb-" + port + ".sock");
  }

  // ---- process control ------------------------------------------------------------------------

  /**
   * Starts the server and returns once {@code root} can log in. After a crash InnoDB recovers first,
   * and the server comes up read-only (option file). On the first start only, a port someone else
   * took meanwhile is replaced by a new free one.
   *
   * @throws IllegalStateException when it runs already, or exits or does not accept connections
   *     within the start timeout (it is killed then); the message carries the end of its log
   */
  public synchronized SupervisedProcess start() throws IOException {
    launch();
    awaitStarted(System.nanoTime() + startTimeout.toNanos());
    return process;
  }

  /**
   * Deletes the data directory of a stopped server and copies {@code dataDirTemplate} in its place:
   * the server starts again empty, on the same port, to be filled by replication.
   */
  synchronized void wipe(Path dataDirTemplate) throws IOException {
    if (isRunning()) {
      throw new IllegalStateException(id + " runs as pid " + process.pid() + "; stop it before wiping its data");
    }
    MariaDbBinary.deleteTree(dataDir());
    // A new server_id: a replica skips every event that carries its own id (the guard against
    // circular replication), so under its old id it could not replay the history it wrote itself.
    serverId += REBUILT_SERVER_ID_STEP;
    initialise(dataDirTemplate);
  }

  /** Starts the process without waiting; {@link #awaitStarted} waits. */
  synchronized void launch() throws IOException {
    if (isRunning()) {
      throw new IllegalStateException(id + " is already running as pid " + process.pid());
    }
    logOffset = Files.exists(log()) ? Files.size(log()) : 0;
    List<String> command = List.of(binary.mariadbd().toString(), "--defaults-file=" + optionFile());
    process = supervisor.start(ProcessSpec.of(id, command, log()).withWorkDir(dir));
  }

  /** Waits until {@code root} can log in; relaunches on a new port when the first bind failed. */
  synchronized void awaitStarted(long deadlineNanos) throws IOException {
    int bindFailures = 0;
    DatabaseEndpoint probe = null;
    while (true) {
      OptionalInt exit = supervisor.exitCode(process.pid());
      if (exit.isPresent()) {
        String output = logSinceLaunch();
        if (!portBound && output.contains("Address already in use") && ++bindFailures < BIND_ATTEMPTS) {
          port = Ports.freePort();
          writeOptionFile();
          launch();
          probe = null;
          continue;
        }
        throw new IllegalStateException(id + " (mariadbd pid " + process.pid() + ") exited with code " + exit.getAsInt()
            + " before accepting connections; log " + log() + ":\n" + tail(output, 30));
      }
      if (probe == null) {
        probe = endpoint(ROOT, PROBE_CONNECT_TIMEOUT, PROBE_SOCKET_TIMEOUT);
      }
      if (acceptsLogin(probe)) {
        portBound = true;
        return;
      }
      if (System.nanoTime() - deadlineNanos > 0) {
        supervisor.kill(process.pid());
        throw new IllegalStateException(id + " (mariadbd pid " + process.pid() + ") did not accept connections on port "
            + port + " within " + startTimeout.toSeconds() + " s and was killed; log " + log() + ":\n"
            + tail(logSinceLaunch(), 30));
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  private static boolean acceptsLogin(DatabaseEndpoint probe) {
    try (Connection c = probe.open()) {
      return c.isValid(1);
    } catch (SQLException e) {
      return false;
    }
  }

  /** SIGTERM (a clean shutdown), SIGKILL if it is still alive after the grace period. */
  public void stop() {
    supervisor.stop(current().pid());
  }

  /** SIGKILL ({@code kill -9}), as a crash would; returns once the process is gone. */
  public void kill() {
    supervisor.kill(current().pid());
  }

  /** SIGSTOP: the server freezes; the kernel still accepts TCP connections for it, nobody answers. */
  public void pause() {
    supervisor.pause(current().pid());
  }

  /** SIGCONT: undoes {@link #pause()}. */
  public void resume() {
    supervisor.resume(current().pid());
  }

  /** Stops the server if it runs (cleanly), then starts it again with the same data and port. */
  public synchronized SupervisedProcess restart() throws IOException {
    if (isRunning()) {
      stop();
    }
    return start();
  }

  public synchronized boolean isRunning() {
    return process != null && supervisor.isAlive(process.pid());
  }

  /** The PID of the current (or last) server process. */
  public synchronized long pid() {
    return current().pid();
  }

  private synchronized SupervisedProcess current() {
    if (process == null) {
      throw new IllegalStateException(id + " was never started");
    }
    return process;
  }

  /** The last {@code lines} lines of the server's log, for failure messages. */
  public String logTail(int lines) {
    try (RandomAccessFile file = new RandomAccessFile(log().toFile(), "r")) {
      long length = file.length();
      int size = (int) Math.min(length, 64 * 1024);
      byte[] bytes = new byte[size];
      file.seek(length - size);
      file.readFully(bytes);
      return tail(new String(bytes, StandardCharsets.UTF_8), lines);
    } catch (IOException e) {
      return "(cannot read " + log() + ": " + e.getMessage() + ")";
    }
  }

  private String logSinceLaunch() {
    try {
      byte[] all = Files.readAllBytes(log());
      int from = (int) Math.min(logOffset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + log() + ": " + e.getMessage() + ")";
    }
  }

  private static String tail(String text, int lines) {
    List<String> all = Arrays.asList(text.split("\n"));
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  @Override
  public String toString() {
    return id + " (" + hostPort() + ")";
  }
}
