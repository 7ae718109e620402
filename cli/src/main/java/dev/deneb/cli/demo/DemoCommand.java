package dev.deneb.cli.demo;

import dev.deneb.cli.CliException;
import dev.deneb.cli.VerboseOption;
import dev.deneb.cli.ctl.ControllerClient;
import dev.deneb.cli.ctl.Endpoints;
import dev.deneb.cli.ctl.MembersView;
import dev.deneb.sandbox.ControllerGroupOptions;
import dev.deneb.sandbox.ControllerGroupSandbox;
import dev.deneb.sandbox.SupervisedProcess;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code deneb demo}: a 3-member controller group as three local processes, with an example
 * cluster registered, and the commands to look at it. Everything it starts stops on Ctrl-C.
 *
 * <p>Until the database parts exist, the cluster's nodes are only registered: no database runs.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run a 3-member controller group on this machine with an example cluster, until Ctrl-C.")
public final class DemoCommand implements Callable<Integer> {

  static final String CLUSTER = "orders";
  static final int FIRST_DB_PORT = 3307;
  /** What a shell reports for a command ended by SIGINT. */
  private static final int INTERRUPTED = 130;
  private static final long WATCH_NANOS = TimeUnit.SECONDS.toNanos(1);

  @Option(names = "--dir", paramLabel = "DIR",
      description = "New or empty directory for configs, data and logs (default ./.deneb/demo-<timestamp>).")
  Path dir;

  @Option(names = "--keep-running-seconds", paramLabel = "N", description = "Stop after N seconds instead of waiting for Ctrl-C.")
  Integer keepRunningSeconds;

  @Mixin VerboseOption verbose;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (keepRunningSeconds != null && keepRunningSeconds < 0) {
      throw new CliException("--keep-running-seconds must be 0 or more, not " + keepRunningSeconds);
    }
    Path home = prepareDirectory(dir != null ? dir
        : Path.of(".deneb", "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
    say(out, "demo directory: " + home);

    ControllerGroupSandbox group = ControllerGroupSandbox.create(3, home, ControllerGroupOptions.defaults());
    Shutdown shutdown = new Shutdown(group, home, out);
    Thread hook = new Thread(() -> shutdown.run("Ctrl-C"), "deneb-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      for (String id : group.memberIds()) {
        SupervisedProcess process = group.start(id);
        say(out, "starting controller " + id + " (pid " + process.pid() + ") raft " + group.member(id).raftAddress()
            + ", http " + group.endpoint(id) + ", log " + process.log());
      }
      say(out, "waiting for a leader ...");
      long began = System.nanoTime();
      String leader = awaitLeader(group);
      say(out, String.format("leader: %s (after %.1fs)", leader, (System.nanoTime() - began) / 1e9));

      ControllerClient client = new ControllerClient(group.endpoints());
      registerExampleCluster(client, out);
      say(out, "");
      say(out, MembersView.render(client));
      say(out, instructions(group, leader));

      waitUntilDone(group, shutdown, out);
    } catch (RuntimeException e) {
      if (shutdown.started()) {
        // Ctrl-C while starting: the failure is only the consequence of stopping; the JVM is exiting anyway.
        return INTERRUPTED;
      }
      throw e;
    } finally {
      shutdown.run("finished");
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shutdownInProgress) {
        // Ctrl-C arrived: the hook is running or has run; nothing left to undo.
      }
    }
    return 0;
  }

  /** The sandbox's reason (which member exited, its last log line) becomes the command's one-line error. */
  public static String awaitLeader(ControllerGroupSandbox group) {
    try {
      return group.awaitLeader();
    } catch (IllegalStateException e) {
      throw new CliException(e.getMessage(), e);
    }
  }

  private static void registerExampleCluster(ControllerClient client, PrintWriter out) {
    say(out, "creating cluster " + CLUSTER + " ...");
    client.post("/v1/clusters", ControllerClient.object().put("name", CLUSTER));
    for (int i = 1; i <= 3; i++) {
      String node = "db" + i;
      int port = FIRST_DB_PORT + i - 1;
      client.post("/v1/clusters/" + CLUSTER + "/nodes",
          ControllerClient.object().put("node", node).put("host", "127.0.0.1").put("port", port));
      say(out, "registered node " + node + " at 127.0.0.1:" + port + " (no database runs there yet)");
    }
    client.post("/v1/clusters/" + CLUSTER + "/bootstrap", ControllerClient.object().put("primary", "db1"));
    say(out, "bootstrapped " + CLUSTER + ": epoch 1, primary db1");
  }

  /** The lines a person copies next: curl against the leader and a follower, and the ctl commands. */
  static String instructions(ControllerGroupSandbox group, String leader) {
    URI leaderUrl = group.endpoint(leader);
    String follower = group.memberIds().stream().filter(id -> !id.equals(leader)).findFirst().orElse(leader);
    URI followerUrl = group.endpoint(follower);
    String endpoints = group.endpoints().stream().map(URI::toString).collect(Collectors.joining(","));
    String deneb = launcher();
    long leaderPid = group.pid(leader);
    return String.join("\n",
        "Try it (in another terminal):",
        "  curl -s " + leaderUrl + "/v1/controller",
        "  curl -s " + leaderUrl + "/v1/clusters/" + CLUSTER + "/primary                # linearizable (ReadIndex through Raft)",
        "  curl -s '" + followerUrl + "/v1/clusters/" + CLUSTER + "/primary?stale=true'    # " + follower + "'s applied state, no Raft round trip",
        "  curl -s " + leaderUrl + "/metrics",
        "  " + deneb + " ctl --endpoints " + endpoints + " status",
        "  " + deneb + " ctl --endpoints " + endpoints + " status " + CLUSTER,
        "  " + deneb + " ctl --endpoints " + endpoints + " members",
        "  export " + Endpoints.ENV + "=" + endpoints + "    # then plain '" + deneb + " ctl status' works",
        "  kill -9 " + leaderPid + "    # the leader, " + leader + ": run 'members' again, a new leader within seconds",
        "");
  }

  /** How the user started us: the launcher exports its own path; otherwise assume it is on PATH. */
  private static String launcher() {
    String launcher = System.getenv("DENEB_LAUNCHER");
    return launcher == null || launcher.isBlank() ? "deneb" : launcher;
  }

  /** Waits for Ctrl-C or --keep-running-seconds, reporting any controller that exits on its own meanwhile. */
  private void waitUntilDone(ControllerGroupSandbox group, Shutdown shutdown, PrintWriter out) {
    if (keepRunningSeconds != null) {
      say(out, "running for " + keepRunningSeconds + "s (--keep-running-seconds) ...");
    } else {
      say(out, "Press Ctrl-C to stop; every process started here is stopped with it.");
    }
    long deadline = keepRunningSeconds == null ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.SECONDS.toNanos(keepRunningSeconds);
    Set<String> reported = new HashSet<>();
    while (!shutdown.started() && (keepRunningSeconds == null || System.nanoTime() - deadline < 0)) {
      for (String id : group.memberIds()) {
        if (!shutdown.started() && !group.isRunning(id) && reported.add(id)) {
          say(out, "controller " + id + " exited; see " + group.logOf(id));
        }
      }
      long left = keepRunningSeconds == null ? WATCH_NANOS : Math.min(WATCH_NANOS, deadline - System.nanoTime());
      LockSupport.parkNanos(Math.max(left, 0));
    }
  }

  /** A directory to own: created if missing, refused if it holds anything (old Raft data would not match new ports). */
  private static Path prepareDirectory(Path dir) throws IOException {
    Path absolute = dir.toAbsolutePath().normalize();
    if (Files.exists(absolute)) {
      if (!Files.isDirectory(absolute)) {
        throw new CliException("--dir " + absolute + " is a file, not a directory");
      }
      try (Stream<Path> entries = Files.list(absolute)) {
        if (entries.findAny().isPresent()) {
          throw new CliException("--dir " + absolute + " is not empty; name a new directory (its Raft data would not match new ports)");
        }
      }
    }
    Files.createDirectories(absolute);
    return absolute;
  }

  static void say(PrintWriter out, String line) {
    out.println(line);
    out.flush();
  }

  /**
   * Stops the group once, from whichever comes first: the end of {@link #call} or the shutdown hook
   * (Ctrl-C). The second caller waits for the first, so "stopped" is printed only when it is true.
   */
  private static final class Shutdown {
    private final ControllerGroupSandbox group;
    private final Path home;
    private final PrintWriter out;
    private boolean done;
    private volatile boolean started;

    Shutdown(ControllerGroupSandbox group, Path home, PrintWriter out) {
      this.group = group;
      this.home = home;
      this.out = out;
    }

    boolean started() {
      return started;
    }

    synchronized void run(String why) {
      if (done) {
        return;
      }
      started = true;
      List<String> running = group.memberIds().stream().filter(group::isRunning)
          .map(id -> id + " (pid " + group.pid(id) + ")").toList();
      say(out, "");
      say(out, why + ": stopping " + (running.isEmpty() ? "(nothing running)" : String.join(", ", running)) + " ...");
      group.close();
      done = true;
      say(out, "stopped every process the demo started; configs, data and logs are kept in " + home);
    }
  }
}
