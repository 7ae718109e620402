package dev.deneb.agent.fence;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Rung 3: the STONITH hook ({@code fencing.stonithCommand}) — an operator's program that powers off
 * or isolates this host (IPMI, a cloud API, a switch port). Verified when it exits 0 within
 * {@code stonithTimeout}; on timeout it is killed (with its descendants) and counted as failed.
 *
 * <p>The hook runs without a shell, with stdin from {@code /dev/null} and these variables added to
 * the agent's environment: {@code DENEB_NODE}, {@code DENEB_CLUSTER}, {@code DENEB_EPOCH} (the
 * highest epoch the agent has seen) and {@code DENEB_REASON} (why the agent fences, and why the
 * rungs before could not confirm it). Its output (stdout and stderr) ends up, shortened, in the
 * rung's reason.
 *
 * <p>Bound: {@code stonithTimeout} plus at most one second to reap a killed hook.
 *
 * <p>The ladder is climbed again at every agent tick while nothing confirms the fence; so that a
 * failing hook does not hammer a power controller or cloud API many times a second, it is run again
 * only {@link #RETRY_GAP} after its last failure (until then the rung answers "not verified" at once).
 */
public final class StonithRung implements FenceRung {
  private static final int OUTPUT_KEEP = 2000;
  /** The least time between the end of a failed run of the hook and the next run. */
  public static final Duration RETRY_GAP = Duration.ofSeconds(1);

  private final List<String> command;
  private final Duration timeout;
  private final LongSupplier nanoTime;
  /** When the last failed run ended; meaningful only while {@code lastFailed}. */
  private long lastFailedAt;
  private boolean lastFailed;

  public StonithRung(List<String> command, Duration timeout, LongSupplier nanoTime) {
    if (command.isEmpty()) throw new IllegalArgumentException("the STONITH command is empty");
    this.command = List.copyOf(command);
    this.timeout = timeout;
    this.nanoTime = nanoTime;
  }

  @Override
  public String name() {
    return "stonith";
  }

  @Override
  public Verdict attempt(FenceRequest request, List<RungResult> earlier) {
    if (lastFailed) {
      long since = nanoTime.getAsLong() - lastFailedAt;
      if (since < RETRY_GAP.toNanos()) {
        return Verdict.notVerified("the hook failed " + TimeUnit.NANOSECONDS.toMillis(since) + " ms ago; it runs again "
            + RETRY_GAP.toMillis() + " ms after a failure");
      }
    }
    Verdict v = run(request, earlier);
    lastFailed = !v.verified();
    lastFailedAt = nanoTime.getAsLong();
    return v;
  }

  private Verdict run(FenceRequest request, List<RungResult> earlier) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Map<String, String> env = pb.environment();
    env.put("DENEB_NODE", request.node());
    env.put("DENEB_CLUSTER", request.cluster());
    env.put("DENEB_EPOCH", Long.toString(request.epoch()));
    env.put("DENEB_REASON", FencingLadder.escalationSummary(request, earlier));
    long start = nanoTime.getAsLong();
    Process p;
    try {
      p = pb.start();
    } catch (IOException | RuntimeException e) {
      return Verdict.notVerified("cannot run " + command + ": " + e.getMessage());
    }
    OutputTail output = new OutputTail(p.getInputStream());
    output.start();
    boolean exited;
    try {
      exited = p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      killTree(p);
      return Verdict.notVerified("interrupted while " + command + " ran (the agent is stopping); the hook was killed");
    }
    if (!exited) {
      killTree(p);
      return Verdict.notVerified(command.get(0) + " did not finish within " + timeout.toMillis() + " ms and was killed"
          + output.describe());
    }
    int code = p.exitValue();
    output.awaitEnd();
    long ms = TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - start);
    return code == 0
        ? Verdict.verified(command.get(0) + " exited 0 after " + ms + " ms" + output.describe())
        : Verdict.notVerified(command.get(0) + " exited " + code + " after " + ms + " ms" + output.describe());
  }

  private static void killTree(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    try {
      p.waitFor(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Keeps the last {@value #OUTPUT_KEEP} characters of the hook's output; reads on a daemon thread. */
  private static final class OutputTail extends Thread {
    private final InputStream in;
    private final StringBuilder kept = new StringBuilder();

    OutputTail(InputStream in) {
      super("deneb-agent-stonith-output");
      setDaemon(true);
      this.in = in;
    }

    @Override
    public void run() {
      byte[] buf = new byte[1024];
      try (in) {
        for (int n; (n = in.read(buf)) >= 0; ) {
          synchronized (kept) {
            kept.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            if (kept.length() > OUTPUT_KEEP) kept.delete(0, kept.length() - OUTPUT_KEEP);
          }
        }
      } catch (IOException ignored) {
        // The hook was killed, or the agent is stopping.
      }
    }

    /** A child the hook left running may hold the pipe open: wait briefly, not for it. */
    void awaitEnd() {
      try {
        join(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    String describe() {
      String text;
      synchronized (kept) {
        text = kept.toString().strip().replaceAll("\\s*\\n\\s*", " | ");
      }
      return text.isEmpty() ? "" : "; output: " + (text.length() > 500 ? "..." + text.substring(text.length() - 500) : text);
    }
  }
}
