package dev.deneb.sandbox;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.fencing.dialect.Dialects;
import dev.deneb.fencing.dialect.ReadOnlyLevel;
import dev.deneb.fencing.dialect.ReplicationSource;
import dev.deneb.fencing.dialect.ReplicationStatus;
import dev.deneb.fencing.dialect.SqlDialect;
import dev.deneb.fencing.dialect.SqlErrors;
import dev.deneb.fencing.gtid.GtidState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * N real MariaDB servers on 127.0.0.1 with GTID replication from the first (DESIGN §6), for tests
 * and the demo.
 *
 * <p>{@link #start} copies a data directory per node into {@code <baseDir>/db<i>/}, starts every
 * {@code mariadbd} at once (all {@code read_only=ON}, see {@link DatabaseNode}), then on {@code db1}:
 * creates the accounts and the {@value #APP_DATABASE} database and makes it writable, the initial
 * primary; points {@code db2..dbN} at it with GTID positioning ({@link SqlDialect#replicateFrom},
 * through {@link DatabaseSandboxOptions#replicationRoute()}), and returns once every replica runs
 * both replication threads and has applied {@code db1}'s bootstrap, so the accounts exist on every
 * node. Every server is stopped by PID on {@link #close()}, and by the supervisor's shutdown hook if
 * the caller never gets there.
 *
 * <p>Accounts (random passwords, host {@code '%'}; the bootstrap replicates them):
 *
 * <ul>
 *   <li>{@link #app()}: the application. Data privileges on {@value #APP_DATABASE}{@code .*} only,
 *       none of the read-only bypasses ({@code READ_ONLY ADMIN}, {@code ALL PRIVILEGES}), so
 *       {@code read_only} stops its writes (error 1290).
 *   <li>{@link #admin()}: the node agent's account, with the privileges {@link SqlDialect}'s class
 *       comment lists for MariaDB (including {@code READ_ONLY ADMIN}).
 *   <li>{@link #replication()}: {@code REPLICATION SLAVE}, what replicas log in to their source with.
 *   <li>{@link #root()}: {@code root} from 127.0.0.1 without a password, for the sandbox itself.
 * </ul>
 */
public final class DatabaseSandbox implements AutoCloseable {

  /** The application's database; the app account may do anything with its tables. */
  public static final String APP_DATABASE = "app";
  static final String APP_USER = "app";
  static final String ADMIN_USER = "deneb_agent";
  static final String REPLICATION_USER = "repl";

  /** What the app account may do: data and schema of {@value #APP_DATABASE}, no global privilege. */
  static final String APP_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER,"
      + " CREATE TEMPORARY TABLES, LOCK TABLES, CREATE VIEW, SHOW VIEW, TRIGGER";
  /** The agent's global privileges on MariaDB, as SqlDialect's class comment lists them. */
  static final String ADMIN_GLOBAL_PRIVILEGES = "SUPER, READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, BINLOG ADMIN,"
      + " REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN, REPLICA MONITOR, EVENT, RELOAD";
  static final String ADMIN_DENEB_PRIVILEGES = "SELECT, INSERT, DELETE, CREATE, DROP";

  private static final Duration REPLICATION_CONNECT_RETRY = Duration.ofSeconds(1);
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final String PASSWORD_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final DatabaseSandboxOptions options;
  private final ProcessSupervisor supervisor;
  private final boolean ownsSupervisor;
  private final List<DatabaseNode> nodes;
  private final DatabaseAccount app = new DatabaseAccount(APP_USER, password());
  private final DatabaseAccount admin = new DatabaseAccount(ADMIN_USER, password());
  private final DatabaseAccount replication = new DatabaseAccount(REPLICATION_USER, password());
  private volatile SqlDialect dialect;
  private volatile Duration startupTime;
  private boolean closed;

  private DatabaseSandbox(DatabaseSandboxOptions options, ProcessSupervisor supervisor, boolean ownsSupervisor,
      List<DatabaseNode> nodes) {
    this.options = options;
    this.supervisor = supervisor;
    this.ownsSupervisor = ownsSupervisor;
    this.nodes = List.copyOf(nodes);
  }

  /** {@code n} nodes with {@link DatabaseSandboxOptions#defaults()}. */
  public static DatabaseSandbox start(int n, Path baseDir) throws IOException {
    return start(n, baseDir, DatabaseSandboxOptions.defaults());
  }

  /** {@code n} nodes with their own {@link ProcessSupervisor}, closed with the sandbox. */
  public static DatabaseSandbox start(int n, Path baseDir, DatabaseSandboxOptions options) throws IOException {
    ProcessSupervisor supervisor = new ProcessSupervisor(options.stopGrace());
    try {
      return start(n, baseDir, options, supervisor, true);
    } catch (IOException | RuntimeException e) {
      supervisor.close();
      throw e;
    }
  }

  /**
   * {@code n} nodes on a supervisor shared with other sandboxes (Toxiproxy, controllers);
   * {@link #close()} then stops only this sandbox's servers and leaves the supervisor open.
   */
  public static DatabaseSandbox start(int n, Path baseDir, DatabaseSandboxOptions options, ProcessSupervisor supervisor)
      throws IOException {
    return start(n, baseDir, options, supervisor, false);
  }

  private static DatabaseSandbox start(int n, Path baseDir, DatabaseSandboxOptions options, ProcessSupervisor supervisor,
      boolean ownsSupervisor) throws IOException {
    if (n < 1) {
      throw new IllegalArgumentException("a database sandbox has at least 1 node, not " + n);
    }
    long began = System.nanoTime();
    MariaDbBinary binary = options.binary() != null ? options.binary() : MariaDbBinary.locate();
    Path template = binary.dataDirTemplate();
    Path base = baseDir.toAbsolutePath().normalize();
    List<DatabaseNode> nodes = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      DatabaseNode node = new DatabaseNode("db" + i, i, Ports.freePort(), base.resolve("db" + i), binary, supervisor,
          options.startTimeout(), options.serverOptions());
      if (Files.exists(node.dataDir())) {
        throw new IllegalStateException(node.dataDir() + " exists already; a database sandbox starts in a fresh directory");
      }
      nodes.add(node);
    }
    DatabaseSandbox sandbox = new DatabaseSandbox(options, supervisor, ownsSupervisor, nodes);
    try {
      for (DatabaseNode node : nodes) {
        node.initialise(template);
      }
      for (DatabaseNode node : nodes) {
        node.launch(); // all at once: each takes about 0.3 s, mostly waiting
      }
      long deadline = System.nanoTime() + options.startTimeout().toNanos();
      for (DatabaseNode node : nodes) {
        node.awaitStarted(deadline);
      }
      sandbox.bootstrap();
      sandbox.startupTime = Duration.ofNanos(System.nanoTime() - began);
      return sandbox;
    } catch (IOException | RuntimeException e) {
      sandbox.close();
      throw e;
    }
  }

  /** Accounts and writability on db1, then replication from it to every other node. */
  private void bootstrap() {
    DatabaseNode primary = nodes.get(0);
    GtidState primaryPosition;
    try (Connection c = bootstrapEndpoint(primary).open()) {
      dialect = Dialects.detect(c);
      try (Statement s = c.createStatement()) {
        // Account set-up has no dialect method: it is the sandbox's (and an operator's) business.
        createUser(s, replication);
        s.execute("GRANT REPLICATION SLAVE ON *.* TO " + account(s, replication));
        s.execute("CREATE DATABASE " + APP_DATABASE);
        createUser(s, app);
        s.execute("GRANT " + APP_PRIVILEGES + " ON " + APP_DATABASE + ".* TO " + account(s, app));
        createUser(s, admin);
        s.execute("GRANT " + ADMIN_GLOBAL_PRIVILEGES + " ON *.* TO " + account(s, admin));
        s.execute("GRANT " + ADMIN_DENEB_PRIVILEGES + " ON deneb.* TO " + account(s, admin));
        s.execute("GRANT SELECT ON mysql.* TO " + account(s, admin));
      }
      dialect.setReadOnlyLevel(c, ReadOnlyLevel.WRITABLE);
      primaryPosition = dialect.executedGtids(c);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot bootstrap " + primary + ": " + SqlErrors.describe(e)
          + "; log " + primary.log() + ":\n" + primary.logTail(20), e);
    }
    List<DatabaseNode> replicas = nodes.subList(1, nodes.size());
    for (DatabaseNode replica : replicas) {
      replicate(replica, primary);
    }
    long deadline = System.nanoTime() + options.startTimeout().toNanos();
    for (DatabaseNode replica : replicas) {
      awaitReplicating(replica, deadline);
      awaitCaughtUp(replica, primaryPosition, deadline);
    }
  }

  /**
   * Rebuilds {@code node} as a copy of {@code source}: stops it, replaces its data directory with a
   * fresh one and lets it replicate {@code source}'s whole binary log from the beginning (the sandbox
   * never purges binary logs, and every node logs what it applies, so any node's log holds the
   * complete history, accounts included). Returns once it has applied {@code source}'s position of
   * the moment replication started. This is the repair of a quarantined node: whatever it held
   * that no other node has is gone.
   *
   * @param timeout how long the replay may take
   * @throws IllegalStateException when it does not replicate or catch up in time
   */
  public void reclone(DatabaseNode node, DatabaseNode source, Duration timeout) throws IOException {
    if (node.equals(source)) {
      throw new IllegalArgumentException("cannot reclone " + node + " from itself");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    if (node.isRunning()) {
      node.stop();
    }
    MariaDbBinary binary = options.binary() != null ? options.binary() : MariaDbBinary.locate();
    node.wipe(binary.dataDirTemplate());
    node.start();
    GtidState sourcePosition;
    try (Connection c = bootstrapEndpoint(source).open()) {
      sourcePosition = dialect().executedGtids(c);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the position of " + source + ": " + SqlErrors.describe(e), e);
    }
    replicate(node, source);
    awaitCaughtUp(node, sourcePosition, deadline);
  }

  /**
   * Polls until {@code node} has executed {@code position}; fails at once on an applier error (a
   * server-side MASTER_GTID_WAIT would sit out its whole timeout on one).
   */
  private void awaitCaughtUp(DatabaseNode node, GtidState position, long deadline) {
    String last = "no answer yet";
    while (true) {
      try (Connection c = endpoint(node, DatabaseNode.ROOT).open()) {
        Optional<ReplicationStatus> status = dialect().replicationStatus(c);
        // An applier error ends the replay; a receiver error (a lost connection) is retried by the server.
        if (status.isPresent() && status.get().lastSqlErrno() != 0) {
          throw new IllegalStateException(node + " stopped replicating while it replayed: " + status.get()
              + "; log " + node.log() + ":\n" + node.logTail(20));
        }
        GtidState executed = dialect().executedGtids(c);
        if (executed.contains(position)) {
          return;
        }
        last = "at " + executed.format() + ", " + status.map(ReplicationStatus::toString).orElse("not a replica");
      } catch (SQLException e) {
        last = SqlErrors.describe(e);
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(node + " did not apply " + position.format() + " in time; last: " + last
            + "; log " + node.log() + ":\n" + node.logTail(20));
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  private static void createUser(Statement s, DatabaseAccount a) throws SQLException {
    s.execute("CREATE USER " + account(s, a) + " IDENTIFIED BY " + s.enquoteLiteral(a.password()));
  }

  private static String account(Statement s, DatabaseAccount a) throws SQLException {
    return s.enquoteLiteral(a.user()) + "@'%'";
  }

  private static String password() {
    StringBuilder p = new StringBuilder(24);
    for (int i = 0; i < 24; i++) {
      p.append(PASSWORD_CHARS.charAt(RANDOM.nextInt(PASSWORD_CHARS.length())));
    }
    return p.toString();
  }

  // ---- replication ----------------------------------------------------------------------------

  /**
   * Points {@code replica} at {@code source} with GTID positioning and starts replication
   * ({@link SqlDialect#replicateFrom} as {@code root}), through the address
   * {@link DatabaseSandboxOptions#replicationRoute()} gives for the pair, without TLS. Returns once
   * replication is started, not once it is connected: see {@link #awaitReplicating}.
   */
  public void replicate(DatabaseNode replica, DatabaseNode source) {
    ReplicationSource to = replicationSource(replica, source);
    try (Connection c = bootstrapEndpoint(replica).open()) {
      dialect().replicateFrom(c, to);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot point " + replica + " at " + to + ": " + SqlErrors.describe(e), e);
    }
  }

  /** Where {@code replica} is told to find {@code source}: the route's address, the replication account. */
  public ReplicationSource replicationSource(DatabaseNode replica, DatabaseNode source) {
    InetSocketAddress address = options.replicationRoute().sourceAddress(replica, source);
    if (address == null) {
      throw new IllegalStateException("the replication route gave no address for " + replica + " -> " + source);
    }
    return new ReplicationSource(address.getHostString(), address.getPort(), replication.user(),
        replication.password(), false, REPLICATION_CONNECT_RETRY);
  }

  /**
   * Waits (polling) until {@code replica} runs both replication threads, connected to its source.
   *
   * @return the status that showed it
   * @throws IllegalStateException with the last status seen when {@code timeout} runs out
   */
  public ReplicationStatus awaitReplicating(DatabaseNode replica, Duration timeout) {
    return awaitReplicating(replica, System.nanoTime() + timeout.toNanos());
  }

  private ReplicationStatus awaitReplicating(DatabaseNode replica, long deadline) {
    String last = "no answer yet";
    while (true) {
      try (Connection c = endpoint(replica, DatabaseNode.ROOT).open()) {
        Optional<ReplicationStatus> status = dialect().replicationStatus(c);
        if (status.isPresent() && status.get().replicating()) {
          return status.get();
        }
        last = status.map(ReplicationStatus::toString).orElse("not a replica");
      } catch (SQLException e) {
        last = SqlErrors.describe(e);
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(replica + " does not replicate (both threads running) in time; last status: "
            + last + "; log " + replica.log() + ":\n" + replica.logTail(20));
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  // ---- nodes, accounts, endpoints ------------------------------------------------------------

  public List<DatabaseNode> nodes() {
    return nodes;
  }

  public int size() {
    return nodes.size();
  }

  /** Node {@code number}, 1-based: {@code node(1)} is {@code db1}, the initial primary. */
  public DatabaseNode node(int number) {
    if (number < 1 || number > nodes.size()) {
      throw new IllegalArgumentException("no node " + number + "; nodes are 1.." + nodes.size());
    }
    return nodes.get(number - 1);
  }

  public DatabaseNode node(String id) {
    return nodes.stream().filter(n -> n.id().equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no database node '" + id + "'; nodes are "
            + nodes.stream().map(DatabaseNode::id).toList()));
  }

  /** The application's account; {@code read_only} binds it. */
  public DatabaseAccount app() {
    return app;
  }

  /** The node agent's account (may write while read-only: it has {@code READ_ONLY ADMIN}). */
  public DatabaseAccount admin() {
    return admin;
  }

  /** The account replicas use to log in to their source. */
  public DatabaseAccount replication() {
    return replication;
  }

  /** {@code root}, no password, from 127.0.0.1 only. */
  public DatabaseAccount root() {
    return DatabaseNode.ROOT;
  }

  /** An endpoint on {@code node} for {@code account}, with the options' connect and socket timeouts. */
  public DatabaseEndpoint endpoint(DatabaseNode node, DatabaseAccount account) {
    return node.endpoint(account, options.connectTimeout(), options.socketTimeout());
  }

  /** {@link #endpoint(DatabaseNode, DatabaseAccount)} of node {@code number} (1-based). */
  public DatabaseEndpoint endpoint(int number, DatabaseAccount account) {
    return endpoint(node(number), account);
  }

  /** The dialect of the servers (detected on db1 at start). */
  public SqlDialect dialect() {
    SqlDialect d = dialect;
    if (d == null) {
      throw new IllegalStateException("the sandbox has not bootstrapped its primary yet");
    }
    return d;
  }

  public DatabaseSandboxOptions options() {
    return options;
  }

  /** From the call to {@code start} until it returned: binary, data directories, servers, replication. */
  public Duration startupTime() {
    return startupTime;
  }

  /** A root endpoint whose socket timeout outlasts the longest server-side wait of the start. */
  private DatabaseEndpoint bootstrapEndpoint(DatabaseNode node) {
    return node.endpoint(DatabaseNode.ROOT, options.connectTimeout(), options.startTimeout().plusSeconds(10));
  }

  /**
   * Stops every server of this sandbox by PID (SIGTERM, SIGKILL after the grace period; a paused one
   * is resumed first). With its own supervisor, closes that too. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (ownsSupervisor) {
      supervisor.close(); // SIGTERM to all at once
      return;
    }
    RuntimeException failure = null;
    for (DatabaseNode node : nodes) {
      try {
        if (node.isRunning()) {
          node.stop();
        }
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
