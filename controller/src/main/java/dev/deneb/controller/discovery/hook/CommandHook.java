package dev.deneb.controller.discovery.hook;

import dev.deneb.controller.discovery.DiscoveryException;
import dev.deneb.controller.discovery.Publication;
import dev.deneb.controller.discovery.Publication.Endpoint;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An operator's command run before ({@link Phase#PRE}) or after ({@link Phase#POST}) a failover or
 * switchover, for proxies and inventories Deneb has no backend for (DESIGN §3.7).
 *
 * <p>The command is an argv list run directly, without a shell (an operator who wants one writes
 * {@code ["sh", "-c", "..."]}). It gets this JVM's environment plus {@code DENEB_HOOK_PHASE}
 * ({@code pre}|{@code post}), {@code DENEB_CLUSTER}, {@code DENEB_EPOCH}, {@code
 * DENEB_PREVIOUS_EPOCH}, {@code DENEB_PRIMARY_NODE}/{@code _HOST}/{@code _PORT} and {@code
 * DENEB_PREVIOUS_NODE}/{@code _HOST}/{@code _PORT} (empty strings when there was no previous
 * primary). stdin is closed; stdout and stderr are merged and their last {@value #OUTPUT_TAIL_BYTES}
 * bytes go to the log and into the exception.
 *
 * <p>Bounded in time: a command still running after the timeout is SIGKILLed together with the
 * descendants it has at that moment, and the run fails saying so. Hooks are run again when the
 * orchestrator retries or a new leader repeats a step, so a hook must be idempotent; the epoch in
 * its environment lets it recognise a repeat.
 *
 * <p>A pre hook is advisory: the orchestrator logs a failed pre hook and goes on with the failover.
 * Safety comes from the epoch (fencing, the lease and the epoch-fenced promotion), never from a
 * hook, and a hook that could veto a failover would let a broken script keep a cluster without a
 * primary.
 */
public final class CommandHook {
  private static final Logger log = LoggerFactory.getLogger(CommandHook.class);

  /** How much of a hook's output is kept: the end, where the error usually is. */
  public static final int OUTPUT_TAIL_BYTES = 4096;
  /** After the hook exits, how long to wait for its output's end-of-file (see {@link OutputTail#awaitEnd}). */
  private static final long OUTPUT_DRAIN_MILLIS = 1000;
  /** After SIGKILL a process is gone within milliseconds unless the kernel is stuck on I/O. */
  private static final long KILL_WAIT_MILLIS = 5000;

  /** When the hook runs, relative to the failover or switchover. */
  public enum Phase {
    PRE, POST;

    String envValue() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Phase phase;
  private final List<String> command;
  private final Duration timeout;

  public CommandHook(Phase phase, List<String> command, Duration timeout) {
    if (command.isEmpty()) {
      throw new IllegalArgumentException("a " + phase.envValue() + " hook needs a command");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("hook timeout must be positive, got " + timeout);
    }
    this.phase = phase;
    this.command = List.copyOf(command);
    this.timeout = timeout;
  }

  public Phase phase() {
    return phase;
  }

  public List<String> command() {
    return command;
  }

  public Duration timeout() {
    return timeout;
  }

  /** "pre hook [/usr/local/bin/notify, --fast]", for logs and errors. */
  public String describe() {
    return phase.envValue() + " hook " + command;
  }

  /**
   * Runs the command once for {@code p} and waits for it, at most {@link #timeout()}.
   *
   * @throws DiscoveryException (never a refusal) when it could not start, exited non-zero, timed
   *     out or the calling thread was interrupted; the message has the exit code and output tail
   */
  public void run(Publication p) throws DiscoveryException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment(phase, p));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new DiscoveryException(describe() + ": cannot start: " + e.getMessage()
          + " (the command is run without a shell; check the path, or write [\"sh\", \"-c\", \"...\"])", false, e);
    }
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // stdin is only closed so a hook reading it sees end-of-file; nothing to do if that fails
    }
    OutputTail output = new OutputTail(process.getInputStream(), OUTPUT_TAIL_BYTES, "deneb-hook-" + process.pid());
    try {
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        killTree(process);
        output.awaitEnd(OUTPUT_DRAIN_MILLIS);
        throw failure("did not finish within " + timeout.toMillis() + " ms (timeout); killed it and its child processes",
            output);
      }
      output.awaitEnd(OUTPUT_DRAIN_MILLIS);
    } catch (InterruptedException e) {
      killTree(process);
      Thread.currentThread().interrupt();
      throw new DiscoveryException(describe() + ": interrupted; killed it", false, e);
    }
    int exit = process.exitValue();
    if (exit != 0) {
      throw failure("exited with code " + exit, output);
    }
    log.info("{} for cluster {} epoch {} succeeded; output: {}", describe(), p.cluster(), p.epoch(),
        output.text().isEmpty() ? "(none)" : output.text());
  }

  private DiscoveryException failure(String what, OutputTail output) {
    String text = output.text();
    String message = describe() + ": " + what + "; output: " + (text.isEmpty() ? "(none)" : text);
    log.warn(message);
    return new DiscoveryException(message, false);
  }

  /**
   * SIGKILL to the process and every descendant it has now. Descendants are listed first: once
   * the parent is dead they are re-parented and can no longer be found from it.
   */
  private static void killTree(Process process) {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    process.destroyForcibly();
    tree.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(KILL_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The variables a hook gets, in a stable order. */
  static Map<String, String> environment(Phase phase, Publication p) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("DENEB_HOOK_PHASE", phase.envValue());
    env.put("DENEB_CLUSTER", p.cluster());
    env.put("DENEB_EPOCH", Long.toString(p.epoch()));
    env.put("DENEB_PREVIOUS_EPOCH", Long.toString(p.previousEpoch()));
    endpoint(env, "DENEB_PRIMARY_", Optional.of(p.primary()));
    endpoint(env, "DENEB_PREVIOUS_", p.previous());
    return env;
  }

  private static void endpoint(Map<String, String> env, String prefix, Optional<Endpoint> e) {
    env.put(prefix + "NODE", e.map(Endpoint::node).orElse(""));
    env.put(prefix + "HOST", e.map(Endpoint::host).orElse(""));
    env.put(prefix + "PORT", e.map(x -> Integer.toString(x.port())).orElse(""));
  }
}
