package dev.deneb.cli.demo;

import dev.deneb.cli.CliException;
import dev.deneb.cli.VerboseOption;
import dev.deneb.sandbox.ControllerGroupSandbox;
import dev.deneb.sandbox.HaEnvironment;
import dev.deneb.sandbox.ToxiproxySandbox;
import dev.deneb.sandbox.workload.Writer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code deneb demo}: the whole thing on this machine — 3 controllers, 3 MariaDB nodes in semi-sync
 * (from the embedded binaries), an agent beside each, Toxiproxy when available, and a writer — with a
 * live view. After a steady period it SIGKILLs the primary's mysqld, shows each workflow step with
 * its time since the kill and the writer's gap, restarts the old primary and shows it rejoin; then
 * keys trigger a switchover, a partition or another kill. Everything it starts stops on Ctrl-C.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run controllers, MariaDB nodes, agents and a writer on this machine; fail over live; Ctrl-C stops all.")
public final class DemoCommand implements Callable<Integer> {

  /** What a shell reports for a command ended by SIGINT. */
  private static final int INTERRUPTED = 130;
  static final String KEYS = "keys: [s] switchover   [p] partition the primary's agent (again: heal)   "
      + "[k] kill the primary's mysqld   [q] quit   (Ctrl-C also stops everything)";

  @Option(names = "--dir", paramLabel = "DIR",
      description = "New or empty directory for configs, data and logs (default ./.deneb/demo-<timestamp>).")
  Path dir;

  @Option(names = "--keep-running-seconds", paramLabel = "N",
      description = "After the scripted failover, stop after N seconds instead of waiting for q or Ctrl-C.")
  Integer keepRunningSeconds;

  @Option(names = "--script-only", description = "Stop once the old primary has rejoined (no keys, no waiting).")
  boolean scriptOnly;

  @Option(names = "--steady-seconds", paramLabel = "N", defaultValue = "10",
      description = "Seconds of steady writing before the primary is killed (default ${DEFAULT-VALUE}).")
  int steadySeconds;

  @Mixin VerboseOption verbose;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (keepRunningSeconds != null && keepRunningSeconds < 0) {
      throw new CliException("--keep-running-seconds must be 0 or more, not " + keepRunningSeconds);
    }
    if (steadySeconds < 0 || steadySeconds > 3600) {
      throw new CliException("--steady-seconds must be 0-3600, not " + steadySeconds);
    }
    Path home = prepareDirectory(dir != null ? dir
        : Path.of(".deneb", "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
    // A console means a person at a terminal: redraw the screen and read keys. Otherwise (CI, a
    // pipe) print one line per event and read nothing.
    boolean terminal = System.console() != null;
    boolean interactive = terminal && !scriptOnly;
    say(out, "demo directory: " + home);
    boolean proxies = ToxiproxySandbox.available();
    if (!proxies) {
      say(out, "no toxiproxy-server found (PATH, " + ToxiproxySandbox.SERVER_ENV + ", .deneb/bin): the partition key is off");
    }
    say(out, "starting 3 controllers, 3 MariaDB nodes (semi-sync), their agents (with failsafe peer links)"
        + (proxies ? ", toxiproxy" : "")
        + " ... (about 30 s)");

    Shutdown shutdown = new Shutdown(out, home);
    Thread hook = new Thread(() -> shutdown.run("Ctrl-C"), "deneb-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      // Failsafe peers on: a controller quorum loss leaves the healthy primary writable (docs/lease.md).
      HaEnvironment.Options options = HaEnvironment.Options.defaults().withDurability("semi-sync").withFailsafePeers();
      HaEnvironment env = HaEnvironment.start(home, proxies ? options.withProxies() : options);
      shutdown.env = env;
      say(out, "started: " + env.processes().entrySet().stream().map(e -> e.getKey() + " pid " + e.getValue())
          .collect(Collectors.joining(", ")));

      Events events = new Events(DemoView.sink(out, terminal));
      ClusterWatch watch = new ClusterWatch(env, events).start();
      shutdown.watch = watch;
      Writer writer = new Writer("demo", 1, env::primaryTarget).start();
      shutdown.writer = writer;
      DemoView view = new DemoView(out, terminal, watch::latest, () -> writer, events).start();
      shutdown.view = view;
      shutdown.events = events;

      DemoScript script = new DemoScript(env, watch, writer, events);
      script.awaitReady();
      script.steady(Duration.ofSeconds(steadySeconds));
      script.killPrimaryAndRejoin();
      events.now("scripted failover done");
      if (!scriptOnly) waitForUser(script, events, view, shutdown, interactive);
    } catch (RuntimeException e) {
      if (shutdown.started()) {
        // Ctrl-C while busy: the failure is only the consequence of stopping; the JVM is exiting anyway.
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

  /** Keys on a terminal; otherwise (or as well) until --keep-running-seconds or Ctrl-C. */
  private void waitForUser(DemoScript script, Events events, DemoView view, Shutdown shutdown, boolean interactive)
      throws IOException, InterruptedException {
    CountDownLatch quit = new CountDownLatch(1);
    if (interactive) {
      // One action at a time, off the key thread, so a key pressed during a failover is answered at once.
      ExecutorService actions = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "demo-action");
        t.setDaemon(true);
        return t;
      });
      AtomicBoolean busy = new AtomicBoolean();
      shutdown.keys = KeyReader.start(System.in, key -> onKey(key, script, events, actions, busy, quit));
      view.keys(KEYS);
    } else {
      events.now("no terminal: no keys; " + (keepRunningSeconds != null ? "stopping in " + keepRunningSeconds + " s"
          : "press Ctrl-C to stop"));
    }
    if (keepRunningSeconds != null) {
      quit.await(keepRunningSeconds, TimeUnit.SECONDS);
    } else {
      quit.await();
    }
  }

  private static void onKey(int key, DemoScript script, Events events, ExecutorService actions, AtomicBoolean busy,
      CountDownLatch quit) {
    switch (Character.toLowerCase((char) key)) {
      case 'q' -> quit.countDown();
      case 's' -> act("switchover", script::switchover, events, actions, busy);
      case 'p' -> act("partition", script::togglePartition, events, actions, busy);
      case 'k' -> act("kill", script::killPrimaryAndRejoin, events, actions, busy);
      default -> { }
    }
  }

  private interface Action {
    void run() throws Exception;
  }

  private static void act(String name, Action action, Events events, ExecutorService actions, AtomicBoolean busy) {
    if (!busy.compareAndSet(false, true)) {
      events.now(name + ": ignored, the previous action is still running");
      return;
    }
    actions.execute(() -> {
      try {
        action.run();
      } catch (Exception e) {
        events.now(name + " failed: " + e.getMessage());
      } finally {
        busy.set(false);
      }
    });
  }

  /** A directory to own: created if missing, refused if it holds anything (old data would not match new ports). */
  private static Path prepareDirectory(Path dir) throws IOException {
    Path absolute = dir.toAbsolutePath().normalize();
    if (Files.exists(absolute)) {
      if (!Files.isDirectory(absolute)) {
        throw new CliException("--dir " + absolute + " is a file, not a directory");
      }
      try (Stream<Path> entries = Files.list(absolute)) {
        if (entries.findAny().isPresent()) {
          throw new CliException("--dir " + absolute + " is not empty; name a new directory (its data would not match new ports)");
        }
      }
    }
    Files.createDirectories(absolute);
    return absolute;
  }

  static void say(PrintWriter out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  /**
   * Stops everything once, from whichever comes first: the end of {@link #call} or the shutdown hook
   * (Ctrl-C). The terminal is restored first, so even a slow stop leaves a usable shell. The second
   * caller waits for the first, so "stopped" is printed only when it is true.
   */
  private static final class Shutdown {
    private final PrintWriter out;
    private final Path home;
    volatile HaEnvironment env;
    volatile ClusterWatch watch;
    volatile Writer writer;
    volatile DemoView view;
    volatile Events events;
    volatile KeyReader keys;
    private boolean done;
    private volatile boolean started;

    Shutdown(PrintWriter out, Path home) {
      this.out = out;
      this.home = home;
    }

    boolean started() {
      return started;
    }

    synchronized void run(String why) {
      if (done) return;
      started = true;
      if (keys != null) keys.close();
      if (view != null) view.close();
      if (watch != null) watch.close();
      if (writer != null) writer.close();
      if (events != null && view != null && System.console() != null) {
        // The terminal view only drew the newest events; leave the whole story on the screen.
        say(out, "\nevents:");
        events.last(200).forEach(line -> say(out, "  " + line));
      }
      Map<String, Long> running = env == null ? Map.of() : env.processes();
      say(out, "");
      say(out, why + ": stopping " + (running.isEmpty() ? "(nothing running)" : running.entrySet().stream()
          .map(e -> e.getKey() + " pid " + e.getValue()).collect(Collectors.joining(", "))) + " ...");
      if (env != null) env.close();
      done = true;
      say(out, "stopped every process the demo started; configs, data and logs are kept in " + home);
    }
  }
}
