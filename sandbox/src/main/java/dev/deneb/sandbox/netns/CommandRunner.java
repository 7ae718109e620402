package dev.deneb.sandbox.netns;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one short {@code ip}/{@code nft} command to completion and returns its stdout, or throws a
 * {@link NetnsCommandException} naming the command and its output.
 *
 * <p>Output goes to temporary files rather than pipes: then no reader threads are needed (the common
 * fork-join pool has a single thread on a 2-core machine, and two blocking pipe readers in it could
 * deadlock), and a command that hangs is still bounded by the timeout.
 */
final class CommandRunner {
  /** Netlink and nft calls take milliseconds; this only bounds a wedged kernel or a stuck mount. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

  private final Duration timeout;

  CommandRunner() {
    this(DEFAULT_TIMEOUT);
  }

  CommandRunner(Duration timeout) {
    this.timeout = timeout;
  }

  String run(List<String> command) {
    return run(command, null);
  }

  /** Runs {@code command} with {@code stdin} (or an empty stdin when null): e.g. an nft script for {@code nft -f -}. */
  String run(List<String> command, String stdin) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("deneb-netns-", ".out");
      err = Files.createTempFile("deneb-netns-", ".err");
      Process process;
      try {
        process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      } catch (IOException e) {
        throw new NetnsCommandException(command, stdin, -1, String.valueOf(e.getMessage()), "could not start");
      }
      try (OutputStream in = process.getOutputStream()) {
        if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        // The command exited before reading its stdin; its exit code and stderr below say why.
      }
      boolean finished = waitFor(process);
      String output = (Files.readString(err) + Files.readString(out)).strip();
      if (!finished) {
        process.destroyForcibly();
        throw new NetnsCommandException(command, stdin, -1, output, "did not finish within " + timeout.toSeconds() + " s");
      }
      if (process.exitValue() != 0) {
        throw new NetnsCommandException(command, stdin, process.exitValue(), output, "failed with exit code " + process.exitValue());
      }
      return Files.readString(out);
    } catch (IOException e) {
      throw new NetnsCommandException(command, stdin, -1, String.valueOf(e.getMessage()), "output could not be read");
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  /**
   * Waits for the command even when interrupted (the interrupt is kept for the caller): abandoning
   * "ip link add" half-way would leave an object that close() did not know it made.
   */
  private boolean waitFor(Process process) {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  private static void deleteQuietly(Path file) {
    if (file == null) return;
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A leftover empty file in the temporary directory is harmless; the command's result matters more.
    }
  }
}
