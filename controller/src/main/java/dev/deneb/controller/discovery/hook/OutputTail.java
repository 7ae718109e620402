package dev.deneb.controller.discovery.hook;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The last {@code capacity} bytes of a stream, read on a daemon thread: a chatty hook cannot fill
 * the controller's memory, and the end of the output is where the error usually is.
 */
final class OutputTail {
  private final byte[] ring;
  private long written;
  private final Thread reader;

  OutputTail(InputStream in, int capacity, String threadName) {
    this.ring = new byte[capacity];
    this.reader = new Thread(() -> drain(in), threadName);
    reader.setDaemon(true);
    reader.start();
  }

  private void drain(InputStream in) {
    byte[] buf = new byte[4096];
    try (in) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        append(buf, n);
      }
    } catch (IOException e) {
      // the pipe closed under us (the process was killed): keep what we have
    }
  }

  private synchronized void append(byte[] buf, int n) {
    for (int i = 0; i < n; i++) {
      ring[(int) (written++ % ring.length)] = buf[i];
    }
  }

  /**
   * Waits up to {@code millis} for the end of the output. A hook that left a background child
   * holding its stdout never sends end-of-file; we stop waiting rather than hang.
   */
  void awaitEnd(long millis) throws InterruptedException {
    reader.join(millis);
  }

  /** The captured tail as text, prefixed with "..." when earlier output was dropped. */
  synchronized String text() {
    int size = (int) Math.min(written, ring.length);
    byte[] out = new byte[size];
    long start = written - size;
    for (int i = 0; i < size; i++) {
      out[i] = ring[(int) ((start + i) % ring.length)];
    }
    String s = new String(out, StandardCharsets.UTF_8).strip();
    return written > ring.length ? "..." + s : s;
  }
}
