package dev.deneb.cli.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Single key presses from the terminal: switches it to non-canonical mode without echo
 * ({@code stty -icanon -echo}, so a key arrives without Enter; Ctrl-C still raises SIGINT because
 * {@code isig} stays on) and restores the saved settings on {@link #close()}, which the demo also
 * calls from its shutdown hook. Java cannot set terminal modes itself, hence {@code stty} on
 * {@code /dev/tty}.
 */
final class KeyReader implements AutoCloseable {
  private final InputStream in;
  private final String saved;
  private final Thread thread;
  private volatile boolean restored;

  private KeyReader(InputStream in, String saved, IntConsumer onKey) {
    this.in = in;
    this.saved = saved;
    this.thread = new Thread(() -> read(onKey), "demo-keys");
    // A blocked read cannot be interrupted; a daemon thread does not keep the JVM alive.
    this.thread.setDaemon(true);
  }

  /** Starts reading keys from {@code in} (the terminal's stdin); fails if the terminal mode cannot be set. */
  static KeyReader start(InputStream in, IntConsumer onKey) throws IOException {
    String saved = stty("-g").strip();
    stty("-icanon", "-echo", "min", "1");
    KeyReader reader = new KeyReader(in, saved, onKey);
    reader.thread.start();
    return reader;
  }

  private void read(IntConsumer onKey) {
    try {
      int key;
      while (!restored && (key = in.read()) != -1) {
        onKey.accept(key);
      }
    } catch (IOException e) {
      // stdin closed: no more keys; Ctrl-C still ends the demo.
    }
  }

  /** Restores the terminal settings saved at start. Idempotent. */
  @Override
  public synchronized void close() {
    if (restored) return;
    restored = true;
    try {
      stty(saved);
    } catch (IOException e) {
      System.err.println("deneb demo: could not restore the terminal (" + e.getMessage() + "); run 'stty sane'");
    }
  }

  private static String stty(String... args) throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of("stty"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty")))
        .redirectErrorStream(true).start();
    try {
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("stty " + String.join(" ", args) + " failed: " + output.strip());
      }
      return output;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running stty", e);
    }
  }
}
