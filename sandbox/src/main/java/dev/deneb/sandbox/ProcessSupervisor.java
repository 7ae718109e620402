package dev.deneb.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * Starts local processes and guarantees they do not outlive the code that started them.
 *
 * <p>Every process started here is stopped by {@link #close()} and, should the caller never get
 * there (a failing test, Ctrl-C), by a JVM shutdown hook. A SIGKILLed JVM runs no hook, so every
 * child also gets {@value #PARENT_PID_ENV}: Deneb processes exit by themselves once that PID is gone.
 *
 * <p>Processes are addressed by PID, and only processes started by this supervisor can be signalled:
 * a typo in a test must not be able to kill an unrelated process.
 */
public final class ProcessSupervisor implements AutoCloseable {

  /** Environment variable carrying this JVM's PID to every child. */
  public static final String PARENT_PID_ENV = "DENEB_PARENT_PID";

  /** How long {@link #stop} waits after SIGTERM before SIGKILL. */
  public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);

  /** After SIGKILL a process is gone within milliseconds unless the kernel is stuck on I/O. */
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);

  private final Duration stopGrace;
  private final Map<Long, Running> started = new LinkedHashMap<>();
  private final Thread shutdownHook;
  private final Object closeLock = new Object();
  private boolean closed;

  public ProcessSupervisor() {
    this(DEFAULT_STOP_GRACE);
  }

  public ProcessSupervisor(Duration stopGrace) {
    this.stopGrace = stopGrace;
    this.shutdownHook = new Thread(this::stopAllQuietly, "deneb-sandbox-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * A started process (kept after it exits, so its exit code stays readable) and whether we froze it
   * with SIGSTOP (it then needs SIGCONT to act on SIGTERM).
   */
  private static final class Running {
    final SupervisedProcess info;
    final Process process;
    boolean paused;

    Running(SupervisedProcess info, Process process) {
      this.info = info;
      this.process = process;
    }
  }

  /** Starts {@code spec}; stdout and stderr are appended to {@code spec.log()}, stdin is closed. */
  public SupervisedProcess start(ProcessSpec spec) throws IOException {
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("cannot start " + spec.name() + ": the process supervisor is closed");
      }
      Files.createDirectories(spec.log().toAbsolutePath().getParent());
      Files.writeString(spec.log(), "=== " + spec.name() + " starting at " + Instant.now() + " ===\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      ProcessBuilder builder = new ProcessBuilder(spec.command())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.log().toFile()));
      if (spec.workDir() != null) {
        builder.directory(spec.workDir().toFile());
      }
      builder.environment().putAll(spec.env());
      builder.environment().put(PARENT_PID_ENV, Long.toString(ProcessHandle.current().pid()));
      Process process;
      try {
        process = builder.start();
      } catch (IOException e) {
        throw new IOException("cannot start " + spec.name() + " (" + spec.command().get(0) + "): " + e.getMessage(), e);
      }
      // A child that reads stdin sees end-of-file instead of blocking on a pipe nobody writes to.
      process.getOutputStream().close();
      SupervisedProcess info = new SupervisedProcess(spec.name(), process.pid(), spec.log());
      started.put(info.pid(), new Running(info, process));
      return info;
    }
  }

  /** Processes started here that are still alive. */
  public synchronized List<SupervisedProcess> processes() {
    return started.values().stream().filter(r -> r.process.isAlive()).map(r -> r.info).toList();
  }

  public boolean isAlive(long pid) {
    return find(pid).process.isAlive();
  }

  /**
   * SIGTERM, then SIGKILL if the process is still alive after the grace period; returns once it is
   * gone. Its descendants (a shell's children) are SIGKILLed afterwards. A no-op if it has exited.
   */
  public void stop(long pid) {
    terminateAll(List.of(find(pid)), stopGrace);
  }

  /** SIGKILL ({@code kill -9}) and wait until the process is gone. */
  public void kill(long pid) {
    terminateAll(List.of(find(pid)), Duration.ZERO);
  }

  /** SIGSTOP: the process freezes, as if its host stalled; sockets stay open. */
  public void pause(long pid) {
    Running r = find(pid);
    signal(r, "STOP");
    synchronized (this) {
      r.paused = true;
    }
  }

  /** SIGCONT: undoes {@link #pause}. */
  public void resume(long pid) {
    Running r = find(pid);
    signal(r, "CONT");
    synchronized (this) {
      r.paused = false;
    }
  }

  /** The exit code once the process has exited, or empty if it still runs after {@code timeout}. */
  public OptionalInt waitForExit(long pid, Duration timeout) {
    Process process = find(pid).process;
    try {
      if (process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        return OptionalInt.of(process.exitValue());
      }
      return OptionalInt.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for pid " + pid + " to exit", e);
    }
  }

  /** The exit code if the process has exited, without waiting. */
  public OptionalInt exitCode(long pid) {
    Process process = find(pid).process;
    return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
  }

  /**
   * Stops every process still running (SIGTERM to all at once, SIGKILL after the grace period).
   * Idempotent; a second caller returns only once the first has finished.
   */
  @Override
  public void close() {
    stopAll();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shutdownInProgress) {
      // close() was called while the JVM is shutting down: the hook runs anyway and finds nothing to do.
    }
  }

  private void stopAll() {
    synchronized (closeLock) {
      List<Running> all;
      synchronized (this) {
        closed = true;
        all = new ArrayList<>(started.values());
      }
      terminateAll(all, stopGrace);
    }
  }

  private void stopAllQuietly() {
    try {
      stopAll();
    } catch (RuntimeException e) {
      // Last resort at JVM exit: nobody can catch this any more, so say it where a person looks.
      System.err.println("deneb sandbox: could not stop every child process: " + e.getMessage());
    }
  }

  /** SIGTERM everything (unless grace is zero), wait up to grace, SIGKILL the rest, then their descendants. */
  private void terminateAll(List<Running> targets, Duration grace) {
    List<ProcessHandle> descendants = new ArrayList<>();
    for (Running r : targets) {
      r.process.descendants().forEach(descendants::add);
    }
    if (!grace.isZero()) {
      for (Running r : targets) {
        if (r.paused && r.process.isAlive()) {
          // A stopped process keeps SIGTERM pending forever; let it run so it can shut down cleanly.
          signalQuietly(r, "CONT");
        }
        r.process.destroy();
      }
      awaitExit(targets, grace);
    }
    for (Running r : targets) {
      if (r.process.isAlive()) {
        r.process.destroyForcibly();
      }
    }
    List<String> survivors = awaitExit(targets, KILL_WAIT);
    descendants.forEach(ProcessHandle::destroyForcibly);
    if (!survivors.isEmpty()) {
      throw new IllegalStateException("still alive " + KILL_WAIT.toSeconds() + "s after SIGKILL: " + survivors);
    }
  }

  /**
   * Waits until every target has exited or the shared deadline passes; returns those still alive.
   * {@code Process.waitFor}, which reads the exit the JDK's reaper recorded, rather than a fresh
   * {@code onExit()} future, which completes asynchronously: at the end of a 30-minute Jepsen run
   * those futures did not complete within 10 s for any of the 40 agents it had started, 37 of them
   * dead for minutes, and the run failed with "still alive 10s after SIGKILL" naming all 40.
   */
  private static List<String> awaitExit(List<Running> targets, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> alive = new ArrayList<>();
    for (Running r : targets) {
      try {
        if (!r.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          alive.add(r.info.toString());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while stopping " + r.info, e);
      }
    }
    return alive;
  }

  private void signal(Running r, String signal) {
    if (!r.process.isAlive()) {
      throw new IllegalStateException("cannot send SIG" + signal + " to " + r.info + ": it has exited");
    }
    // The JDK can send only SIGTERM and SIGKILL; STOP and CONT go through kill(1).
    ProcessBuilder kill = new ProcessBuilder("kill", "-" + signal, Long.toString(r.info.pid())).redirectErrorStream(true);
    try {
      Process p = kill.start();
      p.getOutputStream().close();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + r.info.pid() + " failed: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill -" + signal + " for " + r.info + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending SIG" + signal + " to " + r.info, e);
    }
  }

  private void signalQuietly(Running r, String signal) {
    try {
      signal(r, signal);
    } catch (RuntimeException e) {
      // The process exited in between, or kill(1) is missing: SIGKILL after the grace period still works.
    }
  }

  private synchronized Running find(long pid) {
    Running r = started.get(pid);
    if (r == null) {
      throw new IllegalArgumentException("pid " + pid + " was not started by this process supervisor");
    }
    return r;
  }
}
