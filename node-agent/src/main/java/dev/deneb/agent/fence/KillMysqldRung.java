package dev.deneb.agent.fence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Rung 2: SIGKILL the database server named by its pid file, and wait until it is gone.
 *
 * <p>Only a process whose kernel name ({@code /proc/<pid>/comm}) or argv[0] is {@code mysqld} or
 * {@code mariadbd} is signalled: a stale pid file whose pid now belongs to an unrelated process
 * must not get that process killed. The signal goes to the exact process seen (pid and start
 * time), not to whatever holds the pid a moment later.
 *
 * <p>Verified when the process named by the file is not running (no such process, a zombie, or a
 * new process under the same pid) — either before the signal (the server had already died) or
 * within {@code killTimeout} after it. A missing or unreadable pid file is <em>not</em> verified:
 * without it the agent cannot tell which process would take writes.
 *
 * <p>Bound: {@code killTimeout} plus one poll (5 ms). The agent needs the right to signal the
 * server (the same user, or CAP_KILL).
 */
public final class KillMysqldRung implements FenceRung {
  /** Kernel names (and argv[0] file names) of database servers. */
  static final Set<String> SERVER_NAMES = Set.of("mysqld", "mariadbd");
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final Path pidFile;
  private final Duration killTimeout;
  private final ProcessTable processes;
  private final LongSupplier nanoTime;

  public KillMysqldRung(Path pidFile, Duration killTimeout, ProcessTable processes, LongSupplier nanoTime) {
    this.pidFile = pidFile;
    this.killTimeout = killTimeout;
    this.processes = processes;
    this.nanoTime = nanoTime;
  }

  @Override
  public String name() {
    return "sigkill-mysqld";
  }

  /** What the pid file names now, for the agent's start-up log: a wrong path shows there, not at the first fence. */
  public String check() {
    PidOrProblem p = readPid();
    if (p.problem != null) return "WARNING: " + name() + " will not work: " + p.problem;
    Optional<ProcessTable.Entry> e = processes.find(p.pid);
    if (e.isEmpty() || e.get().exited()) return "WARNING: " + pidFile + " names pid " + p.pid + ", which is not running";
    if (!isServer(e.get())) return "WARNING: " + pidFile + " names pid " + p.pid + ", which is " + describe(e.get())
        + ", not mysqld or mariadbd: " + name() + " would not kill it";
    return name() + " armed: " + pidFile + " names " + e.get().name() + " pid " + p.pid
        + (e.get().argv0().isEmpty() ? "" : " (" + e.get().argv0() + ")");
  }

  @Override
  public Verdict attempt(FenceRequest request, List<RungResult> earlier) {
    PidOrProblem p = readPid();
    if (p.problem != null) return Verdict.notVerified(p.problem + ": no process killed");
    long pid = p.pid;
    Optional<ProcessTable.Entry> found = processes.find(pid);
    if (found.isEmpty() || found.get().exited()) {
      return Verdict.verified("the server is not running: pid " + pid + " named by " + pidFile + " is "
          + (found.isEmpty() ? "gone" : "a zombie"));
    }
    ProcessTable.Entry server = found.get();
    if (!isServer(server)) {
      return Verdict.notVerified("pid " + pid + " named by " + pidFile + " is " + describe(server)
          + ", not mysqld or mariadbd (stale pid file, pid reused?): not killed");
    }
    long start = nanoTime.getAsLong();
    boolean signalled = processes.kill(server);
    long deadline = start + killTimeout.toNanos();
    while (true) {
      Optional<ProcessTable.Entry> now = processes.find(pid);
      if (gone(server, now)) {
        long ms = TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - start);
        return Verdict.verified(signalled
            ? "SIGKILLed " + server.name() + " pid " + pid + " (from " + pidFile + "); gone after " + ms + " ms"
            : server.name() + " pid " + pid + " (from " + pidFile + ") exited by itself");
      }
      if (!signalled) {
        return Verdict.notVerified("could not SIGKILL " + server.name() + " pid " + pid + " (from " + pidFile
            + "): not permitted? The agent must run as the server's user or have CAP_KILL");
      }
      if (nanoTime.getAsLong() - deadline >= 0) {
        char state = now.map(ProcessTable.Entry::state).orElse('?');
        return Verdict.notVerified("SIGKILLed " + server.name() + " pid " + pid + " but it is still there after "
            + killTimeout.toMillis() + " ms (state " + state + (state == 'D' ? ": stuck in uninterruptible I/O" : "") + ")");
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  private static boolean gone(ProcessTable.Entry before, Optional<ProcessTable.Entry> now) {
    return now.isEmpty() || now.get().exited() || now.get().startTime() != before.startTime();
  }

  static boolean isServer(ProcessTable.Entry e) {
    return SERVER_NAMES.contains(e.name()) || SERVER_NAMES.contains(e.argv0Name());
  }

  private static String describe(ProcessTable.Entry e) {
    return "'" + e.name() + "'" + (e.argv0().isEmpty() || e.argv0().equals(e.name()) ? "" : " (" + e.argv0() + ")");
  }

  private record PidOrProblem(long pid, String problem) {}

  private PidOrProblem readPid() {
    String text;
    try {
      text = Files.readString(pidFile, StandardCharsets.US_ASCII).strip();
    } catch (NoSuchFileException e) {
      return new PidOrProblem(0, "the pid file " + pidFile + " does not exist (server stopped cleanly, or a wrong path?)");
    } catch (IOException e) {
      return new PidOrProblem(0, "cannot read the pid file " + pidFile + ": " + e);
    }
    try {
      long pid = Long.parseLong(text);
      if (pid > 1) return new PidOrProblem(pid, null);
    } catch (NumberFormatException ignored) {
      // falls through
    }
    String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
    return new PidOrProblem(0, "the pid file " + pidFile + " holds '" + shown + "', not a process id");
  }
}
